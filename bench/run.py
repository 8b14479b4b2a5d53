"""`make bench`: seed the small and the large demo company, serve each under gunicorn as
`make run` does, load every key page (bench/pages.py) with 1 and 16 concurrent signed-in users
through wrk, and print a Markdown table against the budget; then the same on PostgreSQL and Redis
(a throwaway cluster, as the tests start one), beside SQLite."""
import argparse
import functools
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.harness import ROOT, THREADS, USER_AGENT, WORKERS, Session, free_port, gunicorn, portal_environment
from bench.pages import FLOOR, KEY_PAGES, CardMove

PASSWORD = "demo-password"
BUDGET_P95_MS = 50
RESULTS = ROOT / "bench" / "results"
LUA = """
wrk.method = %(method)s
wrk.body = %(body)s
wrk.headers["Cookie"] = %(cookie)s
wrk.headers["User-Agent"] = %(agent)s
wrk.headers["X-CSRFToken"] = %(token)s
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
%(headers)s
"""
# Time on a monotonic clock, in microseconds (LuaJIT's FFI; Lua has none finer than a second), and
# the percentiles of a list of such times.
CLOCK = """
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long seconds; long nanoseconds; } bench_timespec;
int clock_gettime(int clock, bench_timespec *now);
]]
local clock = ffi.new("bench_timespec")
local function now()
  ffi.C.clock_gettime(1, clock)  -- CLOCK_MONOTONIC
  return tonumber(clock.seconds) * 1e6 + tonumber(clock.nanoseconds) / 1e3
end
local function percentiles(times)
  table.sort(times)
  local function at(p)
    return #times == 0 and 0 or math.floor(times[math.max(1, math.ceil(#times * p / 100))])
  end
  return at(50), at(95), at(99)
end
"""
# One client's latencies are those of its requests, timed here. wrk's own (`latency`) are corrected
# for coordinated omission: for each answer slower than twice the mean, it adds the requests an
# open-loop client would have sent while waiting (stats_correct). One client that waits for each
# answer sent none of them, and one answer of a second among 400 of 10 ms put wrk's p95 at 714 ms
# (bench/README.md, 2026-11-30). Several clients share a wrk thread, whose callbacks do not say
# which connection answered: their figures stay wrk's.
PAGE = CLOCK + """
timed = %(timed)s
threads = {}
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  took = {}
end
if timed then
  function request()
    sent = now()
    return wrk.format()
  end
  function response(status, headers, body)
    table.insert(took, now() - sent)
  end
end
done = function(summary, latency, requests)
  local p50, p95, p99 = latency:percentile(50), latency:percentile(95), latency:percentile(99)
  if timed then
    local took_all = {}
    for _, thread in ipairs(threads) do
      for _, microseconds in ipairs(thread:get("took")) do table.insert(took_all, microseconds) end
    end
    p50, p95, p99 = percentiles(took_all)
  end
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration, p50, p95, p99,
    e.status + e.connect + e.read + e.write + e.timeout))
end
"""

# A card move is what the board's script does: the POST, answered with the card fragment (the
# portal follows its own 303, portal.render.answered_inline; an answer without the card, a 303
# included, is an error). A move counts once it has read its fragment, and is
# timed from its POST to that read: wrk counts and times each request on its own, so the count
# and the latency are kept here, on a monotonic clock (LuaJIT's FFI; Lua has none finer than a
# second). A move names the version it read, so no two connections may move the same card at
# once: each wrk thread takes its share of the cards and moves a card no move in flight is
# moving; the fragment gives its new version and column. A fragment that shows the card not moved
# (a stale version, an invalid form: the portal says why in a toast) is a refused move, an error.
# Given rounds, a thread stops once each of its cards has moved that many times, so a check of the
# script does not depend on how fast the server is.
MOVES = CLOCK + """
wrk.body = nil  -- each request names its own
cards = {%(cards)s}
rounds = %(rounds)d
threads = {}
function setup(thread)
  thread:set("part", #threads)
  table.insert(threads, thread)
end
function init(args)
  mine, by_id, turn = {}, {}, 0
  moved, refused, took = 0, 0, {}
  checking = part == 0  -- wrk builds one request on the first thread to check it, and never sends it
  for i, card in ipairs(cards) do
    if (i - 1) %% %(threads)d == part then card.moves = 0; table.insert(mine, card); by_id[card.id] = card end
  end
end
function request()
  for _ = 1, #mine do
    turn = turn %% #mine + 1
    local card = mine[turn]
    if checking or not card.busy and (rounds == 0 or card.moves < rounds) then
      card.busy = not checking
      checking = false
      card.sent, card.wanted, card.from = now(), card.status == "doing" and "todo" or "doing", card.version
      return wrk.format("POST", card.path, nil,
                        string.format("version=%%d&status=%%s&column=%%s", card.version, card.wanted, card.status))
    end
  end
end
function response(status, headers, body)
  local card = by_id[tonumber(body:match('id="task%%-(%%d+)"') or 0)]
  if not card then
    if status < 400 then refused = refused + 1 end  -- wrk counts an answer of 400 or more itself
    return
  end
  card.version = tonumber(body:match('name="version" value="(%%d+)"'))
  card.status = body:match('<option value="(%%w+)" selected')
  card.busy = false
  if card.version == card.from + 1 and card.status == card.wanted then
    moved, card.moves = moved + 1, card.moves + 1
    table.insert(took, now() - card.sent)
  else
    refused = refused + 1
  end
  if rounds > 0 then
    for _, mine_card in ipairs(mine) do
      if mine_card.moves < rounds then return end
    end
    wrk.thread:stop()
  end
end
done = function(summary, latency, requests)
  local count, errors, took_all = 0, 0, {}
  for _, thread in ipairs(threads) do
    count = count + thread:get("moved")
    errors = errors + thread:get("refused")
    for _, microseconds in ipairs(thread:get("took")) do table.insert(took_all, microseconds) end
  end
  local p50, p95, p99 = percentiles(took_all)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%d %%d %%d\\n", count, summary.duration, p50, p95, p99,
    errors + e.status + e.connect + e.read + e.write + e.timeout))
end
"""


def lua_string(text):
    return '"%s"' % (text or "").replace("\\", "\\\\").replace('"', '\\"')


def seed(size, folder, url, jobs_url):
    env = portal_environment(url, PORTAL_JOBS_URL=jobs_url or "")
    started = time.monotonic()
    for command in (["db", "upgrade"], ["demo", "--size", size]):
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *command], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)
    if url.startswith("postgresql"):
        # What autovacuum would do in the first minutes of the load, after the rows just written:
        # each ANALYZE commits, which moves every kept page's generation on (portal.db.generation)
        # and had the first page measured written afresh again and again.
        import psycopg
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("VACUUM (ANALYZE)")
    return url, time.monotonic() - started


def company(url, folder):
    """A function running its argument inside the app of this company, with the database open."""
    from portal import create_app
    from portal.db import db

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE_PATH": str(folder)})

    def within(work):
        with app.test_request_context(), db.connection_context():
            return work()
    return within


def wrk(server, session, page, request, users, seconds, folder, cards=(), rounds=0):
    method, path, form = request
    threads = min(users, 2)
    body = "&".join("%s=%s" % item for item in (form or {}).items())
    script = folder / "page.lua"
    headers = "\n".join("wrk.headers[%s] = %s" % (lua_string(k), lua_string(v))
                        for k, v in page.request_headers().items())
    lua = LUA % {"method": lua_string(method), "body": lua_string(body), "agent": lua_string(USER_AGENT),
                 "cookie": lua_string(session.cookie_header()), "token": lua_string(session.csrf_token),
                 "headers": headers}
    if not cards:
        lua += PAGE % {"timed": "true" if users == 1 else "false"}
    else:
        lua += MOVES % {"threads": threads, "rounds": rounds, "cards": ", ".join(
            "{id = %d, version = %d, status = %s, path = %s}" % (card, version, lua_string(status), lua_string(where))
            for card, version, status, where in cards)}
    script.write_text(lua)
    output = subprocess.run(["wrk", "-t%d" % threads, "-c%d" % users, "-d%ds" % seconds, "--timeout", "10s",
                             "-s", str(script), server.url + path], capture_output=True, text=True, check=True).stdout
    requests, duration, p50, p95, p99, errors = map(int, re.search(r"RESULT (.*)", output).group(1).split())
    return {"count": requests, "rps": requests / (duration / 1e6), "p50": p50 / 1000, "p95": p95 / 1000,
            "p99": p99 / 1000, "errors": errors}


def measure(size, seconds, concurrency, engine, pages):
    folder = Path(tempfile.mkdtemp(prefix="duiqi-bench-%s-" % size))
    try:
        url = engine.empty(folder)
        url, seeding = seed(size, folder, url, engine.jobs_url)
        within = company(url, folder)
        requests = within(lambda: {page: page.resolve() for page in [FLOOR, *pages]})
        results = {}
        with gunicorn(url, PORTAL_JOBS_URL=engine.jobs_url or "") as server:
            sessions = {}
            for page, request in requests.items():
                if page.user not in sessions:
                    sessions[page.user] = Session(server.url).log_in(page.user, PASSWORD)
                answer = sessions[page.user].request(*request, headers=page.request_headers())
                if answer.status not in (200, 303):
                    raise SystemExit("%s answered %d on the %s company" % (page.name, answer.status, size))
            # Each worker compiles a page's templates the first time it renders it (100-250 ms): a
            # second of the heaviest load first, not counted, so the figures are the steady state.
            loads = [(max(concurrency), 1, False), *((users, seconds, True) for users in concurrency)]
            for page, request in requests.items():
                for users, length, counted in loads:
                    # Twice as many cards as clients: a card is free again the moment its answer is in.
                    cards = within(functools.partial(page.cards, 2 * users)) if isinstance(page, CardMove) else ()
                    result = wrk(server, sessions[page.user], page, request, users, length, folder, cards)
                    server.wait_idle()
                    if not counted:
                        continue
                    results[page, users] = result
                    print("  %-10s %-6s %-27s %2d users  %7.1f req/s  p95 %6.1f ms" % (
                        engine.name, size, page.name, users, results[page, users]["rps"],
                        results[page, users]["p95"]), file=sys.stderr)
            rss, pss = server.peak_rss_kib(), server.pss_kib()
        return {"results": results, "seeding": seeding, "rss_mib": rss / 1024, "pss_mib": max(pss, default=0) / 1024}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def table(runs, concurrency, pages):
    small, large = runs["small"], runs["large"]
    lines = ["| page | users | small req/s | small p50 / p95 / p99 ms | large req/s | large p50 / p95 / p99 ms "
             "| large/small p50 | budget (large company) |", "|---|---|---|---|---|---|---|---|"]
    met = True
    for page in [FLOOR, *pages]:
        for users in concurrency:
            s, g = small["results"][page, users], large["results"][page, users]
            floor = large["results"][FLOOR, users]["rps"]
            if page is FLOOR:
                verdict = "floor"
            elif users == 1:
                ok = g["p95"] < BUDGET_P95_MS
                verdict = "p95 < %d ms: %s" % (BUDGET_P95_MS, "met" if ok else "**missed**")
            else:
                ok = g["rps"] >= floor / 10
                verdict = "≥ floor/10 = %.0f req/s: %s" % (floor / 10, "met" if ok else "**missed**")
            met = met and (page is FLOOR or ok) and not (s["errors"] or g["errors"])
            lines.append("| %s | %d | %.0f | %.1f / %.1f / %.1f | %.0f | %.1f / %.1f / %.1f | %.2f | %s%s |" % (
                page.name, users, s["rps"], s["p50"], s["p95"], s["p99"], g["rps"], g["p50"], g["p95"], g["p99"],
                g["p50"] / s["p50"] if s["p50"] else 0, verdict,
                " (%d errors)" % (s["errors"] + g["errors"]) if s["errors"] or g["errors"] else ""))
    lines += ["", "PSS of the largest worker after the load: small %.0f MiB, large %.0f MiB (peak RSS, which counts "
              "what the workers share in each of them: small %.0f MiB, large %.0f MiB). Seeding: small %.1f s, large "
              "%.1f s." % (small["pss_mib"], large["pss_mib"], small["rss_mib"], large["rss_mib"], small["seeding"],
                           large["seeding"]),
        "A card move is its POST, answered with the card's fragment: its req/s are moves/s, its latency "
        "from the POST sent to the fragment read.",
        "gunicorn %d workers × %d threads (--preload) on %d cores; wrk from the same machine. Budget %s." % (
            WORKERS, THREADS, os.cpu_count(), "met" if met else "missed")]
    return "\n".join(lines)


def beside(sqlite, postgresql, concurrency, pages):
    """The large company's figures on both engines, page by page."""
    lines = ["| page | users | SQLite req/s | SQLite p50 / p95 ms | PostgreSQL req/s | PostgreSQL p50 / p95 ms "
             "| PostgreSQL/SQLite p50 |", "|---|---|---|---|---|---|---|"]
    for page in [FLOOR, *pages]:
        for users in concurrency:
            s, p = sqlite["large"]["results"][page, users], postgresql["large"]["results"][page, users]
            lines.append("| %s | %d | %.0f | %.1f / %.1f | %.0f | %.1f / %.1f | %.2f |" % (
                page.name, users, s["rps"], s["p50"], s["p95"], p["rps"], p["p50"], p["p95"],
                p["p50"] / s["p50"] if s["p50"] else 0))
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=5, help="load per page and concurrency")
    parser.add_argument("--pages", type=lambda text: [name.strip() for name in text.split(",")],
                        help="only these key pages (their names in bench/pages.py, comma-separated); the floor "
                             "is always measured, so the ratios hold")
    parser.add_argument("--engines", default="sqlite,postgresql", help="sqlite, postgresql or both (the default)")
    arguments = parser.parse_args()
    pages = KEY_PAGES
    if arguments.pages:
        unknown = set(arguments.pages) - {page.name for page in KEY_PAGES}
        if unknown:
            raise SystemExit("no key page named %s" % ", ".join(sorted(unknown)))
        pages = [page for page in KEY_PAGES if page.name in arguments.pages]
    engines = arguments.engines.split(",")
    if not engines or set(engines) - {"sqlite", "postgresql"}:
        raise SystemExit("--engines takes sqlite, postgresql or both")
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: `make bench` installs it (apt-get install wrk)")
    concurrency = (1, 16)
    from tests.engines import Postgresql, Redis, Sqlite
    redis = Redis(free_port()) if "postgresql" in engines else None
    cluster = Postgresql(redis, autovacuum=True) if redis else None
    try:
        runs = {engine.name: {size: measure(size, arguments.seconds, concurrency, engine, pages)
                              for size in ("small", "large")}
                for engine in (Sqlite(), cluster) if engine is not None and engine.name in engines}
    finally:
        if cluster:
            cluster.stop()
            redis.stop()
    titles = {"sqlite": "SQLite", "postgresql": "PostgreSQL and Redis"}
    parts = ["### %s\n\n%s" % (titles[name], table(runs[name], concurrency, pages)) for name in runs]
    if len(runs) == 2:
        parts.append("### The large company on both\n\n" + beside(runs["sqlite"], runs["postgresql"], concurrency,
                                                                      pages))
    report = "\n\n".join(parts)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.md").write_text(report + "\n")
    print(report)


if __name__ == "__main__":
    main()
