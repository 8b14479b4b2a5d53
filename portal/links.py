"""Where a link leads, decided as a browser decides it: parsed by the WHATWG URL standard (ada),
which treats backslashes as slashes and drops tabs and newlines, as browsers do."""
import ada_url
from flask import request

WEB_SCHEMES = ("http:", "https:")


def local_path(target, host):
    """The path and query that `target` leads to when followed from a page served on `host`, or ""
    when it would leave this site (another host or scheme) or is no URL at all."""
    if not target:
        return ""
    base = "http://%s/" % host
    try:
        url = ada_url.URL(target, base)
    except ValueError:
        return ""
    if url.protocol not in WEB_SCHEMES or url.host != host:
        return ""
    path = url.pathname + url.search
    # "/..//x" resolves to the path "//x", which, sent on as it is, would lead to the host "x".
    again = ada_url.URL(path, base)
    return path if again.host == host and again.pathname + again.search == path else ""


def is_web_address(target):
    """Whether `target` is written out as an absolute http(s) address with a host."""
    if not (target or "").lower().startswith(("http://", "https://")):
        return False
    try:
        url = ada_url.URL(target)
    except ValueError:
        return False
    return url.protocol in WEB_SCHEMES and bool(url.hostname)


def safe_next(target):
    """The local path of target (`next=`, a notification's link), or '' when a browser would follow it
    off this site."""
    return local_path(target, request.host)
