"""``statement_ids``, the directory the write path looks statements up in.

A write finds the stored statements its StatementRefs target, and the stored statements that target what
it writes (Communication 2.1.3, "Filter Conditions for StatementRefs"; Data 2.3.2, voiding whichever
arrives first), by id. On PostgreSQL the statement log is partitioned by time, and a lookup by id there is
planned and run on every partition; the directory is one table, keyed by id, so the write path reads it
instead (migration 0018).
"""

from __future__ import annotations

import uuid

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from lrs.extensions import db
from lrs.xapi import bulk
from tests.conftest import XapiClient, issue_credential, statement
from tests.xapi.test_voiding import voiding


def _directory() -> dict[str, tuple]:
    return {sid: (seq, target, bool(voids)) for sid, seq, target, voids in db.session.execute(text(
        "SELECT statement_id, seq, ref_target, is_voiding FROM statement_ids"))}


def _log() -> dict[str, tuple]:
    return {sid: (seq, target, bool(voids)) for sid, seq, target, voids in db.session.execute(text(
        "SELECT statement_id, seq, ref_target, is_voiding FROM statements"))}


def test_the_directory_holds_each_statements_seq_target_and_voiding(app, xapi):
    """Every stored statement, from single writes and batches, with a StatementRef, voiding or neither."""
    target = xapi.store(statement())
    referrer = xapi.store(statement(object={"objectType": "StatementRef", "id": target}))
    batch = [{"id": str(uuid.uuid4()), **statement()} for _ in range(3)]
    batch.append({"id": str(uuid.uuid4()), **voiding(batch[0]["id"])})
    assert xapi.post(batch).status_code == 200
    with app.app_context():
        directory, log = _directory(), _log()
    assert directory == log
    assert len(log) == 6
    assert directory[referrer][1] == target and not directory[referrer][2]
    assert directory[batch[3]["id"]] == (log[batch[3]["id"]][0], batch[0]["id"], True)
    assert [directory[s["id"]][0] for s in batch] == sorted(directory[s["id"]][0] for s in batch)  # in order


def test_the_write_path_looks_statements_up_in_the_directory_not_the_log(app, xapi, monkeypatch):
    """The lookups of a write (targets, referrers, voiding) never read the partitioned statement log: only a
    statement sent again, compared with the one stored (Communication 2.1.2), is read from it."""
    run = bulk._run
    seen: list[str] = []

    def recording(session, sql, params, **options):
        seen.append(sql)
        return run(session, sql, params, **options)

    monkeypatch.setattr(bulk, "_run", recording)
    target = xapi.store(statement())
    xapi.store(statement(object={"objectType": "StatementRef", "id": target}))
    later = str(uuid.uuid4())
    xapi.store(voiding(later))  # voids a statement still to come
    assert xapi.post([{"id": later, **statement()}]).status_code == 200
    with app.app_context():
        assert _log()[later] and _directory()[later]
    lookups = [sql for sql in seen if "SELECT" in sql and "INSERT INTO statements" not in sql]
    assert any("FROM statement_ids" in sql and "ref_target" in sql for sql in lookups), lookups  # referrers
    assert any("FROM statement_ids" in sql and "is_voiding" in sql and "ref_target" not in sql
               for sql in lookups), lookups  # targets
    assert not any("FROM statements " in sql or sql.endswith("FROM statements") for sql in lookups), lookups
    assert xapi.get({"voidedStatementId": later}).status_code == 200  # Data 2.3.2: voided on arrival


def test_a_statementref_in_one_tenant_never_reaches_a_statement_of_another(app, client, xapi):
    """The same id in two tenants is two statements: a StatementRef or a voiding statement stored in one
    tenant neither passes the other tenant's statement on to its filters (C 2.1.3) nor voids it (D 2.3.2)."""
    special = "http://example.com/verbs/special"
    target, voided = str(uuid.uuid4()), str(uuid.uuid4())
    referrer = xapi.store(statement(object={"objectType": "StatementRef", "id": target}))
    xapi.store(voiding(voided))
    other = XapiClient(client, issue_credential(app, name="other", tenant="other"))
    assert other.post([{"id": target, **statement(verb={"id": special})},
                       {"id": voided, **statement()}]).status_code == 200
    assert other.get({"statementId": voided}).status_code == 200  # not voided
    assert [s["id"] for s in other.get({"verb": special}).get_json()["statements"]] == [target]
    assert xapi.get({"verb": special}).get_json()["statements"] == []  # the referrer gained nothing
    assert xapi.get({"statementId": referrer}).status_code == 200


def test_migration_0018_fills_the_directory_from_the_log(app):
    """Statements stored before the revision get their seq, target and voiding flag in the directory."""
    with app.app_context():
        downgrade(revision="0017")
        try:
            tenant = db.session.scalar(text(
                "INSERT INTO tenants (name, created) VALUES ('directory', CURRENT_TIMESTAMP) RETURNING id"))
            rows = [(str(uuid.uuid4()), None, False), (str(uuid.uuid4()), None, False)]
            rows.append((str(uuid.uuid4()), rows[0][0], True))
            for sid, target, voids in rows:
                db.session.execute(text("INSERT INTO statement_ids (tenant_id, statement_id) VALUES (:t, :s)"),
                                   {"t": tenant, "s": sid})
                db.session.execute(text(
                    "INSERT INTO statements (tenant_id, statement_id, stored_us, verb_id, ref_target, is_voiding, "
                    "voided, payload) VALUES (:t, :s, 1795000000000000, 'http://example.com/v', :r, :v, false, '{}')"),
                    {"t": tenant, "s": sid, "r": target, "v": voids})
            db.session.commit()
        finally:
            db.session.remove()
            upgrade()
        directory, log = _directory(), _log()
    assert len(log) == 3
    assert directory == log
    assert directory[rows[2][0]][1:] == (rows[0][0], True)


@pytest.fixture(autouse=True)
def _fresh_session(app):
    yield
    with app.app_context():
        db.session.remove()
