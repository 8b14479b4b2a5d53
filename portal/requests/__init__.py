"""Resource requests between departments, and the approval flows admins build for them."""


def schema():
    """This area's models, handed up to the schema (portal.all_models)."""
    from portal.requests.models import (Allocation, RequestEvent, RequestRound, RequestStep, ResourceRequest,
                                        StepApprover, StepCopy)
    from portal.requests.comments import RequestComment
    from portal.requests.delegation import Delegation
    from portal.requests.types import FlowStep, FlowVersion, RequestCounter, RequestType, TypeField
    return [RequestType, TypeField, FlowStep, FlowVersion, RequestCounter, ResourceRequest, RequestRound, RequestStep,
            StepApprover, StepCopy, RequestEvent, Allocation, Delegation, RequestComment]


def search_documents():
    """Every document this area's things are found by, for rebuilding the search index."""
    from portal.requests.models import ResourceRequest
    from portal.requests.types import FlowVersion
    versions = {version.id: version for version in FlowVersion.select()}
    return [request.search_document(versions[request.version_id]) for request in ResourceRequest.select()]
