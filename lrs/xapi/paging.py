"""The SQL of one page of GET /statements, shaped so that its cost follows the page, not the store.

A page is the newest (or, ``ascending``, the oldest) statements in ``seq`` order that match the filters.
With a filter, ``statement_index`` drives: its lookup index (tenant, value, kind, seq) lists the statements
of one value and kind in ``seq`` order, so the database walks it from the right end, joins each statement
by its key and stops after a page, whatever the store holds. A filter that spans two kinds
(``related_agents``, ``related_activities``) walks each kind the same way and merges the two short lists.
Further filters are checked per statement through the index's primary key (seq, kind, value). Without a
filter, the statements' own (tenant, seq) index serves the page.

A ``since``/``until`` window is a range of the (tenant, stored) index, not of ``seq``: ``stored`` follows
``seq`` only roughly (it is set before a write, and writes overlap). A window of a few thousand statements
or fewer (counted first, up to ``SMALL_WINDOW``) therefore drives the page itself: its statements are read
from that index and sorted, with every filter checked per statement. A larger window is left to the walk
above, bounded in ``seq`` by the window's edges (``seq_floor``, ``seq_ceiling``), so that it neither starts
at the beginning of the log (an ascending page after ``since``) nor runs past the window's end looking for
more matches. ``stored`` and ``seq`` are close enough for that: the store gives a statement its seq within
STORED_LAG of its ``stored`` stamp, or stamps it again (``lrs.xapi.store``). So a statement stored at or
before ``since`` − STORED_LAG took its seq before any statement stored after ``since`` did, and its seq is
a floor for the window; symmetrically, one stored after ``until`` + STORED_LAG gives a ceiling. Finding
either is one probe of the (tenant, stored) index. SQLite plans without knowing how
many rows a range holds, and would walk the log in ``seq`` order even for a small window: a window page
therefore orders and bounds ``seq + 0``, an expression no index offers, which leaves (tenant, stored) the
best index to SQLite; PostgreSQL's statistics lead it to the same plan. Plain SQLAlchemy Core: the same
statements on SQLite and PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, exists, func, select, union
from sqlalchemy.orm import aliased

from lrs.models import Statement, StatementIndex
from lrs.xapi.query import StatementQuery
from lrs.xapi.statements import (
    ACTIVITY,
    AGENT,
    REGISTRATION,
    RELATED_ACTIVITY,
    RELATED_AGENT,
    VERB,
    activity_hash,
    registration_hash,
    verb_hash,
)

Filter = tuple[tuple[int, ...], int]  # the kinds a value may be indexed under, and the value's hash
COLUMNS = (Statement.seq, Statement.payload, Statement.attachment_hashes, Statement.stored_us)
SMALL_WINDOW = 5000  # statements: up to this many in a since/until window, the window drives the page
STORED_LAG_US = 10_000_000  # a statement takes its seq within this long of its stored stamp (lrs.xapi.store)


def filters(q: StatementQuery) -> list[Filter]:
    """The index filters of a query, the usually most selective first: it is the one that drives."""
    wanted: list[Filter] = []
    if q.registration is not None:
        wanted.append(((REGISTRATION,), registration_hash(q.registration)))
    if q.agent_hash is not None:
        wanted.append(((AGENT, RELATED_AGENT) if q.related_agents else (AGENT,), q.agent_hash))
    if q.activity is not None:
        wanted.append(((ACTIVITY, RELATED_ACTIVITY) if q.related_activities else (ACTIVITY,),
                       activity_hash(q.activity)))
    if q.verb is not None:
        wanted.append(((VERB,), verb_hash(q.verb)))
    return wanted


def _seq_range(column, q: StatementQuery, bound: int, floor: int | None) -> list[ColumnElement[bool]]:
    """The page's place in the log: above ``floor``, at most ``bound``, and past the previous page's last one."""
    conditions = [column <= bound]
    if floor is not None:
        conditions.append(column > floor)
    if q.after_seq is not None:
        conditions.append(column > q.after_seq if q.ascending else column < q.after_seq)
    return conditions


def _statement_conditions(tenant_id: int, q: StatementQuery, credential_id: int | None, *,
                          probed: bool = False) -> list:
    """What a statement of the page must be. ``probed``: the statements are joined by seq (unique across
    tenants) to rows of the filter index, which is searched by tenant, and the store writes a statement's
    index rows under its own tenant: the tenant is not asked of the statement again. Asked, it let
    PostgreSQL without statistics combine each seq lookup with a scan of every statement of the tenant (a
    BitmapAnd per row of the walk); asked as an expression no index offers, it misled the estimates with
    statistics into reading whole walks and sorting them.
    """
    conditions = [Statement.voided.is_(False)] if probed else [Statement.tenant_id == tenant_id,
                                                               Statement.voided.is_(False)]
    if credential_id is not None:
        conditions.append(Statement.credential_id == credential_id)
    if q.since_us is not None:
        conditions.append(Statement.stored_us > q.since_us)
    if q.until_us is not None:
        conditions.append(Statement.stored_us <= q.until_us)
    return conditions


def _has(kinds: tuple[int, ...], value: int) -> ColumnElement[bool]:
    """The statement is indexed under ``value`` in one of ``kinds`` (a primary-key lookup per kind)."""
    row = aliased(StatementIndex)
    kind = row.kind.in_(kinds) if len(kinds) > 1 else row.kind == kinds[0]
    return exists().where(row.seq == Statement.seq, kind, row.value_hash == value)


def window_count(tenant_id: int, q: StatementQuery) -> Select | None:
    """How many statements the since/until window holds, counted up to SMALL_WINDOW; None without one."""
    if q.since_us is None and q.until_us is None:
        return None
    conditions = [Statement.tenant_id == tenant_id]
    if q.since_us is not None:
        conditions.append(Statement.stored_us > q.since_us)
    if q.until_us is not None:
        conditions.append(Statement.stored_us <= q.until_us)
    # In index order: read from the (tenant, stored) index however many statements the window holds.
    window = (select(Statement.stored_us).where(*conditions).order_by(Statement.stored_us)
              .limit(SMALL_WINDOW).subquery())
    return select(func.count()).select_from(window)


def seq_floor(tenant_id: int, since_us: int) -> Select:
    """The seq of a statement stored before every statement stored after ``since_us`` (none: no floor).

    The newest statement stored at or before ``since_us`` − STORED_LAG_US took its seq no later than
    ``since_us`` by the clock, and every statement stored after ``since_us`` took its seq after that.
    """
    return (select(Statement.seq).where(Statement.tenant_id == tenant_id,
                                        Statement.stored_us <= since_us - STORED_LAG_US)
            .order_by(Statement.stored_us.desc()).limit(1))


def seq_ceiling(tenant_id: int, until_us: int) -> Select:
    """The seq of a statement stored after every statement stored at or before ``until_us`` (none: no ceiling)."""
    return (select(Statement.seq).where(Statement.tenant_id == tenant_id,
                                        Statement.stored_us > until_us + STORED_LAG_US)
            .order_by(Statement.stored_us.asc()).limit(1))


def page_select(tenant_id: int, q: StatementQuery, bound: int, credential_id: int | None,
                rows: int, *, small_window: bool = False, floor: int | None = None) -> Select:
    """The statement answering ``rows`` rows of (seq, payload, attachment_hashes, stored_us), in page order.

    ``small_window``: the since/until window holds fewer than SMALL_WINDOW statements (``window_count``).
    ``floor``: no statement of the page has a seq at or below it (``seq_floor``); ``bound`` likewise from above.
    """
    wanted = filters(q)
    conditions = _statement_conditions(tenant_id, q, credential_id, probed=bool(wanted) and not small_window)
    if small_window:
        key = Statement.seq + 0  # not the bare column, which SQLite would walk: see above
        probes = [_has(kinds, value) for kinds, value in wanted]
        return (select(*COLUMNS).where(*conditions, *_seq_range(key, q, bound, floor), *probes)
                .order_by(key.asc() if q.ascending else key.desc()).limit(rows))
    if not wanted:
        order = Statement.seq.asc() if q.ascending else Statement.seq.desc()
        return (select(*COLUMNS).where(*conditions, *_seq_range(Statement.seq, q, bound, floor))
                .order_by(order).limit(rows))
    (kinds, value), others = wanted[0], wanted[1:]
    conditions += [_has(other_kinds, other_value) for other_kinds, other_value in others]
    walks = []
    for kind in kinds:
        row = aliased(StatementIndex)
        walks.append(
            select(*COLUMNS).select_from(row).join(Statement, Statement.seq == row.seq)
            .where(row.tenant_id == tenant_id, row.value_hash == value, row.kind == kind,
                   *_seq_range(row.seq, q, bound, floor), *conditions)
            .order_by(row.seq.asc() if q.ascending else row.seq.desc()).limit(rows))
    if len(walks) == 1:
        return walks[0]
    # Each walk is a page long at most; a statement indexed under both kinds comes once (UNION).
    merged = union(*(select(walk.subquery()) for walk in walks)).subquery()
    return (select(merged.c.seq, merged.c.payload, merged.c.attachment_hashes, merged.c.stored_us)
            .order_by(merged.c.seq.asc() if q.ascending else merged.c.seq.desc()).limit(rows))
