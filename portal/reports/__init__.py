"""Weekly and daily reports (周报 / 日报): each department's plan, drafts pre-filled from what happened,
asks for help, the missing list and the head's comments."""


def schema():
    """This area's models, handed up to the schema (portal.all_models)."""
    from portal.reports.models import Report, ReportComment, ReportHelp
    from portal.reports.plans import ReportPlan
    return [ReportPlan, Report, ReportHelp, ReportComment]


def search_documents():
    """Every report, drafts too (their author finds them), for rebuilding the search index."""
    from portal.accounts.models import User
    from portal.reports.models import Report, ReportHelp
    asks = {}
    for ask in ReportHelp.select(ReportHelp.report, ReportHelp.what).order_by(ReportHelp.id):
        asks.setdefault(ask.report_id, []).append(ask)
    return [report.search_document(asks.get(report.id, []))
            for report in Report.select(Report, User).join(User, on=(Report.author == User.id))]
