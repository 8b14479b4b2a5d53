"""Links that come from people (`next=`, a notification's link): a path on this site, or nothing."""
from urllib.parse import urlsplit

from flask import request


def safe_next(target):
    """The local path of target, or '' when it would lead off this site."""
    parts = urlsplit(target or "")
    if parts.netloc and parts.netloc != request.host:
        return ""
    path = parts.path
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return ""
    return path + ("?" + parts.query if parts.query else "")
