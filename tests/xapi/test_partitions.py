"""The statement log partitioned by month on PostgreSQL, and statement ids kept unique across partitions.

Uniqueness and immutability are the specification's (Data 2.4.1: the id is the statement's identity;
Communication 2.1.1/2.1.2: an id stored again with the same content changes nothing, with other content it
is a 409 Conflict); partitioning must not weaken them. Partition pruning is checked on the plan of the
query a since/until GET runs (Communication 2.1.3).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from lrs.extensions import db
from lrs.models import Statement, StatementId
from lrs.tenancy.credentials import get_or_create_tenant
from lrs.xapi import formats, partitions
from lrs.xapi.errors import Conflict
from lrs.xapi.paging import page_select
from lrs.xapi.query import StatementQuery
from lrs.xapi.statements import prepare
from lrs.xapi.store import StatementStore
from tests.conftest import statement

AUTHORITY = {"objectType": "Agent", "mbox": "mailto:authority@example.com"}


def _postgresql_only(app) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the statement log is partitioned on PostgreSQL only")


def _prepared(stored: datetime, **overrides) -> dict:
    body = {"id": str(uuid.uuid4()), **statement(**overrides)}
    return prepare(body, stored=stored, authority=AUTHORITY, version="1.0.3")


def _partition_of(statement_id: str) -> str:
    return db.session.scalar(text("SELECT tableoid::regclass::text FROM statements WHERE statement_id = :id"),
                             {"id": statement_id})


def _write(tenant_id: int, *statements: dict):
    result = StatementStore(db.session, tenant_id).write(statements, credential_id=None, define=False)
    db.session.commit()
    return result


@pytest.fixture
def tenant_id(app):
    with app.app_context():
        tenant = get_or_create_tenant(db.session, "partitions")
        db.session.commit()
        yield tenant.id
        db.session.rollback()


def test_the_log_is_partitioned_by_month_with_a_year_ahead_and_a_default(app, tenant_id):
    _postgresql_only(app)
    found = partitions.describe(db.session.connection())
    now = datetime.now(UTC)
    names = [p.name for p in found]
    assert partitions.month_name(date(now.year, now.month, 1)) in names
    assert names[-1] == partitions.DEFAULT and found[-1].lower_us is None
    months = [p for p in found if p.lower_us is not None]
    assert len(months) >= 13  # this month and the twelve after it (lrs.xapi.partitions.MONTHS_AHEAD)
    assert all(a.upper_us == b.lower_us for a, b in zip(months, months[1:], strict=False))  # no gap


def test_a_statement_lands_in_the_partition_of_its_stored_month(app, xapi, tenant_id):
    _postgresql_only(app)
    sid = xapi.store(statement())
    stored = formats.parse_timestamp(xapi.fetch(sid)["stored"])
    assert _partition_of(sid) == partitions.month_name(date(stored.year, stored.month, 1))


@pytest.mark.parametrize("same", [True, False], ids=["same-content", "other-content"])
def test_an_id_stored_in_one_month_is_the_same_statement_in_another(app, tenant_id, same, monkeypatch):
    """Communication 2.1.2: the same id again is a no-op with equal content and a conflict otherwise, even
    when the two arrive in different months (different partitions: only ``statement_ids`` sees both)."""
    earlier = datetime.now(UTC) - timedelta(days=40)
    first = _prepared(earlier)
    with monkeypatch.context() as patch:  # the first one arrives forty days ago
        patch.setattr("lrs.xapi.store.now_us", lambda: formats.to_micros(earlier))
        _write(tenant_id, first)
    again = dict(first, stored=formats.format_timestamp(datetime.now(UTC)))
    if not same:
        again["verb"] = {"id": "http://adlnet.gov/expapi/verbs/attempted"}
    if same:
        assert _write(tenant_id, again).stored == []
    else:
        with pytest.raises(Conflict):
            _write(tenant_id, again)
        db.session.rollback()
    assert db.session.query(Statement).filter_by(statement_id=first["id"]).count() == 1
    assert db.session.query(StatementId).filter_by(statement_id=first["id"]).count() == 1


def test_a_since_until_query_reads_only_the_months_it_covers(app, tenant_id):
    _postgresql_only(app)
    now = datetime.now(UTC)
    month = date(now.year, now.month, 1)
    since = datetime(month.year, month.month, 1, tzinfo=UTC) + timedelta(hours=1)
    q = StatementQuery(since_us=formats.to_micros(since), until_us=formats.to_micros(since + timedelta(days=2)))
    for small_window in (False, True):
        query = page_select(tenant_id, q, 10**12, None, 11, small_window=small_window)
        compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
        plan = "\n".join(db.session.scalars(text(f"EXPLAIN {compiled}")))
        scanned = {name for name in (p.name for p in partitions.describe(db.session.connection()))
                   if f" {name} " in plan}
        assert scanned == {partitions.month_name(month)}, plan


def test_ensure_creates_missing_months_and_moves_what_the_default_partition_held(app, xapi, tenant_id):
    _postgresql_only(app)
    far = datetime.now(UTC) + timedelta(days=31 * 30)  # beyond the months made ahead
    month = date(far.year, far.month, 1)
    stray = _prepared(far)
    _write(tenant_id, stray)
    assert _partition_of(stray["id"]) == partitions.DEFAULT
    created = partitions.ensure(db.session.connection(), ahead=0, now=far)
    db.session.commit()
    assert created == [partitions.month_name(month)]
    assert _partition_of(stray["id"]) == partitions.month_name(month)
    assert partitions.ensure(db.session.connection(), ahead=0, now=far) == []  # once only
    db.session.commit()
    found = StatementStore(db.session, tenant_id).get(stray["id"], voided=False)
    assert found is not None and found[0]["id"] == stray["id"]


def test_the_cli_lists_and_ensures_partitions(app, runner):
    result = runner.invoke(args=["partitions", "ensure", "--ahead", "2", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["created"] == []  # the migration made a year ahead already (or SQLite)
    listed = runner.invoke(args=["partitions", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    names = [p["name"] for p in json.loads(listed.output)["partitions"]]
    with app.app_context():
        dialect = db.engine.dialect.name
    if dialect == "postgresql":
        assert partitions.DEFAULT in names and len(names) >= 14
    else:
        assert names == []


def test_months_between_covers_the_oldest_statement_to_a_year_ahead():
    now = datetime(2026, 11, 22, tzinfo=UTC)
    oldest = formats.to_micros(datetime(2025, 12, 31, 23, 59, tzinfo=UTC))
    months = partitions.months_between(oldest, ahead=2, now=now)
    assert months[0] == date(2025, 12, 1) and months[-1] == date(2027, 1, 1)
    assert len(months) == 14
    assert partitions.months_between(None, ahead=0, now=now) == [date(2026, 11, 1)]
    assert partitions.is_partition("statements_2026_11") and partitions.is_partition("statements_default")
    assert not partitions.is_partition("statements") and not partitions.is_partition("statement_ids")
