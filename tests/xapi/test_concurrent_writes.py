"""A target and its referrer stored at the same moment still link, whatever the size of either write.

PostgreSQL orders such writes with advisory locks on buckets of statement ids: fine buckets for small
writes, coarse ones for large writes (``StatementStore._lock_references``); SQLite writes one at a time.
"""

from __future__ import annotations

import uuid

import pytest

from lrs.xapi import store
from tests.conftest import statement
from tests.xapi.test_queries import ADA, BOB, _run_threads, activity, query, ref

COUNT = store.SMALL_WRITE + 16  # one batch of this many is a large write


def _target(sid: str) -> dict:
    return statement(id=sid, actor=ADA, object=activity(f"http://example.com/a/{sid}"))


def _referrer(sid: str, target: str) -> dict:
    return statement(id=sid, actor=BOB, object=ref(target))


@pytest.mark.parametrize("large", ["targets", "referrers"])
def test_a_large_write_and_small_writes_link_both_ways(app, xapi, large):
    pairs = [(str(uuid.uuid4()), str(uuid.uuid4())) for _ in range(COUNT)]

    def work(client, index: int) -> list[int]:
        if index == 0:  # one large batch
            batch = [_target(t) if large == "targets" else _referrer(r, t) for t, r in pairs]
            return [client.post(batch).status_code]
        return [client.post(_referrer(r, t) if large == "targets" else _target(t)).status_code
                for t, r in pairs[index - 1::3]]

    results = _run_threads(app, work, 4)
    assert all(set(statuses) == {200} for statuses in results), results
    for target, referrer in pairs:
        assert set(query(xapi, activity=f"http://example.com/a/{target}")) == {target, referrer}
