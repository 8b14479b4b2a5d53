"""Fixtures of the security suite: the world of roles around the sample objects (samples.py),
and the figures each suite reports at the end of the run."""
import collections

import pytest

from tests.security.samples import make_world

REPORT = collections.Counter()


@pytest.fixture
def world(app):
    return make_world()


@pytest.fixture
def security_report():
    return REPORT


def pytest_terminal_summary(terminalreporter):
    if REPORT:
        terminalreporter.section("security figures")
        for key in sorted(REPORT):
            terminalreporter.write_line("%-62s %d" % (key, REPORT[key]))
