"""How a page of GET /statements is found: the same answer whichever index drives, and an index that drives.

The answers are checked on both databases; the query plans on SQLite, whose planner decides without
statistics on ranges (PostgreSQL plans a tiny test table by sequential scans, whatever the indexes).
"""

from __future__ import annotations

import orjson
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from lrs.extensions import db
from lrs.tenancy.credentials import get_or_create_tenant
from lrs.xapi import paging
from lrs.xapi.paging import page_select, window_count
from lrs.xapi.query import StatementQuery
from lrs.xapi.service import Writer, store_statements
from lrs.xapi.statements import agent_filter_hash
from tests.conftest import statement
from tests.xapi.test_queries import ADA, BOB, COMPLETED, COURSE, follow, store_apart, verb

ATTEMPTED = "http://adlnet.gov/expapi/verbs/attempted"


def _stored(xapi, sid: str) -> str:
    return xapi.fetch(sid)["stored"]


@pytest.fixture
def log(xapi) -> list[str]:
    """Twelve statements a few milliseconds apart: two verbs, two actors, some with ADA as instructor."""
    ids = []
    for n in range(12):
        body = statement(actor=ADA if n % 3 else BOB, verb=verb(COMPLETED if n % 2 else ATTEMPTED))
        if n % 4 == 0:
            body["context"] = {"instructor": ADA}
        ids.append(store_apart(xapi, body))
    return ids


@pytest.mark.parametrize("ascending", ["false", "true"])
@pytest.mark.parametrize("extra", [{}, {"verb": COMPLETED}, {"agent": ADA, "related_agents": "true"}],
                         ids=["window", "window+verb", "window+related_agents"])
def test_a_time_window_pages_alike_whether_the_window_or_the_log_drives(xapi, log, monkeypatch, ascending,
                                                                         extra):
    params = {"since": _stored(xapi, log[1]), "until": _stored(xapi, log[10]), "limit": "3",
              "ascending": ascending, **{k: orjson.dumps(v).decode() if isinstance(v, dict) else v
                                         for k, v in extra.items()}}
    by_window, _ = follow(xapi, params)
    monkeypatch.setattr(paging, "SMALL_WINDOW", 0)  # no window is small: the log or an index drives
    by_log, _ = follow(xapi, params)
    assert by_window == by_log
    assert by_window  # the window holds statements of every kind asked for
    expected = [sid for sid in log[2:11] if sid in set(by_log)]
    assert by_window == (expected if ascending == "true" else expected[::-1])


def test_related_agents_gives_a_statement_found_under_both_kinds_once_in_order(xapi, log):
    """ADA is the actor of some statements, the instructor of others, and both of a few."""
    found, pages = follow(xapi, {"agent": orjson.dumps({"mbox": ADA["mbox"]}).decode(),
                                 "related_agents": "true", "limit": "2"})
    expected = [sid for n, sid in enumerate(log) if n % 3 or n % 4 == 0]
    assert found == expected[::-1]
    assert len(pages) == (len(expected) + 1) // 2


def test_related_activities_merges_object_and_context_in_log_order(xapi):
    as_object = store_apart(xapi, statement())
    in_context = store_apart(xapi, statement(object={"objectType": "Activity", "id": "http://example.com/x"},
                                             context={"contextActivities": {"parent": [{"id": COURSE}]}}))
    both = store_apart(xapi, statement(context={"contextActivities": {"grouping": [{"id": COURSE}]}}))
    found, _ = follow(xapi, {"activity": COURSE, "related_activities": "true", "limit": "1"})
    assert found == [both, in_context, as_object]


# -- plans (SQLite) -------------------------------------------------------------------------------------------

AGENT = agent_filter_hash({"mbox": ADA["mbox"]})
PLANS = {
    "agent": (StatementQuery(agent_hash=AGENT), "ix_statement_index_lookup"),
    "related_agents": (StatementQuery(agent_hash=AGENT, related_agents=True), "ix_statement_index_lookup"),
    "verb": (StatementQuery(verb=COMPLETED), "ix_statement_index_lookup"),
    "activity": (StatementQuery(activity=COURSE), "ix_statement_index_lookup"),
    "related_activities": (StatementQuery(activity=COURSE, related_activities=True), "ix_statement_index_lookup"),
    "registration": (StatementQuery(registration="6fbd600f-d17c-4c74-801a-2ec2e53231c7"),
                     "ix_statement_index_lookup"),
    "verb and agent": (StatementQuery(verb=COMPLETED, agent_hash=AGENT), "ix_statement_index_lookup"),
    "nothing": (StatementQuery(), "ix_statements_tenant_seq"),  # or the primary key, with statistics
}


def _plan(app, select_statement) -> str:
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("query plans are checked on SQLite")
        compiled = select_statement.compile(db.engine)
        params = tuple(compiled.params[name] for name in compiled.positiontup)
        rows = db.session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + compiled.string, params)
        return "\n".join(row[3] for row in rows)


@pytest.mark.parametrize("name", PLANS)
def test_every_filter_walks_an_index_in_log_order(app, name):
    query, index = PLANS[name]
    plan = _plan(app, page_select(1, query, 10**6, None, 101))
    assert index in plan
    assert "SCAN statements" not in plan and "SCAN statement_index" not in plan
    if "related" not in name:  # a page in index order needs no sort; a merge of two walks sorts two pages
        assert "TEMP B-TREE" not in plan


@pytest.mark.parametrize("query", [StatementQuery(since_us=1, until_us=2), StatementQuery(since_us=1),
                                   StatementQuery(until_us=2, verb=COMPLETED)], ids=["both", "since", "until+verb"])
def test_a_small_time_window_is_read_from_the_stored_index(app, query):
    plan = _plan(app, page_select(1, query, 10**6, None, 101, small_window=True))
    assert "ix_statements_tenant_stored" in plan
    assert "SCAN statements" not in plan


def test_the_window_count_stops_at_the_small_window_size(app, xapi, log, monkeypatch):
    monkeypatch.setattr(paging, "SMALL_WINDOW", 5)
    with app.app_context():
        tenant = db.session.scalar(text("SELECT tenant_id FROM statements LIMIT 1"))
        assert db.session.scalar(window_count(tenant, StatementQuery(since_us=0))) == 5
        assert db.session.scalar(window_count(tenant, StatementQuery(until_us=0))) == 0
        assert window_count(tenant, StatementQuery()) is None


def test_the_write_path_looks_up_by_more_than_the_tenant(app, xapi, monkeypatch):
    """Every lookup a write makes (targets, referrers, definitions) searches an index by its key, not by
    the tenant alone: a search on the tenant walks every statement it has, and writes would slow down as
    the store grows."""
    from lrs.xapi import bulk

    target = xapi.store(statement())
    lookups: list[tuple[str, tuple]] = []
    select_in = bulk.select_in

    def recording(session, sql, params, values, **options):
        listed = "IN (" + ", ".join("?" * len(values)) + ")"
        if values:  # no values: select_in runs nothing
            lookups.append((sql.replace("IN_VALUES", listed).replace("IN_ROWS", listed), (*params, *values)))
        return select_in(session, sql, params, values, **options)

    monkeypatch.setattr(bulk, "select_in", recording)
    xapi.store(statement(object={"objectType": "StatementRef", "id": target}))
    assert any("statement_index" in sql for sql, _ in lookups)  # the target's index keys were looked up
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("query plans are checked on SQLite")
        for sql, params in lookups:
            rows = db.session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params)
            plan = "\n".join(row[3] for row in rows)
            assert "(tenant_id=?)" not in plan, (sql, plan)
            assert "SCAN " not in plan, (sql, plan)


def test_the_write_paths_lookups_are_planned_for_each_write(app):
    """PostgreSQL keeps one generic plan for a statement psycopg has prepared; made while a partition was
    nearly empty, that plan reads the whole partition, and went on doing so as it grew (a write of 50
    statements spent 5 ms scanning 19,000 rows for referrers, in the benchmark), and the same holds for any
    table that was empty then. The lookups a write makes in the directory of ids (targets, referrers), in the
    statement log (statements sent again) and in the activities are never prepared statements."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("prepared statements are PostgreSQL's")
        tenant_id = get_or_create_tenant(db.session, "replanned").id
        db.session.commit()
        writer = Writer(tenant_id, None, {"objectType": "Agent", "mbox": "mailto:writer@example.com"}, True)
        with db.engine.connect() as connection:
            session = Session(bind=connection)
            previous = None
            for _ in range(12):  # psycopg prepares a statement on its 5th execution
                body = statement() if previous is None else statement(object={"objectType": "StatementRef",
                                                                               "id": previous})
                [previous] = store_statements(session, writer, [body], "1.0.3")
            prepared = [row[0] for row in connection.exec_driver_sql("SELECT statement FROM pg_prepared_statements")]
            session.close()
    assert any("INSERT INTO statement_ids" in sql for sql in prepared), prepared  # psycopg does prepare
    for lookup in ("ref_target = ANY", "FROM statement_ids WHERE", "FROM statements WHERE", "FROM activities WHERE"):
        assert not any(lookup in sql for sql in prepared), (lookup, prepared)


@pytest.mark.parametrize("query", [StatementQuery(verb=COMPLETED, since_us=1, ascending=True),
                                   StatementQuery(agent_hash=AGENT, related_agents=True)],
                         ids=["verb+since", "related_agents"])
def test_a_walk_finds_each_statement_by_its_seq_alone(app, xapi, log, query):
    """The filter index is searched by tenant; the statements it lists are then found by seq alone (unique
    across tenants). A tenant condition on the statements let PostgreSQL, without statistics, combine each
    seq lookup with a scan of every statement of the tenant (a BitmapAnd per row of the walk, which the
    PostgreSQL soak found): this checks the shape of the SQL, which the plan follows."""
    with app.app_context():
        tenant = db.session.scalar(text("SELECT tenant_id FROM statements LIMIT 1"))
        select_statement = page_select(tenant, query, 10**6, None, 101, floor=0)
        sql = str(select_statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
        found = db.session.execute(select_statement).all()
    assert f"statement_index_1.tenant_id = {tenant}" in sql, sql
    assert "statements.tenant_id" not in sql, sql
    assert found  # and the walk still finds the tenant's statements
