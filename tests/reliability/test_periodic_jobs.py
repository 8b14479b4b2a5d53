"""Two job workers started together on one queue (Redis with --engine=postgresql, else the SQLite
queue file): each periodic job runs once for its minute, whichever worker's scheduler gets there first."""
import collections
import re
import signal
import subprocess
import sys
import time

import pytest

from bench.harness import ROOT, portal_environment
from tests.engines import on_its_queue

CLAIM = re.compile(r"Periodic task (\w+) of (\S+) (claimed|already claimed by another worker)\.")
EXECUTED = re.compile(r"Executing [\w.]+\.(\w+): ")


@pytest.fixture
def app_config():
    return {"JOBS_IMMEDIATE": False}


def _start_two_workers(app, tmp_path):
    env = portal_environment(app.config["DATABASE_URL"], PORTAL_JOB_WORKERS=2, PORTAL_SECRET_KEY="test-secret",
                             **on_its_queue(app))
    # Both schedulers look for due periodic jobs as they start: started early in a minute, they
    # both look within it, however slowly they start (and if not, each minute still counts once).
    while time.gmtime().tm_sec > 15:
        time.sleep(0.5)
    logs = [open(tmp_path / ("worker-%d.log" % n), "w+") for n in range(2)]
    workers = [subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker"], cwd=ROOT,
                                env=env, stdout=log, stderr=subprocess.STDOUT) for log in logs]
    return workers, logs


def _looked(text):
    """Whether a worker's scheduler has looked at a periodic job. (Its name is in the list of jobs a
    worker prints as it starts, before it takes Ctrl-C as a request to stop: a worker told to stop
    then was left running.)"""
    return any(name == "deliver_outbox_periodically" for name, _, _ in CLAIM.findall(text))


def _read(logs):
    texts = []
    for log in logs:
        log.seek(0)
        texts.append(log.read())
    return texts


def test_two_workers_started_together_run_each_periodic_job_once_per_minute(app, tmp_path, reliability_report):
    workers, logs = _start_two_workers(app, tmp_path)
    try:
        deadline = time.monotonic() + 240

        def settled():
            texts = _read(logs)
            looked = all(_looked(text) for text in texts)
            claims = [m for text in texts for m in CLAIM.findall(text) if m[2] == "claimed"]
            runs = [m for text in texts for m in EXECUTED.findall(text)]
            return looked and len(runs) >= len(claims)
        while not settled() and time.monotonic() < deadline:
            time.sleep(0.25)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGINT)
        for worker in workers:
            worker.wait(20)
    texts = _read(logs)
    for log in logs:
        log.close()
    assert all(_looked(text) for text in texts), texts
    claimed = collections.Counter((name, minute) for text in texts for name, minute, verdict in CLAIM.findall(text)
                                  if verdict == "claimed")
    runs = collections.Counter(name for text in texts for name in EXECUTED.findall(text))
    assert claimed and all(count == 1 for count in claimed.values()), claimed
    assert runs == collections.Counter(name for name, _ in claimed), (runs, claimed)
    first_looks = {CLAIM.search(text).group(2) for text in texts}
    skipped = sum(text.count("already claimed by another worker") for text in texts)
    assert skipped or len(first_looks) == 2, "both workers looked in one minute, and neither found it claimed"
    reliability_report["periodic jobs run by two workers, each once"] += sum(runs.values())
