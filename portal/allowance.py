"""Rate limits' allowances (GCRA: one number per key, when its allowance is next used up), kept
off the main database. Every API request spends one; as a write to the main database that was a
commit per request, which on SQLite made every other connection drop its page cache and wait its
turn for the write lock, and on PostgreSQL queued a token's requests on its row (bench/README.md).

Where the allowances live follows the job queue: in Redis when PORTAL_JOBS_URL names one (the
set-up for several app servers), else in an SQLite file of their own on this server, which all
its workers share. Either way one request's check and spending are one atomic step, so
concurrent requests never overspend, whichever worker or server answers them."""
import math
import os
import sqlite3
import threading
from pathlib import Path

import redis
from flask import current_app
from werkzeug.exceptions import ServiceUnavailable

from portal.db import beside_database

# The allowance's state as it stands after a spend; a key not spent for a while (Redis lets
# it expire) is a whole allowance.
_SPEND_IN_REDIS = """
local clock, interval, burst = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local after = math.max(tonumber(redis.call("GET", KEYS[1]) or 0), clock) + interval
if after - clock > burst then
  return string.format("%.6f", after - clock - burst)
end
redis.call("SET", KEYS[1], string.format("%.6f", after), "PX", math.max(1, math.ceil((after - clock) * 1000)))
return "0"
"""
_SPEND_IN_FILE = """
INSERT INTO allowance (key, used_up_at) VALUES (:key, :clock + :interval)
ON CONFLICT (key) DO UPDATE SET used_up_at = max(used_up_at, :clock) + :interval
WHERE max(used_up_at, :clock) + :interval - :clock <= :burst
"""


def spend(key, per_minute, clock):
    """Take one from the allowance of `key`: `per_minute` a minute, and as many at once after a
    quiet minute. `clock` is now, in epoch seconds. Returns 0 when it was taken, else the whole
    seconds until one can be."""
    interval = 60.0 / per_minute
    wait = _store().spend(key, interval, 60.0, clock)
    # A thousandth off: float sums make 20 s into 20.000000001, not 21.
    return 0 if wait <= 0 else max(1, math.ceil(wait - 0.001))


def _store():
    app = current_app._get_current_object()
    settings = (app.config["JOBS_URL"], app.config["DATABASE_URL"], app.instance_path)
    kept = app.extensions.get("allowance")
    # Checked per request rather than fixed at start: the tests move one app between databases.
    if kept is None or kept[0] != settings:
        store = InRedis(settings[0]) if settings[0] else InFile(beside_database(app, "allowance"))
        kept = app.extensions["allowance"] = (settings, store)
    return kept[1]


class InRedis:
    """One script per spend, which Redis runs alone: the check and the spending cannot interleave."""

    def __init__(self, url):
        self.script = redis.Redis.from_url(url).register_script(_SPEND_IN_REDIS)

    def spend(self, key, interval, burst, clock):
        try:
            return float(self.script(keys=["duiqi:allowance:" + key], args=[repr(clock), repr(interval), repr(burst)]))
        except redis.RedisError as error:
            # Refused rather than let through: the limit cannot be checked.
            raise ServiceUnavailable() from error


class InFile:
    """One statement per spend in an SQLite file of its own (its commits leave the main file's
    caches alone); SQLite lets one writer at a time, across every process on the server."""

    def __init__(self, path):
        self.path = path
        self.local = threading.local()

    def _connection(self):
        local = self.local
        if getattr(local, "pid", None) != os.getpid():  # a connection must not cross a fork
            # Beside a PostgreSQL database the file goes in instance/, which nothing else may have made.
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            local.connection = sqlite3.connect(self.path, timeout=15, isolation_level=None, check_same_thread=False)
            local.connection.execute("PRAGMA journal_mode=wal")
            # Losing the last spends to a power cut only gives a token a few more requests.
            local.connection.execute("PRAGMA synchronous=off")
            local.connection.execute("CREATE TABLE IF NOT EXISTS allowance (key TEXT PRIMARY KEY, "
                                     "used_up_at REAL NOT NULL) WITHOUT ROWID")
            local.pid = os.getpid()
        return local.connection

    def spend(self, key, interval, burst, clock):
        connection = self._connection()
        values = {"key": key, "clock": clock, "interval": interval, "burst": burst}
        if connection.execute(_SPEND_IN_FILE, values).rowcount:
            return 0
        used_up_at = connection.execute("SELECT used_up_at FROM allowance WHERE key = ?", (key,)).fetchone()[0]
        return used_up_at + interval - clock - burst
