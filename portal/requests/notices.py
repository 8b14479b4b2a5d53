"""Who hears about a request: through the notification center, so each person's choice of
channel (in the portal, mail at once, the weekly digest) holds; every notice links to the request,
and for an approver that page is the decision screen."""
from urllib.parse import urlsplit

from portal import mail
from portal.notifications.models import notify


def request_path(request):
    """The request's page, also outside a web request (jobs)."""
    return urlsplit(mail.absolute_url("requests.show", request_id=request.id)).path


def tell(user, event, request, key=None, **params):
    """Notify `user` of `event` about `request`; call it inside the transaction of the change."""
    return notify(user, event, link=request_path(request), key=key, subject=request, title=request.title, **params)
