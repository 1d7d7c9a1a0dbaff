"""The write path's bulk statements, on both databases: inserts with and without RETURNING and conflicts,
lookups by a list of values, in one statement or in chunks."""

from __future__ import annotations

import pytest

from lrs.extensions import db
from lrs.tenancy.credentials import get_or_create_tenant
from lrs.xapi import bulk

COLUMNS = ("tenant_id", "activity_id", "definition")


@pytest.fixture
def tenant_id(app):
    with app.app_context():
        tenant = get_or_create_tenant(db.session, "bulk")
        db.session.commit()
        yield tenant.id
        db.session.rollback()


def _rows(tenant_id: int, names) -> list[tuple]:
    return [(tenant_id, f"http://example.com/{name}", None if name % 2 else f'{{"n": {name}}}') for name in names]


def _stored(tenant_id: int) -> dict[str, str | None]:
    rows = bulk.select_in(db.session, "SELECT activity_id, definition FROM activities WHERE tenant_id = ? "
                          "AND activity_id IN_VALUES", (tenant_id,),
                          [f"http://example.com/{n}" for n in range(100)])
    return dict(rows)


@pytest.mark.parametrize("returning", [(), ("activity_id",)], ids=["plain", "returning"])
def test_insert_writes_every_row_and_skips_conflicts(app, tenant_id, returning, monkeypatch):
    monkeypatch.setattr(bulk, "MAX_PARAMS", 7)  # two rows per statement on SQLite: several statements
    first = bulk.insert(db.session, "activities", COLUMNS, _rows(tenant_id, range(5)),
                        conflict=("tenant_id", "activity_id"), returning=returning)
    again = bulk.insert(db.session, "activities", COLUMNS, _rows(tenant_id, range(3, 8)),
                        conflict=("tenant_id", "activity_id"), returning=returning)
    if returning:
        assert sorted(first) == [(f"http://example.com/{n}",) for n in range(5)]
        assert sorted(again) == [(f"http://example.com/{n}",) for n in (5, 6, 7)]
    else:
        assert first == again == []
    assert _stored(tenant_id) == {iri: definition for _, iri, definition in _rows(tenant_id, range(8))}


def test_insert_takes_a_column_of_nulls_and_nothing(app, tenant_id):
    assert bulk.insert(db.session, "activities", COLUMNS, []) == []
    bulk.insert(db.session, "activities", COLUMNS, [(tenant_id, "http://example.com/1", None),
                                                      (tenant_id, "http://example.com/3", None)])
    assert _stored(tenant_id) == {"http://example.com/1": None, "http://example.com/3": None}


def test_select_in_finds_every_value_across_chunks(app, tenant_id, monkeypatch):
    monkeypatch.setattr(bulk, "IN_CHUNK", 3)
    bulk.insert(db.session, "activities", COLUMNS, _rows(tenant_id, range(10)))
    assert len(_stored(tenant_id)) == 10
    assert bulk.select_in(db.session, "SELECT activity_id FROM activities WHERE tenant_id = ? AND "
                          "activity_id IN_VALUES", (tenant_id,), []) == []


def test_a_driver_error_comes_out_as_sqlalchemys(app, tenant_id):
    """The write path's retries (a race on a unique key) and the 503 for a database that is away catch
    SQLAlchemy's exceptions: the bulk statements, which run on the DBAPI cursor, raise those too."""
    from sqlalchemy.exc import IntegrityError

    bulk.insert(db.session, "activities", COLUMNS, _rows(tenant_id, [1]))
    with pytest.raises(IntegrityError):
        bulk.insert(db.session, "activities", COLUMNS, _rows(tenant_id, [1]))
    db.session.rollback()


def test_a_connection_keeps_one_cursor_and_replaces_it_after_an_error(app, tenant_id):
    """The cursor of a connection is made once and used by every statement after; one that saw an error is
    dropped, and the next statement gets a new one."""
    from sqlalchemy.exc import DBAPIError

    def kept():
        return db.session.connection().connection.info[bulk.CURSOR]

    assert bulk.fetch_one(db.session, "SELECT 1", ()) == (1,)
    first = kept()
    assert bulk.fetch_one(db.session, "SELECT 2", ()) == (2,)
    assert kept() is first
    with pytest.raises(DBAPIError):
        bulk.fetch_one(db.session, "SELECT * FROM no_such_table", ())
    db.session.rollback()
    assert bulk.fetch_one(db.session, "SELECT 3", ()) == (3,)
    assert kept() is not first
