"""since/until answers stay exact when a large window is bounded in seq by its edges (lrs.xapi.paging).

Communication 2.1.3: ``since`` returns statements stored after the instant, ``until`` those stored at or
before it, and results come in ``stored`` order, newest first unless ``ascending``. The log's order (``seq``)
follows ``stored`` only roughly: writes that overlap take their seqs in another order than their stamps. The
store bounds that disorder (a statement takes its seq within ``MAX_STAMP_AGE_US`` of its stamp, else it is
stamped again) and queries rely on the bound to start and stop their walk near the window. These tests write
a log whose stamps and seqs disagree as much as the bound lets them and check every window against the
ground truth, and that a write which would break the bound is stamped again or refused.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from lrs.extensions import db
from lrs.models import Statement
from lrs.xapi import formats, paging, service, store
from tests.conftest import statement
from tests.xapi.test_queries import ADA, BOB, COMPLETED, follow, verb

ATTEMPTED = "http://adlnet.gov/expapi/verbs/attempted"
SECOND = 1_000_000


class Clock:
    """The moments a write is stamped (``lrs.xapi.service.now``) and takes its seq (``lrs.xapi.store.now_us``)."""

    def __init__(self, monkeypatch):
        self.stamp: datetime | None = None
        self.arrival_us: int | None = None
        monkeypatch.setattr("lrs.xapi.service.now", lambda: self.stamp)
        monkeypatch.setattr("lrs.xapi.store.now_us", lambda: self.arrival_us)


@pytest.fixture
def disordered_log(xapi, monkeypatch) -> list[dict]:
    """Sixty statements stamped a second apart, each taking its seq up to 4.5 s after its stamp.

    They are written in order of arrival, so a statement stamped later often takes the smaller seq. Answers
    each statement's id, stamp, actor, verb and seq (its rank in the log).
    """
    clock = Clock(monkeypatch)
    rng = random.Random(9)
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    planned = []
    for n in range(60):
        stamp = base + timedelta(seconds=n)
        lag_us = rng.randrange(0, store.MAX_STAMP_AGE_US - SECOND // 2)
        planned.append((formats.to_micros(stamp) + lag_us, n, stamp))
    log = []
    for seq, (arrival_us, n, stamp) in enumerate(sorted(planned)):
        clock.stamp, clock.arrival_us = stamp, arrival_us
        actor, verb_id = (ADA if n % 3 else BOB), (COMPLETED if n % 2 else ATTEMPTED)
        sid = xapi.store(statement(id=str(uuid.uuid4()), actor=actor, verb=verb(verb_id)))
        log.append({"id": sid, "stamp": stamp, "actor": actor, "verb": verb_id, "seq": seq})
    assert [e["stamp"] for e in log] != sorted(e["stamp"] for e in log), "the log is out of stamp order"
    monkeypatch.undo()
    return log


FILTERS = {
    "none": ({}, lambda e: True),
    "verb": ({"verb": COMPLETED}, lambda e: e["verb"] == COMPLETED),
    "agent": ({"agent": orjson.dumps({"mbox": ADA["mbox"]}).decode()}, lambda e: e["actor"] == ADA),
}


@pytest.mark.parametrize("ascending", [True, False], ids=["ascending", "descending"])
@pytest.mark.parametrize("name", FILTERS)
def test_large_windows_bounded_by_their_edges_answer_exactly(app, xapi, disordered_log, monkeypatch, name,
                                                            ascending):
    """C 2.1.3 since/until/ascending: every window over a log out of stamp order, as large windows run."""
    monkeypatch.setattr(paging, "SMALL_WINDOW", 0)  # every window is large: its edges bound the walk
    edges = []
    real_page_select = paging.page_select

    def page_select(tenant_id, q, bound, *args, **kwargs):
        edges.append((q.since_us, kwargs.get("floor"), q.until_us, bound))
        return real_page_select(tenant_id, q, bound, *args, **kwargs)

    monkeypatch.setattr(paging, "page_select", page_select)
    params, matches = FILTERS[name]
    base = min(e["stamp"] for e in disordered_log)
    for since_s, until_s in [(12, None), (30, None), (None, 25), (None, 45), (15, 40), (35, 47), (5, 8)]:
        since = base + timedelta(seconds=since_s, milliseconds=500) if since_s is not None else None
        until = base + timedelta(seconds=until_s, milliseconds=500) if until_s is not None else None
        query = {**params, "limit": "4", "ascending": str(ascending).lower()}
        if since is not None:
            query["since"] = formats.format_timestamp(since)
        if until is not None:
            query["until"] = formats.format_timestamp(until)
        found, _ = follow(xapi, query)
        expected = [e["id"] for e in sorted(disordered_log, key=lambda e: e["seq"], reverse=not ascending)
                    if matches(e) and (since is None or e["stamp"] > since)
                    and (until is None or e["stamp"] <= until)]
        assert found == expected, (since_s, until_s)
    with app.app_context():
        newest = db.session.query(db.func.max(Statement.seq)).scalar()
    assert any(floor is not None for since_us, floor, _, _ in edges if since_us is not None), "no floor used"
    assert any(bound < newest for _, _, until_us, bound in edges if until_us is not None), "no ceiling used"


def test_the_floor_is_a_statement_stored_long_enough_before_since(app, xapi, disordered_log):
    """The floor is the newest statement stamped STORED_LAG_US or more before ``since``: every statement
    stamped after ``since`` has a greater seq, and it is as close to the window as the bound allows."""
    with app.app_context():
        tenant_id = db.session.query(Statement.tenant_id).limit(1).scalar()
        seq_of = dict(db.session.query(Statement.statement_id, Statement.seq))
        base = min(e["stamp"] for e in disordered_log)
        for offset in (11, 20, 33, 59):
            since = base + timedelta(seconds=offset, milliseconds=500)
            floor = db.session.scalar(paging.seq_floor(tenant_id, formats.to_micros(since)))
            after = [seq_of[e["id"]] for e in disordered_log if e["stamp"] > since]
            assert floor is not None and all(seq > floor for seq in after)
            edge = since - timedelta(microseconds=paging.STORED_LAG_US)
            newest_before = max((e for e in disordered_log if e["stamp"] <= edge), key=lambda e: e["stamp"])
            assert floor == seq_of[newest_before["id"]]
        assert db.session.scalar(paging.seq_floor(tenant_id, formats.to_micros(base))) is None


def test_a_write_that_takes_its_seq_too_late_is_stamped_again(app, xapi, monkeypatch):
    """The bound the window edges rely on: a statement whose seq came more than MAX_STAMP_AGE_US after its
    stamp is undone and stamped afresh; ``stored`` is the second stamp (Data 2.4.8: set by the LRS)."""
    stamps = []
    late = {"first": True}
    real_now_us = store.now_us

    def now_us():
        if late.pop("first", False):
            return real_now_us() + store.MAX_STAMP_AGE_US + SECOND
        return real_now_us()

    monkeypatch.setattr("lrs.xapi.store.now_us", now_us)
    real_now = service.now

    def now():
        stamps.append(real_now())
        return stamps[-1]

    monkeypatch.setattr("lrs.xapi.service.now", now)
    sid = xapi.store(statement())
    assert len(stamps) == 2
    assert formats.parse_timestamp(xapi.fetch(sid)["stored"]) == stamps[1].replace(
        microsecond=stamps[1].microsecond // 1000 * 1000)
    with app.app_context():
        assert db.session.query(Statement).filter_by(statement_id=sid).count() == 1


def test_a_write_always_too_late_is_a_503_and_stores_nothing(app, xapi, monkeypatch):
    """Not acknowledged, so not stored: 503 with Retry-After and a JSON body naming the problem."""
    real_now_us = store.now_us
    monkeypatch.setattr("lrs.xapi.store.now_us", lambda: real_now_us() + store.MAX_STAMP_AGE_US + SECOND)
    sid = str(uuid.uuid4())
    response = xapi.post([statement(id=sid), statement()])
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.headers["Retry-After"]
    body = response.get_json()
    assert body["error"] == "unavailable" and body["path"] == "stored" and "send them again" in body["detail"]
    monkeypatch.undo()
    assert xapi.get({"statementId": sid}).status_code == 404
    with app.app_context():
        assert db.session.query(Statement).count() == 0


@pytest.mark.parametrize("small", [True, False], ids=["small-window", "large-window"])
def test_later_pages_keep_what_the_first_page_found_of_the_window(xapi, disordered_log, monkeypatch, small):
    """Data 2.5 / C 2.1.3 more: the pages after the first follow the first page's reading of the window
    (counted once, its floor found once) and still give every statement of it once, in order."""
    if not small:
        monkeypatch.setattr(paging, "SMALL_WINDOW", 0)
    counted = []
    real_count = paging.window_count
    monkeypatch.setattr(paging, "window_count", lambda *a: counted.append(a) or real_count(*a))
    base = min(e["stamp"] for e in disordered_log)
    since = base + timedelta(seconds=20, milliseconds=500)
    found, pages = follow(xapi, {"since": formats.format_timestamp(since), "limit": "5", "ascending": "true"})
    assert found == [e["id"] for e in sorted(disordered_log, key=lambda e: e["seq"]) if e["stamp"] > since]
    assert len(pages) > 3 and len(counted) == 1


def test_a_more_token_with_an_unknown_window_reading_is_refused(xapi):
    """C 2.1.3: a ``more`` IRL this LRS did not issue is a 400 naming the parameter."""
    from lrs.xapi.query import StatementQuery
    token = StatementQuery(since_us=1, after_seq=1, bound_seq=2, window="huge").token()
    response = xapi.get({"more": token})
    assert response.status_code == 400 and response.get_json()["path"] == "more"
