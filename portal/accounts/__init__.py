"""People, departments, signing in."""


def schema():
    """This area's models, handed up to the schema (portal.all_models)."""
    from portal.accounts.models import Department, LoginAttempt, LoginSession, User
    return [Department, User, LoginSession, LoginAttempt]


def search_documents():
    """Every document this area's things are found by, for rebuilding the search index."""
    from portal.accounts.models import Department, User
    departments = {department.id: department for department in Department.select()}
    return [user.search_document(departments.get(user.department_id))
            for user in User.select().where(User.active == True)]  # noqa: E712
