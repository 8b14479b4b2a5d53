"""Resource requests between departments, and the approval flows admins build for them."""


def schema():
    """This area's models, handed up to the schema (portal.all_models)."""
    from portal.requests.models import (Allocation, RequestEvent, RequestRound, RequestStep, ResourceRequest,
                                        StepApprover, StepCopy)
    from portal.requests.types import FlowStep, FlowVersion, RequestType, TypeField
    return [RequestType, TypeField, FlowStep, FlowVersion, ResourceRequest, RequestRound, RequestStep,
            StepApprover, StepCopy, RequestEvent, Allocation]
