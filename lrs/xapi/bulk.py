"""Many rows in few round trips, on SQLite and PostgreSQL alike: the write path's statements.

Inserts: rows are tuples in the order of ``columns``. SQLite takes them in one ``executemany`` (a loop in
C), or with RETURNING as multi-row ``INSERT ... VALUES``; PostgreSQL takes them as one array per column,
``INSERT ... SELECT * FROM unnest(...)``, so that the statement text is short and the same for any number
of rows (``executemany`` would send a statement per row, and a long VALUES list costs the driver more to
prepare than the server to run). Lookups by a list of values: ``IN (?, ...)`` on SQLite, ``= ANY(%b)``
with one array (in binary) on PostgreSQL. Both go straight to the driver: on the write path the ORM's statement
building costs several times the query itself. SQL is built from identifiers and text the caller gives,
never from data; the values are always bound parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from lrs.extensions import db

MAX_PARAMS = 16_000  # within SQLite's 32,766 bound parameters per statement
IN_CHUNK = 500  # values per IN (...) list on SQLite


def _marker(session: Session) -> str:
    return "?" if session.get_bind().dialect.name == "sqlite" else "%s"


@lru_cache(maxsize=64)
def _array_casts(table: str, columns: tuple[str, ...]) -> str:
    """``unnest(%b::bigint[], %b::text[], ...)`` for the columns' PostgreSQL types (from the models).

    The arrays go in binary (``%b``): in text they would be escaped element by element, which for JSON
    payloads costs many times the insert itself.
    """
    dialect = postgresql.dialect()
    types = [db.metadata.tables[table].c[name].type.compile(dialect=dialect) for name in columns]
    return "unnest(" + ", ".join(f"%b::{kind}[]" for kind in types) + ")"


def insert(session: Session, table: str, columns: Sequence[str], rows: Sequence[tuple], *,
           conflict: Sequence[str] | None = None, returning: Sequence[str] = ()) -> list[tuple]:
    """Insert ``rows`` into ``table`` within the session's transaction; answer the RETURNING rows.

    ``conflict``: the columns of a unique key; rows that would duplicate one are skipped (DO NOTHING).
    Rows come back in any order: match them on a key among ``returning``.
    """
    if not rows:
        return []
    connection = session.connection()
    names = ", ".join(columns)
    tail = f" ON CONFLICT ({', '.join(conflict)}) DO NOTHING" if conflict else ""
    if returning:
        tail += f" RETURNING {', '.join(returning)}"
    if _marker(session) == "%s":
        sql = f"INSERT INTO {table} ({names}) SELECT * FROM {_array_casts(table, tuple(columns))}{tail}"  # noqa: S608
        result = connection.exec_driver_sql(sql, tuple(list(values) for values in zip(*rows, strict=True)))
        return [tuple(row) for row in result] if returning else []
    head = f"INSERT INTO {table} ({names}) VALUES "  # noqa: S608  (identifiers, not data)
    one = "(" + ", ".join(["?"] * len(columns)) + ")"
    if not returning:
        connection.exec_driver_sql(head + one + tail, list(rows))
        return []
    per_statement = max(1, MAX_PARAMS // len(columns))
    found: list[tuple] = []
    for start in range(0, len(rows), per_statement):
        chunk = rows[start:start + per_statement]
        params = tuple(value for row in chunk for value in row)
        found.extend(tuple(row) for row in connection.exec_driver_sql(head + ", ".join([one] * len(chunk)) + tail,
                                                                      params))
    return found


def select_in(session: Session, sql: str, params: Sequence, values: Sequence) -> list[tuple]:
    """The rows of ``sql`` for every value of ``values``.

    ``sql`` uses ``?`` for the ``params`` and ends with ``IN_VALUES``, which stands for membership in
    ``values`` (``IN (?, ...)`` or ``= ANY(%b)``)::

        select_in(session, "SELECT seq FROM statements WHERE tenant_id = ? AND ref_target IN_VALUES",
                  (tenant_id,), ids)
    """
    if not values:
        return []
    connection = session.connection()
    values = list(values)
    if _marker(session) == "%s":
        text = sql.replace("?", "%s").replace("IN_VALUES", "= ANY(%b)")
        return [tuple(row) for row in connection.exec_driver_sql(text, (*params, values))]
    found: list[tuple] = []
    for start in range(0, len(values), IN_CHUNK):
        chunk = values[start:start + IN_CHUNK]
        text = sql.replace("IN_VALUES", "IN (" + ", ".join(["?"] * len(chunk)) + ")")
        found.extend(tuple(row) for row in connection.exec_driver_sql(text, (*params, *chunk)))
    return found
