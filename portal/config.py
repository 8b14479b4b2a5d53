"""Configuration read from the environment, with defaults that work on a fresh machine."""
import ipaddress
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _flag(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _networks(value):
    """Comma-separated CIDRs, checked now so that a typo stops the start, not a delivery."""
    for part in filter(None, (piece.strip() for piece in value.split(","))):
        try:
            ipaddress.ip_network(part, strict=False)
        except ValueError:
            raise ValueError("PORTAL_WEBHOOK_ALLOW_NETWORKS: %r is not a network such as 10.1.0.0/16" % part) from None
    return value


def _secret_key(instance_path):
    """The configured key, else one generated on first start and kept in instance/."""
    key = os.environ.get("PORTAL_SECRET_KEY")
    if key:
        return key
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two workers starting at once must not write two different keys.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def from_environment(instance_path, overrides):
    """Settings from the environment; `overrides` (tests) win and spare the secret-key file."""
    base_url = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:%s" % os.environ.get("PORT", "5000"))
    mail_server = os.environ.get("MAIL_SERVER") or None
    config = {
        "DATABASE_URL": os.environ.get("PORTAL_DATABASE_URL", "sqlite:///%s/portal.db" % instance_path),
        "BASE_URL": base_url.rstrip("/"),
        "MAX_CONTENT_LENGTH": int(os.environ.get("PORTAL_MAX_REQUEST_MB", "48")) * 1024 * 1024,
        "STORAGE_DIR": os.environ.get("PORTAL_STORAGE_DIR") or None,
        "STORAGE_URL": os.environ.get("PORTAL_STORAGE_URL") or None,
        "DEFAULT_LOCALE": os.environ.get("PORTAL_DEFAULT_LOCALE", "zh_CN"),
        "DEFAULT_TIMEZONE": os.environ.get("PORTAL_DEFAULT_TIMEZONE", "Asia/Shanghai"),
        "TRUSTED_PROXIES": int(os.environ.get("PORTAL_TRUSTED_PROXIES", "0")),
        "JOBS_URL": os.environ.get("PORTAL_JOBS_URL") or None,
        "JOBS_IMMEDIATE": False,
        # A worker that has not said it is alive for this long counts as dead in /healthz.
        "WORKER_LATE_SECONDS": int(os.environ.get("PORTAL_WORKER_LATE_SECONDS", "180")),
        "METRICS_TOKEN": os.environ.get("PORTAL_METRICS_TOKEN") or None,
        "METRICS_NETWORKS": [network.strip() for network in os.environ.get(
            "PORTAL_METRICS_NETWORKS", "127.0.0.0/8,::1/128").split(",") if network.strip()],
        # Pages kept until their data changes (portal.pagecache), per process; 0 keeps none.
        "PAGE_CACHE_BYTES": int(os.environ.get("PORTAL_PAGE_CACHE_MB", "8")) * 1024 * 1024,
        # Requests one API token may make in a minute, all at once or spread out.
        "API_RATE_PER_MINUTE": int(os.environ.get("PORTAL_API_RATE_PER_MINUTE", "120")),
        "PASSWORD_HASH_METHOD": "scrypt",
        "MAIL_SERVER": mail_server,
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS"),
        "MAIL_USE_SSL": _flag("MAIL_USE_SSL"),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "noreply@localhost"),
        "MAIL_TIMEOUT": int(os.environ.get("PORTAL_MAIL_TIMEOUT", "20")),
        # A message a worker claimed this long ago without finishing is taken back (the worker died).
        "MAIL_STALE_SECONDS": int(os.environ.get("PORTAL_MAIL_STALE_SECONDS", "600")),
        # Internal networks that group robots and webhooks may reach (plain http included),
        # e.g. "10.1.0.0/16,192.168.5.20/32"; every other internal address is refused.
        "WEBHOOK_ALLOW_NETWORKS": _networks(os.environ.get("PORTAL_WEBHOOK_ALLOW_NETWORKS", "")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": 30 * 24 * 3600,
        # Tokens live as long as the login session: a form left open over lunch still submits.
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_TRANSLATION_DIRECTORIES": str(PROJECT_ROOT / "portal" / "translations"),
        # Flask-Mail suppresses sending whenever TESTING is on; the tests want real SMTP.
        "MAIL_SUPPRESS_SEND": False,
    }
    config.update(overrides)
    https = urlsplit(config["BASE_URL"]).scheme == "https"
    config.setdefault("SESSION_COOKIE_SECURE", https)
    config.setdefault("REMEMBER_COOKIE_SECURE", https)
    if "SECRET_KEY" not in config:
        config["SECRET_KEY"] = _secret_key(instance_path)
    return config
