"""Projects, their targets and check-ins, milestones, the updates feed, and the alignment map."""


def schema():
    """This area's models, handed up to the schema (portal.all_models)."""
    from portal.projects.alignment import Tension
    from portal.projects.feed import Mention, Photo, ProjectUpdate
    from portal.projects.models import CheckIn, Milestone, Project, ProjectDepartment, Target
    return [Project, ProjectDepartment, Target, CheckIn, Milestone, ProjectUpdate, Photo, Mention, Tension]
