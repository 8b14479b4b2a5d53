"""The JSON API at /api/v1/: what a person sees and does in the portal, for their scripts, through
a personal access token. A top-floor aggregator: it reads and changes every area through the
areas' own behaviours and the one permissions module."""


def blueprint():
    from portal.api import meetings, notifications, projects, requests, tasks  # noqa: F401  (their routes)
    from portal.api.protocol import api
    return api
