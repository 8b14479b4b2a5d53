"""`make bench`'s card move row (bench/run.py) moves cards as the board's script does, the POST
then the fragment its redirect names, and counts only the moves that happened."""
import pytest

from bench.harness import Session
from bench.pages import KEY_PAGES, CardMove
from bench.run import wrk
from demo import DEMO_PASSWORD
from portal.tasks.models import Task


@pytest.fixture
def migrated_database(demo_database):
    return demo_database


def test_the_card_move_row_counts_moves_that_moved_cards_and_a_stale_version_as_one_error(app, live_server,
                                                                                       tmp_path):
    page = next(page for page in KEY_PAGES if isinstance(page, CardMove))
    with app.test_request_context():
        request, cards = page.resolve(), page.cards(4)
    before = {card: version for card, version, _, _ in cards}
    stale, *fresh = cards
    # The first card named by an older version than it has: refused once, then moved with the one its fragment gave.
    given = [(stale[0], stale[1] - 1, *stale[2:]), *fresh]
    session = Session(live_server.url).log_in(page.user, DEMO_PASSWORD)

    # Each card moved once, then its thread stops; the seconds only bound a server that never answers.
    result = wrk(live_server, session, page, request, 2, 5, tmp_path, given, rounds=1)

    moved = {card: Task.get_by_id(card).version - version for card, version in before.items()}
    assert result["errors"] == 1
    assert result["count"] == len(cards) and moved == dict.fromkeys(before, 1)
    assert 0 < result["p50"] <= result["p95"] <= result["p99"]
