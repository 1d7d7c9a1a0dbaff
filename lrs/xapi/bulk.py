"""Many rows in few round trips, on SQLite and PostgreSQL alike: the write path's statements.

Inserts: rows are tuples in the order of ``columns``. SQLite takes them in one ``executemany`` (a loop in
C), or with RETURNING as multi-row ``INSERT ... VALUES``; PostgreSQL takes them as one array per column,
``INSERT ... SELECT * FROM unnest(...)`` (text in binary, numbers as one array literal), so that the
statement text is short and the same for any number of rows (``executemany`` would send a statement per
row, and a long VALUES list costs the driver more to prepare than the server to run). Lookups by a list of
values: ``IN (?, ...)`` on SQLite, ``= ANY(%b)`` with one array (in binary) on PostgreSQL. Both go straight
to the driver: on the write path the ORM's statement building costs several times the query itself, and
the statements run on the session's own DBAPI connection (in its transaction) through a plain cursor,
since even ``exec_driver_sql`` costs more per call than a small insert does. SQL is built from
identifiers and text the caller gives, never from data; the values are always bound parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from lrs.extensions import db

CURSOR = "lrs.bulk.cursor"  # the key of a connection's kept cursor in its ``info``
MAX_PARAMS = 16_000  # within SQLite's 32,766 bound parameters per statement
IN_CHUNK = 500  # values per IN (...) list on SQLite


def _marker(session: Session) -> str:
    return "?" if session.get_bind().dialect.name == "sqlite" else "%s"


def _run(session: Session, sql: str, params, *, many: bool = False, rows: bool = True,
         replan: bool = False) -> list[tuple]:
    """Run ``sql`` on a cursor of the session's DBAPI connection, inside the session's transaction.

    ``replan`` (PostgreSQL): plan the statement for this execution, never from a prepared statement's cached
    plan. psycopg prepares a statement run often, and PostgreSQL then keeps one generic plan for it: made
    while a table (a new month's partition, say) was nearly empty, that plan reads the table whole, and
    goes on doing so as the table grows, until statistics are gathered. A lookup whose best plan changes
    as its table grows asks for ``replan``; planning it costs far less than such a scan.

    The cursor is kept with the connection (in the pool's ``info`` of it, which lives as long as the DBAPI
    connection does) and used again by the next call: making one costs more than a small lookup does.

    A driver error comes out as SQLAlchemy's own (``OperationalError``, ``IntegrityError``...), as it would
    from ``exec_driver_sql``, so that retries and the 503 for a database that is away see it; a connection
    the error shows dead is invalidated, and the pool replaces it.
    """
    connection = session.connection()
    pooled = connection.connection
    raw = pooled.driver_connection  # type: ignore[union-attr]
    dialect = connection.dialect
    cursor = pooled.info.get(CURSOR)
    if cursor is None or getattr(cursor, "closed", False):
        cursor = pooled.info[CURSOR] = raw.cursor()
    try:
        if replan and not many and dialect.name == "postgresql":
            cursor.execute(sql, params, prepare=False)
        else:
            (cursor.executemany if many else cursor.execute)(sql, params)
        return [tuple(row) for row in cursor.fetchall()] if rows else []
    except dialect.loaded_dbapi.Error as exc:
        pooled.info.pop(CURSOR, None)  # a new one next time, whatever state the error left this one in
        gone = dialect.is_disconnect(exc, raw, cursor)
        if gone:
            connection.invalidate(exc)
        raise DBAPIError.instance(sql, None, exc, dialect.loaded_dbapi.Error, hide_parameters=True,
                                  connection_invalidated=gone, dialect=dialect) from exc


# Column types whose arrays go as PostgreSQL's text form of an array, built by ``array_literal``.
LITERAL_TYPES = frozenset({"BIGINT", "INTEGER", "SMALLINT", "BOOLEAN"})


@lru_cache(maxsize=64)
def _array_casts(table: str, columns: tuple[str, ...]) -> tuple[str, tuple[bool, ...]]:
    """``unnest(%s::bigint[], %b::text[], ...)`` for the columns' PostgreSQL types (from the models), and
    which of the columns go as array literals.

    Text arrays go in binary (``%b``): in text they would be escaped element by element, which for JSON
    payloads costs many times the insert itself. Arrays of numbers and booleans go as one literal string:
    psycopg dumps a list element by element in Python (in binary, a ``struct.pack`` per element), which
    for the index rows of a batch cost more than the database spent inserting them.
    """
    types = [_pg_type(table, name) for name in columns]
    literal = tuple(kind in LITERAL_TYPES for kind in types)
    sql = "unnest(" + ", ".join(f"%s::{kind}[]" if as_literal else f"%b::{kind}[]"
                                for kind, as_literal in zip(types, literal, strict=True)) + ")"
    return sql, literal


@lru_cache(maxsize=256)
def _pg_type(table: str, column: str) -> str:
    """The PostgreSQL type of a column, from the models."""
    return db.metadata.tables[table].c[column].type.compile(dialect=postgresql.dialect())


def _pg_insert(table: str, columns: Sequence[str], rows: Sequence[tuple]) -> tuple[str, list]:
    """PostgreSQL: ``INSERT INTO table (columns) SELECT * FROM unnest(...)`` and its parameters."""
    arrays, literal = _array_casts(table, tuple(columns))
    return f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM {arrays}", _arrays(rows, literal)  # noqa: S608


def array_literal(values: Sequence) -> str:
    """PostgreSQL's text form of an array of numbers or booleans (None is NULL): one ``str.join``."""
    listed = ",".join(map(str, values))
    if "None" in listed:  # only None reads so, among numbers and booleans; one scan in C, not a compare each
        listed = ",".join("NULL" if value is None else str(value) for value in values)
    return "{" + listed + "}"


def _arrays(rows: Sequence[tuple], literal: tuple[bool, ...]) -> list:
    """The rows as one array per column, ready to bind to ``_array_casts``'s markers."""
    return [array_literal(values) if as_literal else list(values)
            for values, as_literal in zip(zip(*rows, strict=True), literal, strict=True)]


def insert(session: Session, table: str, columns: Sequence[str], rows: Sequence[tuple], *,
           conflict: Sequence[str] | None = None, returning: Sequence[str] = (),
           update: str | None = None) -> list[tuple]:
    """Insert ``rows`` into ``table`` within the session's transaction; answer the RETURNING rows.

    ``conflict``: the columns of a unique key; rows that would duplicate one are skipped (DO NOTHING), or
    with ``update`` (the SET list of ``DO UPDATE``, where ``excluded`` names the row sent) change the row
    stored. Rows with ``update`` must not share a key among themselves. Rows come back in any order: match
    them on a key among ``returning``.
    """
    if not rows:
        return []
    names = ", ".join(columns)
    action = f"DO UPDATE SET {update}" if update else "DO NOTHING"
    tail = f" ON CONFLICT ({', '.join(conflict)}) {action}" if conflict else ""
    if returning:
        tail += f" RETURNING {', '.join(returning)}"
    if _marker(session) == "%s":
        sql, params = _pg_insert(table, columns, rows)
        return _run(session, sql + tail, params, rows=bool(returning))
    head = f"INSERT INTO {table} ({names}) VALUES "  # noqa: S608  (identifiers, not data)
    one = "(" + ", ".join(["?"] * len(columns)) + ")"
    if not returning:
        return _run(session, head + one + tail, list(rows), many=True, rows=False)
    per_statement = max(1, MAX_PARAMS // len(columns))
    found: list[tuple] = []
    for start in range(0, len(rows), per_statement):
        chunk = rows[start:start + per_statement]
        params = tuple(value for row in chunk for value in row)
        found.extend(_run(session, head + ", ".join([one] * len(chunk)) + tail, params))
    return found


def insert_keyed(session: Session, keys_table: str, key_columns: Sequence[str], keys: Sequence[tuple],
                 table: str, columns: Sequence[str], rows: Sequence[tuple], *, unique: Sequence[str],
                 drawn: tuple[str, str], returning: Sequence[str],
                 first: tuple[str, Sequence] | None = None) -> list[tuple]:
    """Insert ``keys`` into ``keys_table`` where absent, and the ``rows`` (one per key, alike in order) whose
    key was new into ``table``; answer the RETURNING rows of ``table``.

    ``unique`` names the columns of ``keys_table``'s unique key, the last of which ``table`` has too; a key
    already present (or being inserted by a concurrent transaction, which this one then waits for) skips
    its row. ``drawn`` = (column, sequence): each new key takes the next value of ``sequence`` into
    ``column`` of both tables, in the order given (on SQLite ``column`` is ``table``'s autoincrementing key,
    and ``keys_table`` is given the values it took). PostgreSQL does it all in one statement (a data-modifying
    WITH); SQLite runs the two inserts and an update. ``first`` (PostgreSQL only: its SQL, with ``%s``
    markers, and parameters) is a query that runs to its end before any key is inserted, in the same
    statement: e.g. taking locks.
    """
    if not keys:
        return []
    key, (column, sequence) = unique[-1], drawn
    if _marker(session) == "?":
        fresh = {found for (found,) in insert(session, keys_table, key_columns, keys, conflict=unique,
                                              returning=(key,))}
        position = columns.index(key)
        found = insert(session, table, columns, [row for row in rows if row[position] in fresh],
                       returning=returning)
        # Each new key's row in keys_table takes the value its row in table drew.
        at = [key_columns.index(name) for name in unique]
        key_of = {row[at[-1]]: tuple(row[i] for i in at) for row in keys}
        at_key, at_drawn = returning.index(key), returning.index(column)
        where = " AND ".join(f"{name} = ?" for name in unique)
        _run(session, f"UPDATE {keys_table} SET {column} = ? WHERE {where}",  # noqa: S608  (identifiers)
             [(row[at_drawn], *key_of[row[at_key]]) for row in found], many=True, rows=False)
        return found
    listed = ", ".join(columns)
    # The gate is a condition on no row (an InitPlan, PostgreSQL's "One-Time Filter"): it reads ``first``
    # to its end before the first key is produced.
    head, gate = ("WITH ", "") if first is None else (
        f"WITH first AS MATERIALIZED ({first[0]}), ", " WHERE (SELECT count(*) FROM first) >= 0")
    key_arrays, key_literal = _array_casts(keys_table, tuple(key_columns))
    arrays, literal = _array_casts(table, tuple(columns))
    # nextval() in the select list of an ordered query is evaluated after the sort: in the order given.
    sql = (f"{head}fresh AS (INSERT INTO {keys_table} ({', '.join(key_columns)}, {column}) "  # noqa: S608  (identifiers)
           f"SELECT {', '.join(f'k.{name}' for name in key_columns)}, nextval('{sequence}') "
           f"FROM {key_arrays} WITH ORDINALITY AS k({', '.join(key_columns)}, position){gate} ORDER BY k.position "
           f"ON CONFLICT ({', '.join(unique)}) DO NOTHING RETURNING {key}, {column}) "
           f"INSERT INTO {table} ({column}, {listed}) SELECT fresh.{column}, "
           f"{', '.join(f'given.{name}' for name in columns)} "
           f"FROM {arrays} WITH ORDINALITY AS given({listed}, position) JOIN fresh ON fresh.{key} = given.{key} "
           f"ORDER BY given.position RETURNING {', '.join(returning)}")
    params = (*(first[1] if first is not None else ()), *_arrays(keys, key_literal), *_arrays(rows, literal))
    return _run(session, sql, params)


def select_in(session: Session, sql: str, params: Sequence, values: Sequence, *, replan: bool = False,
              before: tuple[str, Sequence[str], Sequence[tuple]] | None = None) -> list[tuple]:
    """The rows of ``sql`` for every value of ``values``.

    ``sql`` uses ``?`` for the ``params`` and ends with ``IN_VALUES``, which stands for membership in
    ``values`` (``IN (?, ...)`` or ``= ANY(%b)``)::

        select_in(session, "SELECT seq FROM statements WHERE tenant_id = ? AND ref_target IN_VALUES",
                  (tenant_id,), ids)

    ``IN_ROWS`` instead stands for ``IN (SELECT unnest(%b))`` on PostgreSQL, a join with the values, for
    thousands of them against a column whose index also serves other conditions: without fresh statistics
    PostgreSQL may read ``= ANY`` as a filter, comparing every row the other conditions find with every value.
    ``replan``: see ``_run``. ``before``: (table, columns, rows) to insert first, which PostgreSQL does in
    the same statement (a data-modifying WITH, one round trip); the select does not see those rows.
    """
    postgres = _marker(session) == "%s"
    if before is not None and (not postgres or not values):
        insert(session, *before)
        before = None
    if not values:
        return []
    values = list(values)
    if postgres:
        sql = sql.replace("?", "%s").replace("IN_VALUES", "= ANY(%b)").replace("IN_ROWS", "IN (SELECT unnest(%b))")
        head: list = []
        if before is not None and before[2]:
            written, head = _pg_insert(*before)
            sql = f"WITH written AS ({written}) {sql}"
        return _run(session, sql, (*head, *params, values), replan=replan)
    sql = sql.replace("IN_ROWS", "IN_VALUES")
    found: list[tuple] = []
    for start in range(0, len(values), IN_CHUNK):
        chunk = values[start:start + IN_CHUNK]
        found.extend(_run(session, sql.replace("IN_VALUES", "IN (" + ", ".join(["?"] * len(chunk)) + ")"),
                          (*params, *chunk)))
    return found


def select_unique(session: Session, table: str, key: str, values: Sequence, columns: Sequence[str],
                  where: Sequence[tuple[str, object]] = ()) -> list[tuple]:
    """The rows of ``table`` whose unique ``key`` (with the ``where`` columns' values) is one of ``values``,
    as (key, *columns).

    On PostgreSQL, one index probe per value (a LATERAL join), planned for each execution (``_run``'s
    ``replan``): without statistics, PostgreSQL may plan an ``= ANY`` lookup as a search by the other
    conditions alone, comparing every row of the tenant with every value.
    """
    if not values:
        return []
    names = ", ".join(columns)
    conditions = "".join(f"{column} = ? AND " for column, _ in where)
    fixed = [value for _, value in where]
    if _marker(session) == "?":
        return select_in(session, f"SELECT {key}, {names} FROM {table} WHERE {conditions}{key} IN_VALUES",  # noqa: S608
                         fixed, values)
    sql = (f"SELECT given.value, found.* FROM unnest(%b::{_pg_type(table, key)}[]) AS given(value) "  # noqa: S608  (identifiers)
           f"CROSS JOIN LATERAL (SELECT {names} FROM {table} WHERE {conditions.replace('?', '%s')}"
           f"{key} = given.value LIMIT 1) AS found")
    return _run(session, sql, (list(values), *fixed), replan=True)


def fetch_one(session: Session, sql: str, params: Sequence) -> tuple | None:
    """The first row of ``sql`` (``?`` marks the ``params``) straight from the driver, or None."""
    if _marker(session) == "%s":
        sql = sql.replace("?", "%s")
    found = _run(session, sql, tuple(params))
    return found[0] if found else None
