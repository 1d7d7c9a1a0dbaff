"""The bench loader sets the statement tables' secondary indexes aside and builds them again as they were,
on every partition of the partitioned statement log too (a query by time needs them there)."""

from __future__ import annotations

import sqlalchemy as sa

from bench.indexes import set_aside
from lrs.extensions import db


def _indexes(conn: sa.Connection) -> set[tuple[str, str]]:
    inspector = sa.inspect(conn)
    tables = set(inspector.get_table_names())
    return {(table, ",".join(index["column_names"])) for table in tables if table.startswith("statement")
            for index in inspector.get_indexes(table)}


def test_set_aside_drops_and_restores_every_index_on_every_partition(app):
    with app.app_context():
        engine = db.engine
        with engine.connect() as conn:
            before = _indexes(conn)
        assert ("statements", "tenant_id,stored_us") in before
        with set_aside(engine):
            with engine.connect() as conn:
                assert ("statements", "tenant_id,stored_us") not in _indexes(conn)
        with engine.connect() as conn:
            assert _indexes(conn) == before
        if engine.dialect.name == "postgresql":
            assert ("statements_default", "tenant_id,stored_us") in before
