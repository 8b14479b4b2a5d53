"""One HTTP POST to a robot's address, refused when the address leads inside the network.

The host is resolved once; every address it resolves to must be public, unless it lies in a
network that PORTAL_WEBHOOK_ALLOW_NETWORKS lists (there plain http is allowed too). The
connection then goes to the very address that was checked, with the name kept for SNI, the
Host header and the certificate check, so a second DNS answer cannot point it elsewhere.
Redirects are never followed; the answer is read for at most READ_LIMIT bytes and TIMEOUT
seconds.
"""
import dataclasses
import functools
import http.client
import ipaddress
import socket
import ssl
import time
from urllib.parse import urlsplit

TIMEOUT = 5
READ_LIMIT = 64 * 1024
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class Refused(Exception):
    """The address may not be reached; `reason` is a code from portal.robots.reasons."""

    def __init__(self, reason, detail=""):
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


@dataclasses.dataclass
class Answer:
    status: int
    body: bytes


@functools.lru_cache(maxsize=8)
def allowed_networks(setting):
    """The networks of PORTAL_WEBHOOK_ALLOW_NETWORKS (comma-separated CIDRs)."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False)
                 for part in (setting or "").split(",") if part.strip())


def check_url(url):
    """Refuse an address that is not http(s) or carries credentials; return its parts."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise Refused("bad_url")
    if parts.username or parts.password:
        raise Refused("bad_url")
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port == 0 or port == -1:
        raise Refused("bad_url")
    return parts


def resolve(parts, setting):
    """The addresses to connect to, each checked; refused if any one is internal."""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        # getaddrinfo also reads 2130706433 and 0x7f000001 as 127.0.0.1, so those forms are
        # judged by the address they really mean.
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise Refused("unknown_host") from None
    networks = allowed_networks(setting)
    addresses = []
    for family, _, _, _, sockaddr in found:
        address = ipaddress.ip_address(sockaddr[0].split("%")[0])
        listed = any(address in network for network in networks)
        if not listed and not _public(address):
            raise Refused("internal_address", str(address))
        if not listed and parts.scheme != "https":
            raise Refused("https_only")
        addresses.append((family, sockaddr))
    if not addresses:
        raise Refused("unknown_host")
    return addresses, port


def _public(address):
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return _public(embedded)
    return address.is_global and not (address.is_multicast or address.is_reserved
                                      or address.is_unspecified or address.is_loopback
                                      or address.is_link_local or address.is_private)


def _embedded_ipv4(address):
    if address.version != 6:
        return None
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address.sixtofour:
        return address.sixtofour
    if address.teredo:
        return address.teredo[1]
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def post(url, body, headers, setting):
    """POST `body` (bytes) to `url`; the answer, or Refused with the reason it failed."""
    parts = check_url(url)
    addresses, port = resolve(parts, setting)
    family, sockaddr = addresses[0]
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    connection_class = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
    connection = connection_class(parts.hostname, port, sockaddr)
    deadline = time.monotonic() + TIMEOUT
    try:
        connection.request("POST", target, body=body, headers={
            "Content-Type": "application/json; charset=utf-8", "User-Agent": "Duiqi", **headers})
        response = connection.getresponse()
        data = _read(response, deadline)
        return Answer(response.status, data)
    except ssl.SSLCertVerificationError:
        raise Refused("certificate") from None
    except (socket.timeout, TimeoutError):
        raise Refused("timeout") from None
    except (OSError, http.client.HTTPException):
        raise Refused("unreachable") from None
    finally:
        connection.close()


def _read(response, deadline):
    chunks, size = [], 0
    while size < READ_LIMIT:
        if time.monotonic() > deadline:
            raise TimeoutError
        chunk = response.read1(READ_LIMIT - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host, port, sockaddr):
        super().__init__(host, port, timeout=TIMEOUT)
        self.sockaddr = sockaddr

    def connect(self):
        self.sock = socket.create_connection(self.sockaddr[:2], self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host, port, sockaddr):
        super().__init__(host, port, timeout=TIMEOUT, context=ssl.create_default_context())
        self.sockaddr = sockaddr

    def connect(self):
        sock = socket.create_connection(self.sockaddr[:2], self.timeout)
        # The checked address, but the name for SNI and for the certificate's check.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)
