"""People, departments, signing in."""


def schema():
    """This area's models, handed up to the schema (portal.all_models)."""
    from portal.accounts.models import Department, LoginAttempt, LoginSession, User
    from portal.accounts.tokens import AccessToken
    return [Department, User, LoginSession, LoginAttempt, AccessToken]
