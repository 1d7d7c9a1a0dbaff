"""PostgreSQL: the statement log partitioned by time, one partition per calendar month of ``stored`` (UTC).

``statements`` is a table partitioned by range of ``stored_us`` (migration 0017), so a query with a
``since``/``until`` window reads only the months it covers (partition pruning), and old months can be
detached, archived or dropped whole. A default partition takes what no month holds. Months ahead are
created by ``ensure`` (``lrs partitions ensure``, run by ``lrs init`` and every hour by ``lrs worker``);
should statements have reached the default partition for a month first, creating that month moves them.
On SQLite nothing is partitioned and these functions do nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

MONTHS_AHEAD = 12
PARENT = "statements"
DEFAULT = "statements_default"
LOCK = 0x4C525350  # advisory lock key of partition maintenance


@dataclass(frozen=True)
class Partition:
    name: str
    lower_us: int | None  # None: the default partition
    upper_us: int | None
    rows: int  # the planner's estimate


def _micros(day: date) -> int:
    return int(datetime(day.year, day.month, 1, tzinfo=UTC).timestamp()) * 1_000_000


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def is_partition(table: str) -> bool:
    """Whether ``table`` is one of the statement log's partitions (named by ``month_name`` or DEFAULT)."""
    return table == DEFAULT or bool(re.fullmatch(r"statements_\d{4}_\d{2}", table))


def include_name(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic's autogenerate filter: the partitions and their indexes are not the models' business."""
    if type_ == "table":
        return not is_partition(name or "")
    return not is_partition(parent_names.get("table_name") or "")


def month_name(month: date) -> str:
    return f"statements_{month.year:04d}_{month.month:02d}"


def months_between(oldest_us: int | None, ahead: int = MONTHS_AHEAD, now: datetime | None = None) -> list[date]:
    """The first day of each month from the one holding ``oldest_us`` (or now) to ``ahead`` months after now."""
    now = now or datetime.now(UTC)
    current = date(now.year, now.month, 1)
    start = current
    if oldest_us is not None:
        oldest = datetime.fromtimestamp(oldest_us / 1_000_000, UTC)
        start = min(current, date(oldest.year, oldest.month, 1))
    months = [start]
    for _ in range(ahead + (current.year - start.year) * 12 + current.month - start.month):
        months.append(_next_month(months[-1]))
    return months


def is_partitioned(connection: Connection) -> bool:
    if connection.dialect.name != "postgresql":
        return False
    return bool(connection.scalar(sa.text(
        "SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(:parent)"), {"parent": PARENT}))


def create_months(connection: Connection, months: list[date]) -> list[str]:
    """Create the month partitions missing among ``months``; answer the names created.

    A month whose statements are in the default partition already is built apart, filled with them (they
    leave the default partition in the same transaction) and attached.
    """
    created = []
    connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK})  # one creator at a time
    for month in months:
        name = month_name(month)
        if connection.scalar(sa.text("SELECT to_regclass(:name)"), {"name": name}) is not None:
            continue
        lower, upper = _micros(month), _micros(_next_month(month))
        stray = connection.scalar(sa.text(
            f"SELECT 1 FROM {DEFAULT} WHERE stored_us >= :lower AND stored_us < :upper LIMIT 1"),  # noqa: S608
            {"lower": lower, "upper": upper})
        if stray is None:
            connection.execute(sa.text(
                f"CREATE TABLE {name} PARTITION OF {PARENT} FOR VALUES FROM ({lower}) TO ({upper})"))
        else:
            connection.execute(sa.text(f"CREATE TABLE {name} (LIKE {PARENT} INCLUDING DEFAULTS)"))
            connection.execute(sa.text(
                f"WITH moved AS (DELETE FROM {DEFAULT} WHERE stored_us >= {lower} AND stored_us < {upper} "  # noqa: S608
                f"RETURNING *) INSERT INTO {name} SELECT * FROM moved"))
            connection.execute(sa.text(
                f"ALTER TABLE {PARENT} ATTACH PARTITION {name} FOR VALUES FROM ({lower}) TO ({upper})"))
        created.append(name)
    return created


def ensure(connection: Connection, ahead: int = MONTHS_AHEAD, now: datetime | None = None) -> list[str]:
    """Create the partitions of this month and the ``ahead`` months after it where missing."""
    if not is_partitioned(connection):
        return []
    return create_months(connection, months_between(None, ahead, now))


def describe(connection: Connection) -> list[Partition]:
    """The partitions of the statement log, oldest first, the default one last."""
    if not is_partitioned(connection):
        return []
    rows = connection.execute(sa.text(
        "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid), GREATEST(c.reltuples, 0)::bigint "
        "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass(:parent)"),
        {"parent": PARENT})
    found = []
    for name, bound, estimate in rows:
        if bound == "DEFAULT":
            found.append(Partition(name, None, None, estimate))
            continue
        # FOR VALUES FROM ('1790812800000000') TO ('1793491200000000')
        lower, upper = (int(part.split("(")[1].split(")")[0].strip("'")) for part in bound.split(" TO "))
        found.append(Partition(name, lower, upper, estimate))
    return sorted(found, key=lambda p: (p.lower_us is None, p.lower_us or 0))
