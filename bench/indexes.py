"""Secondary indexes set aside during a bulk load and built again after it: faster than keeping them.

Only indexes that no primary key needs: each is dropped with the definition the database reports and
created again from it, so whatever the migrations made is what comes back. SQLite keeps its UNIQUE
constraints (they belong to the table); PostgreSQL's are dropped and added back as constraints. Nothing
may write to the tables meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

TABLES = ("statements", "statement_index")


def _sqlite(conn: sa.Connection) -> list[tuple[str, str]]:
    rows = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (?, ?)",
        TABLES)
    return [(f'DROP INDEX "{name}"', sql) for name, sql in rows]


def _postgresql(conn: sa.Connection) -> list[tuple[str, str]]:
    constraints = list(conn.exec_driver_sql(
        "SELECT conname, conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'u' AND conrelid::regclass::text = ANY(%s)", (list(TABLES),)))
    owned = {name for name, _, _ in constraints}
    indexes = [(name, definition) for name, definition in conn.exec_driver_sql(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY(%s) AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname AND c.contype = 'p')", (list(TABLES),))
        if name not in owned]
    # A partitioned table's index reads "ON ONLY" (the parent alone); built again without it, it is built on
    # every partition too, as the migration made it.
    ddl = [(f'DROP INDEX "{name}"', definition.replace(" ON ONLY ", " ON ")) for name, definition in indexes]
    ddl += [(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"',
             f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}') for name, table, definition in constraints]
    return ddl


@contextmanager
def set_aside(engine: sa.Engine) -> Iterator[None]:
    """Drop the secondary indexes of the statement tables; build them again on leaving.

    The pool's idle connections are closed first and again before the indexes are built: on SQLite, a
    connection whose last query was left unfinished keeps reading the database as it was then, schema
    included, and would find the dropped indexes still there.
    """
    engine.dispose()
    with engine.begin() as conn:
        ddl = _sqlite(conn) if engine.dialect.name == "sqlite" else _postgresql(conn)
        for drop, _ in ddl:
            conn.exec_driver_sql(drop)
    try:
        yield
    finally:
        engine.dispose()
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '512MB'")
            for _, create in ddl:
                conn.exec_driver_sql(create)
