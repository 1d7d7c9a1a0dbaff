"""The statement store: writes a batch in one transaction and answers queries.

The statement table is the log (``seq`` is its monotonic sequence number). ``statement_index`` holds
what filters look statements up by, including what a statement inherits from the statement it targets
through a StatementRef (Communication 2.1.3, "Filter Conditions for StatementRefs"), whichever of the two
arrives first. This module never commits: the use case that calls it does.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import orjson
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lrs.models import Activity, Attachment, Statement
from lrs.xapi import bulk, paging
from lrs.xapi.activities import merge_definition
from lrs.xapi.batch import STATEMENT_COLUMNS, Batch, Keys, build
from lrs.xapi.errors import BadRequest, Conflict, Unavailable
from lrs.xapi.query import StatementQuery
from lrs.xapi.statements import (
    index_keys,
    is_voiding,
    same_statement,
    statement_ref_target,
)

CHUNK = 500  # ids per IN (...) list
# PostgreSQL: advisory locks that order a statement and a StatementRef to it written concurrently.
COARSE = 0x4C5253  # "LRS": the namespace of coarse buckets
FINE = COARSE + 1  # the namespace of fine buckets
FINE_BUCKETS = 1024  # per tenant
COARSE_BUCKETS = 32  # per tenant: a fine bucket lies in coarse bucket (key % COARSE_BUCKETS)
SMALL_WRITE = 64  # fine buckets a write may lock; a write touching more locks coarse buckets
INDEX_COLUMNS = ("tenant_id", "seq", "kind", "value_hash")  # of statement_index
DIRECTORY_COLUMNS = ("tenant_id", "statement_id", "ref_target", "is_voiding")  # of statement_ids, less seq
REF_TARGET, IS_VOIDING = STATEMENT_COLUMNS.index("ref_target"), STATEMENT_COLUMNS.index("is_voiding")
# The longest a statement may wait between its stored stamp and its seq: half the lag queries allow for
# (lrs.xapi.paging), leaving the other half for the clocks of several servers to disagree.
MAX_STAMP_AGE_US = paging.STORED_LAG_US // 2


def now_us() -> int:
    """The clock the stamp's age is measured by (the wall clock, as ``stored`` is)."""
    return time.time_ns() // 1000


class LateWrite(Unavailable):
    """The statements' stored stamp is older than MAX_STAMP_AGE_US by the time they took their seq.

    The write is undone; ``lrs.xapi.service`` stamps the statements again and retries once.
    """


@dataclass
class WriteResult:
    ids: list[str]
    stored: list[str] = field(default_factory=list)  # ids newly stored (not already present)


@dataclass
class Page:
    """A page of statements as stored: JSON text, parsed only by what needs more than the exact form."""

    rows: list[tuple[int, str, str | None, int]]  # (seq, the statement's JSON, attachment hashes, stored_us)
    more: StatementQuery | None

    @property
    def statements(self) -> list[dict]:
        return [orjson.loads(payload) for _, payload, _, _ in self.rows]

    @property
    def exact(self) -> list[orjson.Fragment]:
        """The statements in the exact format, ready to embed in a JSON answer without parsing them."""
        return [orjson.Fragment(payload) for _, payload, _, _ in self.rows]

    @property
    def attachment_hashes(self) -> list[str]:
        return [h for _, _, held, _ in self.rows if held for h in held.split()]

    @property
    def newest_stored_us(self) -> int | None:
        return max((stored for _, _, _, stored in self.rows), default=None)


def dialect_insert(session: Session, model):
    name = session.get_bind().dialect.name
    return (postgresql.insert if name == "postgresql" else sqlite.insert)(model)


def _chunks(items: Sequence, size: int = CHUNK) -> Iterable[list]:
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _buckets(tenant_id: int, statement_id: str) -> tuple[int, int]:
    """The coarse and the fine bucket (31-bit advisory lock keys) of a statement id in a tenant."""
    fine = zlib.crc32(statement_id.encode()) % FINE_BUCKETS
    return ((tenant_id * COARSE_BUCKETS + fine % COARSE_BUCKETS) % 2**31,
            (tenant_id * FINE_BUCKETS + fine) % 2**31)


class StatementStore:
    def __init__(self, session: Session, tenant_id: int):
        self.session = session
        self.tenant_id = tenant_id

    # -- writing ------------------------------------------------------------------------------------------

    def write(self, statements: Sequence[dict], *, credential_id: int | None, define: bool,
              attachments: dict[str, tuple[str, bytes]] | None = None) -> WriteResult:
        """Store prepared statements (ids set) all or nothing; already stored equal ones are skipped."""
        return self.write_batch(build(statements, self.tenant_id, credential_id, attachments or {}),
                                define=define, attachments=attachments)

    def write_batch(self, batch: Batch, *, define: bool,
                    attachments: dict[str, tuple[str, bytes]] | None = None) -> WriteResult:
        """Store a batch (see ``lrs.xapi.batch.build``) all or nothing; already stored equal ones are skipped.

        Communication 2.1.1/2.1.2: an id already stored with other content → 409; an id already stored with
        the same content changes nothing. The rows are inserted first (a statement id already stored is
        skipped by the unique key, so concurrent writers of one id wait for each other instead of failing);
        a conflict found then undoes the whole write.
        """
        statements = batch.statements
        seq_of = self._insert(batch.rows, self._reference_locks(statements))
        self._check_skipped([s for s in statements if s["id"] not in seq_of], batch.position)
        fresh = [s for s in statements if s["id"] in seq_of]
        if fresh:
            targets = self._targets(fresh)
            self._check_voiding(fresh, targets, batch.position)
            self._index(fresh, seq_of, targets, batch.keys)
            self._store_attachments(attachments or {})
            self._record_activities(batch.definitions_of(fresh), define)
        return WriteResult(ids=[s["id"] for s in statements], stored=[s["id"] for s in fresh])

    def _reference_locks(self, statements: Sequence[dict]) -> tuple[str, list] | None:
        """PostgreSQL: the query that orders this write against concurrent ones it shares a StatementRef
        with (the insert of the statements runs it first, in the same statement).

        A statement and a StatementRef to it written at the same time must not both miss the other
        (each would look before the other commits). Every write takes a shared lock on the buckets of the
        ids it stores, and an exclusive one on the buckets of the ids it targets; its lookups of targets
        and referrers come after, so the later of two such writes sees what the earlier one committed.
        Small writes without StatementRefs never wait for one another. SQLite runs one writer at a time.

        Buckets come at two sizes. A write of up to SMALL_WRITE ids locks each id's fine bucket (one of
        FINE_BUCKETS, as above) and, shared, the coarse bucket it lies in (one of COARSE_BUCKETS); a larger
        write locks coarse buckets only, exclusively. Small writes then conflict only when they share a
        fine bucket, which a batch with a StatementRef rarely does, and a large write takes at most
        COARSE_BUCKETS locks (PostgreSQL's lock table is sized for a few dozen per transaction) and
        conflicts with every write in its coarse buckets. Coarse buckets are always taken first, then fine
        ones, each in key order, so writes cannot deadlock.
        """
        if self.session.get_bind().dialect.name != "postgresql":
            return None
        own = {_buckets(self.tenant_id, statement["id"]) for statement in statements}
        targeted = {_buckets(self.tenant_id, t) for t in map(statement_ref_target, statements) if t is not None}
        large = len({fine for _, fine in own | targeted}) > SMALL_WRITE
        modes: dict[tuple[int, int], bool] = {}  # (namespace, key) -> exclusive
        modes.update(((COARSE, coarse), large) for coarse, _ in own | targeted)
        if not large:
            modes.update(((FINE, fine), False) for _, fine in own)
            modes.update(((FINE, fine), True) for _, fine in targeted)
        keys = sorted(modes)  # coarse buckets first: COARSE < FINE
        return ("SELECT CASE WHEN u.exclusive THEN pg_advisory_xact_lock(u.space, u.key)::text "
                "ELSE pg_advisory_xact_lock_shared(u.space, u.key)::text END "
                "FROM unnest(CAST(%s AS integer[]), CAST(%s AS integer[]), CAST(%s AS boolean[])) "
                "AS u(space, key, exclusive)",
                [bulk.array_literal([space for space, _ in keys]), bulk.array_literal([key for _, key in keys]),
                 bulk.array_literal([modes[k] for k in keys])])

    def _insert(self, rows: dict[str, tuple], locks: tuple[str, list] | None) -> dict[str, int]:
        """Insert the statements not stored yet; answer the seq of each one inserted, by statement id.

        ``locks`` (see ``_reference_locks``) are taken first. The ids go next into ``statement_ids``, whose
        key skips those already stored (a concurrent writer of the same id waits there until the other
        commits), each with the seq it takes; the rows of the others follow.
        """
        returned = bulk.insert_keyed(
            self.session, "statement_ids", DIRECTORY_COLUMNS,
            [(self.tenant_id, sid, row[REF_TARGET], row[IS_VOIDING]) for sid, row in rows.items()],
            "statements", STATEMENT_COLUMNS, list(rows.values()), unique=("tenant_id", "statement_id"),
            drawn=("seq", "statements_seq_seq"), returning=("seq", "statement_id", "stored_us"), first=locks)
        if returned:  # the seqs are taken: check they came soon enough after the stamp (lrs.xapi.paging)
            age = now_us() - min(stored_us for _, _, stored_us in returned)
            if age > MAX_STAMP_AGE_US:
                raise LateWrite(f"the statements waited {age / 1e6:.1f} s between their stored stamp and their "
                                "place in the log; nothing was stored, send them again", path="stored")
        return {sid: seq for seq, sid, _ in returned}  # rows come back in any order: matched by id

    def _check_skipped(self, skipped: list[dict], position: dict[str, int]) -> None:
        """Statements already stored must be the same statement (Data 2.3.1), or the write is a conflict."""
        if not skipped:
            return
        stored = {sid: orjson.loads(payload) for sid, payload in bulk.select_unique(
            self.session, "statements", "statement_id", sorted(s["id"] for s in skipped), ("payload",),
            [("tenant_id", self.tenant_id)])}
        for statement in sorted(skipped, key=lambda s: position[s["id"]]):
            if statement["id"] not in stored:  # erased while this write waited for its id
                raise Conflict(f"statement {statement['id']} is being erased; send it again",
                               path=f"$[{position[statement['id']]}]")
            if not same_statement(stored[statement["id"]], statement):
                raise Conflict(f"statement {statement['id']} is already stored with different content",
                               path=f"$[{position[statement['id']]}]")

    def _targets(self, fresh: list[dict]) -> dict[str, tuple[bool, Keys]]:
        """Stored statements the batch targets outside itself: whether each is voiding, and its index keys."""
        in_batch = {s["id"] for s in fresh}
        wanted = {t for t in map(statement_ref_target, fresh) if t is not None and t not in in_batch}
        # Two lookups by key, not a join: a join's plan rests on the tables' statistics, and with stale ones
        # PostgreSQL would scan the whole index table for a handful of targets. The first reads the directory
        # of ids (one table), not the partitioned log.
        stored = bulk.select_unique(self.session, "statement_ids", "statement_id", sorted(wanted),
                                    ("seq", "is_voiding"), [("tenant_id", self.tenant_id)])
        found: dict[str, tuple[bool, Keys]] = {sid: (bool(voiding), set()) for sid, _, voiding in stored}
        id_of = {seq: sid for sid, seq, _ in stored}
        # By seq alone (the key's first column; the seqs are this tenant's): with the tenant too, SQLite would
        # walk the tenant's whole (tenant, value, kind, seq) index instead.
        for seq, kind, value in bulk.select_in(
                self.session, "SELECT seq, kind, value_hash FROM statement_index WHERE seq IN_VALUES", (),
                sorted(id_of)):
            found[id_of[seq]][1].add((kind, value))
        return found

    def _check_voiding(self, fresh: list[dict], targets: dict[str, tuple[bool, Keys]],
                       position: dict[str, int]) -> None:
        """A voiding statement must not target a voiding statement (Data 2.3.2); an unknown target is fine."""
        batch_voiding = {s["id"] for s in fresh if is_voiding(s)}
        for statement in fresh:
            if not is_voiding(statement):
                continue
            target = statement_ref_target(statement)
            if target in batch_voiding or (target in targets and targets[target][0]):
                raise BadRequest(f"statement {target} is a voiding statement and cannot be voided",
                                 path=f"$[{position[statement['id']]}].object.id")

    def _index(self, fresh: list[dict], seq_of: dict[str, int], targets: dict[str, tuple[bool, Keys]],
               own: dict[str, Keys]) -> None:
        """Index the batch (each statement with what its StatementRef target chain is found by), pass the
        new keys on to stored statements that target the batch, and apply voiding both ways."""
        keys_of = self.batch_keys(fresh, targets, own)
        target_of = {s["id"]: t for s in fresh if (t := statement_ref_target(s)) is not None}
        rows = [(self.tenant_id, seq_of[sid], kind, value) for sid, keys in keys_of.items() for kind, value in keys]
        to_void = {target_of[s["id"]] for s in fresh if is_voiding(s)}
        voidable = {s["id"] for s in fresh if not is_voiding(s)}
        to_void |= self._propagate(keys_of, set(seq_of.values()), voidable, rows)
        if to_void:
            for chunk in _chunks(sorted(to_void)):
                self.session.execute(
                    update(Statement)
                    .where(Statement.tenant_id == self.tenant_id, Statement.statement_id.in_(chunk),
                           Statement.is_voiding.is_(False))
                    .values(voided=True))

    def batch_keys(self, fresh: list[dict], targets: dict[str, tuple[bool, Keys]] | None = None,
                   own: dict[str, Keys] | None = None) -> dict[str, Keys]:
        """Each statement's index keys with those of the statements it targets, in the batch or stored.

        ``own``: the keys the statements carry themselves, when already known (a superset of ``fresh``).
        """
        targets = self._targets(fresh) if targets is None else targets
        own = own if own is not None else {s["id"]: index_keys(s) for s in fresh}
        target_of = {s["id"]: t for s in fresh if (t := statement_ref_target(s)) is not None}
        return {s["id"]: self._inherited(s["id"], own, target_of, targets) for s in fresh}

    @staticmethod
    def _inherited(sid: str, own: dict[str, Keys], target_of: dict[str, str],
                   stored: dict[str, tuple[bool, Keys]]) -> Keys:
        """A statement's keys with those of the statements it targets, recursively (a cycle ends it)."""
        if sid not in target_of:
            return own[sid]
        keys = set(own[sid])
        visited = {sid}
        target = target_of.get(sid)
        while target is not None and target not in visited:
            visited.add(target)
            if target in own:
                keys |= own[target]
                target = target_of.get(target)
            else:
                keys |= stored.get(target, (False, set()))[1]
                break
        return keys

    def _propagate(self, keys_of: dict[str, Keys], batch_seqs: set[int], voidable: set[str],
                   index_rows: list[tuple[int, int, int, int]]) -> set[str]:
        """Write the batch's index rows; stored statements that target the batch gain its keys, and so do
        their referrers, recursively.

        The index rows go in with the first lookup of referrers (one statement on PostgreSQL). Answers the
        ids in ``voidable`` that a stored voiding statement targets (it arrived first).
        """
        gained = dict(keys_of)
        seen = set(batch_seqs)
        to_void: set[str] = set()
        written: tuple | None = ("statement_index", INDEX_COLUMNS, index_rows)
        while gained:
            # By target alone, the tenant checked here: with a tenant condition, both databases can pick the
            # directory's key (tenant, id) and walk every id of the tenant, SQLite always and PostgreSQL
            # without statistics; the index of targets (the only one by ref_target) finds a handful of rows.
            referrers = bulk.select_in(
                self.session, "SELECT tenant_id, seq, statement_id, ref_target, is_voiding FROM statement_ids "
                "WHERE ref_target IN_VALUES", (), sorted(gained), replan=True, before=written)
            written = None
            rows: list[tuple[int, int, int]] = []
            passed_on: dict[str, Keys] = {}
            for tenant_id, seq, sid, target, voiding in referrers:
                if tenant_id != self.tenant_id:  # the same id stored in another tenant
                    continue
                if voiding and target in voidable:
                    to_void.add(target)
                if seq in seen:
                    continue
                seen.add(seq)
                passed_on[sid] = gained[target]
                rows.extend((seq, kind, value) for kind, value in sorted(gained[target]))
            self._insert_index(rows, existing_ok=True)
            gained, voidable = passed_on, set()
        return to_void

    def _insert_index(self, rows: list[tuple[int, int, int]], existing_ok: bool = False) -> None:
        """Insert (seq, kind, value_hash) rows in as few statements as the database allows."""
        bulk.insert(self.session, "statement_index", INDEX_COLUMNS, [(self.tenant_id, *row) for row in rows],
                    conflict=("seq", "kind", "value_hash") if existing_ok else None)

    def _store_attachments(self, attachments: dict[str, tuple[str, bytes]]) -> None:
        rows = [(self.tenant_id, sha2, ctype, content) for sha2, (ctype, content) in sorted(attachments.items())]
        bulk.insert(self.session, "attachments", ("tenant_id", "sha2", "content_type", "content"), rows,
                    conflict=("tenant_id", "sha2"))

    def _record_activities(self, found: dict[str, dict], define: bool) -> None:
        """Keep a canonical definition per activity id: the first seen, then updates from ``define``.

        With ``define``, the activities already known are read first, and only the others inserted (in a
        steady state, none). Rows are written in id order, so concurrent batches cannot deadlock. A stored
        definition whose text is the one the batch gives (the usual case: a tool sends the same definition
        each time) is left as it is without being parsed.
        """
        if not found:
            return
        ids = sorted(found)
        given = {iri: orjson.dumps(found[iri]).decode() if found[iri] else None for iri in ids}
        current = self._definitions(ids) if define else {}
        missing = [iri for iri in ids if iri not in current]
        inserted = {row[0] for row in bulk.insert(
            self.session, "activities", ("tenant_id", "activity_id", "definition"),
            [(self.tenant_id, iri, given[iri]) for iri in missing],
            conflict=("tenant_id", "activity_id"), returning=("activity_id",))}
        if not define:
            return
        # Inserted just now, a row holds this batch's definition already; one that another writer inserted
        # between the lookup and the insert is merged into like the others.
        current.update(self._definitions([iri for iri in missing if iri not in inserted]))
        for iri in ids:
            if not found[iri] or iri not in current:
                continue
            row_id, text = current[iri]
            if text == given[iri]:  # merging a definition into itself changes nothing
                continue
            definition = orjson.loads(text) if text else {}
            merged = merge_definition(definition, found[iri])
            if merged != definition:
                self.session.execute(update(Activity).where(Activity.id == row_id)
                                     .values(definition=orjson.dumps(merged).decode()))

    def _definitions(self, ids: list[str]) -> dict[str, tuple[int, str | None]]:
        """The row id and definition (JSON text) of each of ``ids`` the tenant has."""
        rows = bulk.select_unique(self.session, "activities", "activity_id", ids, ("id", "definition"),
                                  [("tenant_id", self.tenant_id)])
        return {iri: (row_id, text) for iri, row_id, text in rows}

    # -- reading ------------------------------------------------------------------------------------------

    def get(self, statement_id: str, *, voided: bool, credential_id: int | None = None
            ) -> tuple[dict, str | None] | None:
        """One statement by id; a voided one only through ``voided=True`` (Communication 2.1.4)."""
        conditions = [Statement.tenant_id == self.tenant_id, Statement.statement_id == statement_id.lower(),
                      Statement.voided.is_(voided)]
        if credential_id is not None:
            conditions.append(Statement.credential_id == credential_id)
        row = self.session.execute(
            select(Statement.payload, Statement.attachment_hashes).where(*conditions)).first()
        if row is None:
            return None
        return orjson.loads(row.payload), row.attachment_hashes

    def max_seq(self) -> int:
        """The newest seq the log has handed out, to any tenant: no statement stored so far has a greater one.

        Read from the sequence itself, not from the table: on partitioned PostgreSQL a max() over the table is
        planned across every partition, which costs more than the page it bounds.
        """
        if self.session.get_bind().dialect.name == "postgresql":
            sql = "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM statements_seq_seq"
        else:
            sql = "SELECT seq FROM sqlite_sequence WHERE name = 'statements'"
        return self.session.connection().exec_driver_sql(sql).scalar() or 0

    def query(self, q: StatementQuery, page_size: int, credential_id: int | None = None) -> Page:
        """A page of the statements matching ``q``, newest first unless ``ascending`` (C 2.1.3).

        The order is the log's (``seq``): the order statements were stored in. ``stored`` is set just before
        a write, so it follows the same order except between writes running at the same moment. Ordering
        by ``seq`` lets both (tenant, seq) and the filter index (value, kind, seq) serve a page without
        sorting (``lrs.xapi.paging``; a since/until window is counted first, to choose what drives). The
        first page fixes ``bound_seq``, the newest statement the query covers; later pages
        (the ``more`` link) continue after the last seq returned, so following ``more`` to the end gives
        each statement once even while new ones arrive (Data 2.5).
        """
        bound = q.bound_seq if q.bound_seq is not None else self.max_seq()
        limit = q.limit or page_size
        if q.window is not None:  # a later page: as the first page found the window
            window, floor = q.window, q.floor_seq
        else:
            window, floor, bound = self._window(q, bound)
        rows = list(self.session.execute(paging.page_select(self.tenant_id, q, bound, credential_id, limit + 1,
                                                            small_window=window == "small", floor=floor)))
        more = None
        if len(rows) > limit:
            rows = rows[:limit]
            more = q.next_page(rows[-1].seq, bound, window, floor)
        return Page([(r.seq, r.payload, r.attachment_hashes, r.stored_us) for r in rows], more)

    def _window(self, q: StatementQuery, bound: int) -> tuple[str | None, int | None, int]:
        """How the since/until window is read: "small" (``paging.window_count``), "large" or None without a
        window; for a large one, its floor in seq below ``since`` and ``bound`` lowered to its ceiling."""
        count = paging.window_count(self.tenant_id, q)
        if count is None:
            return None, None, bound
        if (self.session.scalar(count) or 0) < paging.SMALL_WINDOW:
            return "small", None, bound
        floor = None if q.since_us is None else self.session.scalar(paging.seq_floor(self.tenant_id, q.since_us))
        if q.until_us is not None:
            ceiling = self.session.scalar(paging.seq_ceiling(self.tenant_id, q.until_us))
            if ceiling is not None:
                bound = min(bound, ceiling - 1)
        return "large", floor, bound

    def attachments(self, hashes: Iterable[str]) -> dict[str, tuple[str, bytes]]:
        wanted = sorted(set(hashes))
        if not wanted:
            return {}
        rows = self.session.execute(
            select(Attachment.sha2, Attachment.content_type, Attachment.content).where(
                Attachment.tenant_id == self.tenant_id, Attachment.sha2.in_(wanted)))
        return {sha2: (ctype, bytes(content)) for sha2, ctype, content in rows}

    def activity_definitions(self, activity_ids: Iterable[str]) -> dict[str, dict]:
        ids = sorted(set(activity_ids))
        if not ids:
            return {}
        found: dict[str, dict] = {}
        for chunk in _chunks(ids):
            rows = self.session.execute(
                select(Activity.activity_id, Activity.definition).where(
                    Activity.tenant_id == self.tenant_id, Activity.activity_id.in_(chunk)))
            found.update((iri, orjson.loads(d)) for iri, d in rows if d)
        return found
