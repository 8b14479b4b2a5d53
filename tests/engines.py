"""The engines the suite runs on: SQLite files (the default), or with `--engine=postgresql` a
PostgreSQL cluster and a Redis server that the run starts for itself and stops at its end.

Each engine makes a template database once (migrated by the real migrations) and a fresh copy of
it for every test: SQLite copies the file, PostgreSQL says CREATE DATABASE … TEMPLATE.
"""
import concurrent.futures
import contextlib
import glob
import itertools
import os
import pwd
import resource
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ENGINES = ("sqlite", "postgresql")
_serial = itertools.count(1)


def pytest_addoption(parser):
    parser.addoption("--engine", choices=ENGINES, default="sqlite",
                     help="the database the app fixture builds on; postgresql also queues jobs in Redis")


def pytest_report_header(config):
    return "database engine: %s" % config.getoption("engine")


FIGURES = {}


def pytest_terminal_summary(terminalreporter, config):
    """What the run cost in processor time: the budget of `make test` is two cores."""
    tests = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    FIGURES["test processes (pytest, servers it started)"] = (
        tests.ru_utime + tests.ru_stime + children.ru_utime + children.ru_stime)
    terminalreporter.section("engine figures: %s, CPU seconds" % config.getoption("engine"))
    for key, seconds in FIGURES.items():
        terminalreporter.write_line("%-62s %d" % (key, seconds))


def on_its_queue(app):
    """The environment that puts a web server or job worker started by a test on the app's job queue."""
    return {"PORTAL_JOBS_URL": app.config["JOBS_URL"] or ""}


class ServerMissing(RuntimeError):
    """A server the run needs is not installed: a failure, never a reason to skip."""

    def __init__(self, what, package, installer="apt-get install"):
        super().__init__("%s is not installed; `make test` installs it (%s %s)" % (what, installer, package))


def wait_until(ready, what, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.05)
    raise RuntimeError("%s did not start within %d s" % (what, seconds))


class Sqlite:
    """Databases are files; a copy is a file copy."""

    name = "sqlite"
    jobs_url = None

    def empty(self, folder):
        return "sqlite:///%s" % (folder / "portal.db")

    def copy(self, template, folder):
        shutil.copy(template.removeprefix("sqlite:///"), folder / "portal.db")
        return "sqlite:///%s" % (folder / "portal.db")

    def drop(self, url):
        pass

    def settle(self):
        """Nothing runs in the background here."""

    def clear_jobs(self):
        pass

    def integrity(self, url):
        """SQLite runs inside the portal's processes: one killed mid-write must leave the file whole."""
        with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
            return connection.execute("PRAGMA integrity_check").fetchone()[0]

    def hold_writes(self, url, table):
        """Keep everyone else from writing (to `table`) until release()."""
        connection = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=15, check_same_thread=False)
        connection.execute("BEGIN IMMEDIATE")
        return HeldWrites(connection)


class Postgresql:
    """A throwaway cluster, run by an unprivileged user (PostgreSQL refuses root), listening on a
    unix socket in its own folder only; durability is off, since the cluster dies with the run.

    Copying a template creates some 640 files and dropping it deletes them: on ext4 that costs the
    server half a second of CPU per test and more as the run goes on (each new file's inode search
    steps over those deleted recently — `perf`: `recently_deleted` under `ext4_create`), in memory
    a fifteenth of a second. So the cluster lives in /dev/shm when it has room. A thread makes the
    next test's copy and drops the last one's while the test runs.
    """

    name = "postgresql"
    SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off", "listen_addresses": "",
                "max_connections": "300", "shared_buffers": "128MB", "timezone": "UTC",
                # A statement whose process a test kills stops too, as it would inside SQLite,
                # rather than finishing alone once the lock it waits for is free.
                "client_connection_check_interval": "50ms"}

    def __init__(self, redis=None, autovacuum=False):
        """`autovacuum` off for tests: its ANALYZE commits, which moves every database's generation
        (portal.db.generation) at moments no test chooses, so a kept page read again would now and
        then be written afresh. Each test's database lives for seconds anyway. The bench keeps it,
        as a server in use would."""
        self.bin = _postgresql_binaries()
        self.redis = redis
        self.jobs_url = redis.url if redis else None
        self.folder = Path(tempfile.mkdtemp(prefix="duiqi-postgresql-", dir=_in_memory()))
        self.owner = _unprivileged_user()
        if self.owner:
            os.chown(self.folder, self.owner.pw_uid, self.owner.pw_gid)
        self.data = self.folder / "data"
        self._run("initdb", "--pgdata", str(self.data), "--username", "postgres", "--auth", "trust",
                  "--encoding", "UTF8", "--locale", "C.UTF-8", "--no-sync")
        settings = {**self.SETTINGS, "autovacuum": "on" if autovacuum else "off"}
        options = " ".join("-c %s=%s" % (key, value or "''") for key, value in settings.items())
        self._run("pg_ctl", "--pgdata", str(self.data), "--log", str(self.folder / "server.log"), "--wait",
                  "--options", "%s -k %s" % (options, self.folder), "start")
        self.behind = concurrent.futures.ThreadPoolExecutor(max_workers=1)
        self.ahead = {}

    def _run(self, program, *args):
        user = {"user": self.owner.pw_uid, "group": self.owner.pw_gid} if self.owner else {}
        subprocess.run([str(self.bin / program), *args], check=True, stdout=subprocess.DEVNULL,
                       cwd=self.folder, **user)

    def url(self, name):
        return "postgresql://postgres@/%s?host=%s" % (name, self.folder)

    def execute(self, sql):
        import psycopg
        with psycopg.connect(dbname="postgres", user="postgres", host=str(self.folder), autocommit=True) as conn:
            conn.execute(sql)

    def empty(self, folder=None):
        name = "portal_%d" % next(_serial)
        self.execute('CREATE DATABASE "%s"' % name)
        return self.url(name)

    def copy(self, template, folder=None):
        ready = self.ahead.pop(template, None) or self.behind.submit(self._copy, template)
        self.ahead[template] = self.behind.submit(self._copy, template)
        return ready.result()

    def _copy(self, template):
        name = "portal_%d" % next(_serial)
        # FILE_COPY copies the files whole: twice as fast as the default, which logs every block.
        self.execute('CREATE DATABASE "%s" TEMPLATE "%s" STRATEGY FILE_COPY' % (name, _name(template)))
        return self.url(name)

    def settle(self):
        """Wait for the copies and drops under way for other tests: each is a transaction, which
        moves every database's generation on (portal.db.generation)."""
        self.behind.submit(lambda: None).result()

    def drop(self, url):
        spare = self.ahead.pop(url, None)  # A template going away takes its next copy along.
        if spare:
            self.behind.submit(lambda: self._drop(spare.result()))
        self.behind.submit(self._drop, url)

    def _drop(self, url):
        # FORCE ends what a test left connected: a server it started, a pool it never closed.
        self.execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % _name(url))

    def clear_jobs(self):
        self.redis.flush()

    def integrity(self, url):
        """The server outlives the portal's killed processes; what it must not keep is their open
        transactions, holding locks that would stall everyone else."""
        import psycopg

        def leftovers():
            with psycopg.connect(dbname="postgres", user="postgres", host=str(self.folder)) as conn:
                return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND state LIKE "
                                    "'idle in transaction%%'", (_name(url),)).fetchone()[0]
        deadline = time.monotonic() + 10
        while leftovers() and time.monotonic() < deadline:
            time.sleep(0.1)
        return "%d transactions left open" % leftovers() if leftovers() else "ok"

    def hold_writes(self, url, table):
        import psycopg
        connection = psycopg.connect(dbname=_name(url), user="postgres", host=str(self.folder))
        connection.execute('LOCK TABLE "%s" IN EXCLUSIVE MODE' % table)  # readers pass, writers wait
        return HeldWrites(connection, waiting=WAITING_FOR_A_LOCK)

    def stop(self):
        self.behind.shutdown(cancel_futures=True)
        FIGURES["PostgreSQL server"] = _cpu_seconds(int((self.data / "postmaster.pid").read_text().split()[0]))
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "--pgdata", str(self.data), "--mode", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


WAITING_FOR_A_LOCK = ("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                      "AND wait_event_type = 'Lock'")


class HeldWrites:
    def __init__(self, connection, waiting=None):
        self.connection, self.waiting = connection, waiting

    def release(self):
        # A statement that a killed process had sent waits for the lock; the server ends it once it
        # sees its client gone (client_connection_check_interval). Until then it would still run.
        if self.waiting:
            wait_until(lambda: not self.connection.execute(self.waiting).fetchone()[0], "a killed client's end")
        self.connection.rollback()
        self.connection.close()


def _cpu_seconds(pid):
    """Processor time of a process, its children that ended and those still running."""
    try:
        fields = Path("/proc/%d/stat" % pid).read_text().rpartition(")")[2].split()
        children = Path("/proc/%d/task/%d/children" % (pid, pid)).read_text().split()
    except FileNotFoundError:  # it ended meanwhile; its parent counts it
        return 0
    ticks = sum(int(value) for value in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK") + sum(_cpu_seconds(int(child)) for child in children)


def _in_memory(room=3 * 2**30):
    """A folder in memory with room for the cluster (the large demo company, its copies and the
    write-ahead log stay under 2 GB), or None: the system's temporary folder."""
    try:
        found = os.statvfs("/dev/shm")
    except OSError:
        return None
    return "/dev/shm" if found.f_bavail * found.f_frsize >= room and os.access("/dev/shm", os.W_OK) else None


def _name(url):
    return url.split("/")[3].split("?")[0]


def _postgresql_binaries():
    """Debian keeps the server's programs out of PATH, in a folder per major version."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(os.path.realpath(found)).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    if not versions:
        raise ServerMissing("PostgreSQL's server", "postgresql")
    return Path(versions[-1]).parent


def _unprivileged_user():
    """Root runs the cluster as Debian's `postgres` user; anyone else runs it as themselves."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        raise ServerMissing("The postgres user (made by Debian's package)", "postgresql") from None


class Redis:
    """A redis-server on a free port, keeping nothing on disk."""

    def __init__(self, port):
        program = shutil.which("redis-server")
        if not program:
            raise ServerMissing("redis-server", "redis-server")
        self.url = "redis://127.0.0.1:%d/0" % port
        self.process = subprocess.Popen([program, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                         "--appendonly", "no"], stdout=subprocess.DEVNULL)
        wait_until(self._answers, "redis-server")

    def client(self):
        import redis
        return redis.Redis.from_url(self.url)

    def _answers(self):
        import redis
        try:
            return self.client().ping()
        except redis.ConnectionError:
            return False

    def flush(self):
        self.client().flushdb()

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


class S3:
    """moto's standalone S3 server (a process of its own, as a real bucket's server would be) on a
    free port; each test takes a bucket of its own."""

    def __init__(self, port):
        program = Path(sys.executable).parent / "moto_server"
        if not program.exists():
            raise ServerMissing("moto_server", "-r requirements-dev.txt", installer="pip install")
        self.address = ("127.0.0.1", port)
        self.process = subprocess.Popen([str(program), "-H", "127.0.0.1", "-p", str(port)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(self._answers, "moto_server")

    def _answers(self):
        if self.process.poll() is not None:
            raise RuntimeError("moto_server exited with %s" % self.process.returncode)
        try:
            socket.create_connection(self.address, timeout=1).close()
        except OSError:
            return False
        return True

    def bucket(self, prefix=""):
        """The storage URL of a new, empty bucket; the secret has a character that must be escaped."""
        from portal.storage import open_storage
        name = "duiqi-%d" % next(_serial)
        url = "s3://test-key:test%%2Fsecret@%s/%s?endpoint=http://%s:%d&region=cn-north-1" % (name, prefix,
                                                                                            *self.address)
        open_storage(url).client.create_bucket(Bucket=name,
                                               CreateBucketConfiguration={"LocationConstraint": "cn-north-1"})
        return url

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


@pytest.fixture(scope="session")
def s3_server():
    from tests.conftest import free_port
    server = S3(free_port())
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server():
    from tests.conftest import free_port
    server = Redis(free_port())
    yield server
    server.stop()


@pytest.fixture(scope="session")
def engine(request):
    if request.config.getoption("engine") == "sqlite":
        yield Sqlite()
        return
    cluster = Postgresql(request.getfixturevalue("redis_server"))
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def postgresql(engine):
    """A PostgreSQL cluster whichever engine the run is on, for tests that move a portal between
    engines: the run's own cluster, or one started for them."""
    if isinstance(engine, Postgresql):
        yield engine
        return
    cluster = Postgresql()
    yield cluster
    cluster.stop()
