"""The portal under real gunicorn, and signed-in HTTP sessions against it: shared by the
benchmark and the reliability tests."""
import contextlib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
USER_AGENT = "duiqi-harness"
WORKERS, THREADS = 3, 2  # As `make run` starts it, with the app loaded before forking (--preload).


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def portal_environment(database_url, **extra):
    # The API's per-token rate limit would measure itself, not the page: lifted under load.
    env = dict(os.environ, PORTAL_DATABASE_URL=database_url, PORTAL_SECRET_KEY="harness-secret",
               PORTAL_BASE_URL="http://127.0.0.1", PORTAL_API_RATE_PER_MINUTE="100000000")
    env.pop("MAIL_SERVER", None)
    env.update({key: str(value) for key, value in extra.items()})
    return env


class Server:
    def __init__(self, process, url):
        self.process, self.url = process, url

    def worker_pids(self):
        children = Path("/proc/%d/task/%d/children" % (self.process.pid, self.process.pid))
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def peak_rss_kib(self):
        """The largest peak resident memory (VmHWM) among the workers."""
        peaks = []
        for pid in self.worker_pids():
            with contextlib.suppress(OSError):
                status = Path("/proc/%d/status" % pid).read_text()
                peaks.append(int(re.search(r"VmHWM:\s+(\d+)", status).group(1)))
        return max(peaks, default=0)

    def pss_kib(self):
        """Each worker's proportional set size: its private memory plus its share of what it shares
        with the master and the other workers (RSS counts shared pages in full, in every worker)."""
        sizes = []
        for pid in self.worker_pids():
            with contextlib.suppress(OSError):
                rollup = Path("/proc/%d/smaps_rollup" % pid).read_text()
                sizes.append(int(re.search(r"^Pss:\s+(\d+)", rollup, re.M).group(1)))
        return sizes

    def cpu_ticks(self):
        """Processor time the workers have spent so far, in clock ticks."""
        ticks = 0
        for pid in self.worker_pids():
            with contextlib.suppress(OSError):
                ticks += sum(int(field) for field in
                             Path("/proc/%d/stat" % pid).read_text().rpartition(")")[2].split()[11:13])
        return ticks

    def wait_idle(self, seconds=60):
        """Until the workers spend a quarter second all but idle (two ticks at most: the
        heartbeat): a load's client stops at its deadline and leaves its last requests queued,
        which would otherwise be answered during the next load and slow it."""
        deadline, before = time.monotonic() + seconds, self.cpu_ticks()
        while time.monotonic() < deadline:
            time.sleep(0.25)
            now = self.cpu_ticks()
            if now - before <= 2:
                return
            before = now
        raise RuntimeError("the workers were still busy after %d s" % seconds)

    def wait_ready(self, seconds=30):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited with %s" % self.process.returncode)
            with contextlib.suppress(OSError):
                if Session(self.url).get("/healthz").status == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError("gunicorn did not answer within %d s" % seconds)

    def kill(self):
        """SIGKILL the master and every worker at once, as a power cut to the process would."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


@contextlib.contextmanager
def gunicorn(database_url, workers=WORKERS, threads=THREADS, log=None, port=None, preload=True, **env):
    """The portal under gunicorn, with `make run`'s flags, on `port` or a free one."""
    port = port or free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:%d" % port, "--workers", str(workers),
         "--threads", str(threads), *(["--preload"] if preload else []), "wsgi:app"],
        cwd=ROOT, env=portal_environment(database_url, **env), stdout=log or subprocess.DEVNULL,
        stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(process, "http://127.0.0.1:%d" % port)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")


class Session:
    """A browser-like client: cookies, the CSRF token from the page, one connection per request."""

    def __init__(self, url, timeout=30):
        parts = urllib.parse.urlsplit(url)
        self.host, self.port, self.timeout = parts.hostname, parts.port, timeout
        self.cookies, self.csrf_token = {}, None

    def request(self, method, path, form=None, headers=None):
        headers = {"User-Agent": USER_AGENT, "Host": "%s:%d" % (self.host, self.port), **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join("%s=%s" % item for item in self.cookies.items())
        body = None
        if method != "GET":
            headers["X-CSRFToken"] = self.csrf_token or ""
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urllib.parse.urlencode(form or {}, doseq=True).encode()
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            response = Response(answer.status, answer.headers, answer.read())
        finally:
            connection.close()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value
        return response

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, form=None, headers=None):
        return self.request("POST", path, form, headers)

    def cookie_header(self):
        return "; ".join("%s=%s" % item for item in self.cookies.items())

    def log_in(self, email, password):
        self._read_token(self.get("/login"))
        response = self.post("/login", {"email": email, "password": password})
        if response.status != 303:
            raise RuntimeError("could not sign in as %s (%d)" % (email, response.status))
        self._read_token(self.get("/settings"))
        return self

    def _read_token(self, response):
        found = re.search(r'<meta name="csrf-token" content="([^"]+)"', response.text)
        if found:
            self.csrf_token = found.group(1)
