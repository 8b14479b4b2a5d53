"""Weekly and daily reports (周报 / 日报): each department's plan, drafts pre-filled from what happened,
asks for help, the missing list and the head's comments."""


def schema():
    """This area's models, handed up to the schema (portal.all_models)."""
    from portal.reports.models import Report, ReportComment, ReportHelp
    from portal.reports.plans import ReportPlan
    return [ReportPlan, Report, ReportHelp, ReportComment]
