"""A target and its referrer stored at the same moment still link, whatever the size of either write.

PostgreSQL orders such writes with advisory locks on buckets of statement ids: fine buckets for small
writes, coarse ones for large writes (``StatementStore._reference_locks``); SQLite writes one at a time.
"""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import select, text

from lrs.extensions import db
from lrs.models import Credential
from lrs.xapi import store
from tests.conftest import XapiClient, statement
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


def test_a_write_takes_its_reference_locks_before_it_inserts(app, xapi):
    """The locks are taken inside the statement that inserts the ids, ahead of any row: while another
    transaction holds the target's bucket, a StatementRef to it neither stores nor claims its own id."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite writes one at a time: no reference locks")
        tenant_id = db.session.scalar(select(Credential.tenant_id).where(Credential.key == xapi.credential.key))
        engine = db.engine
    target, referrer = str(uuid.uuid4()), str(uuid.uuid4())
    coarse, _ = store._buckets(tenant_id, target)
    writer = XapiClient(app.test_client(), xapi.credential)
    outcome: list = []
    with engine.connect() as holder:
        holder.execute(text("SELECT pg_advisory_xact_lock(:space, :key)"), {"space": store.COARSE, "key": coarse})
        thread = threading.Thread(target=lambda: outcome.append(writer.post(_referrer(referrer, target)).status_code))
        thread.start()
        thread.join(1.0)
        assert thread.is_alive() and not outcome  # waiting on the lock
        with engine.connect() as other:  # nothing of the write is in the tables yet, not even its id
            assert other.scalar(text("SELECT count(*) FROM statement_ids WHERE statement_id = :id"),
                                {"id": referrer}) == 0
        holder.rollback()  # releases the lock
        thread.join(10)
    assert outcome == [200]
    assert query(xapi, agent=BOB) == [referrer]
