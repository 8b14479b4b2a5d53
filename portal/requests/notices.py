"""Who hears about a request, and how: mail through the outbox for now.

In-app notifications (and their per-user preferences) plug in here, in `tell`, without the
routing code changing.
"""
from portal import mail


def tell(user, template, request, **context):
    """Let `user` know about `request`; call it inside the transaction of the change."""
    if user is None or not user.active or not user.email:
        return
    mail.queue(template, user, ref="request:%d" % request.id, resource_request=request,
               link=mail.absolute_url("requests.show", request_id=request.id), **context)
