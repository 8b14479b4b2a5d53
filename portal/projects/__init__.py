"""Projects, their targets and check-ins, milestones, the updates feed, and the alignment map."""


def schema():
    """This area's models, handed up to the schema (portal.all_models)."""
    from portal.projects.alignment import Tension
    from portal.projects.feed import Mention, Photo, ProjectUpdate
    from portal.projects.models import CheckIn, Milestone, Project, ProjectDepartment, Target
    return [Project, ProjectDepartment, Target, CheckIn, Milestone, ProjectUpdate, Photo, Mention, Tension]


def search_documents():
    """Every document this area's things are found by, for rebuilding the search index."""
    from portal.projects.feed import ProjectUpdate
    from portal.projects.models import Project, Target
    return ([project.search_document() for project in Project.select()]
            + [target.search_document() for target in Target.select()]
            + [update.search_document() for update in ProjectUpdate.select().where(ProjectUpdate.body != "")])
