"""The statement store: writes a batch in one transaction and answers queries.

The statement table is the log (``seq`` is its monotonic sequence number). ``statement_index`` holds
what filters look statements up by, including what a statement inherits from the statement it targets
through a StatementRef (Communication 2.1.3, "Filter Conditions for StatementRefs"). This module never
commits: the use case that calls it does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import orjson
from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lrs.models import Activity, Attachment, Statement, StatementIndex
from lrs.xapi import formats
from lrs.xapi.errors import BadRequest, Conflict
from lrs.xapi.query import StatementQuery
from lrs.xapi.statements import (
    ACTIVITY,
    AGENT,
    REGISTRATION,
    RELATED_ACTIVITY,
    RELATED_AGENT,
    VERB,
    activity_hash,
    index_keys,
    is_voiding,
    registration_hash,
    same_statement,
    statement_ref_target,
    verb_hash,
)


@dataclass
class WriteResult:
    ids: list[str]
    stored: list[str] = field(default_factory=list)  # ids newly stored (not already present)


@dataclass
class Page:
    statements: list[tuple[int, dict, str | None]]  # (seq, statement, attachment hashes)
    more: StatementQuery | None


def dialect_insert(session: Session, model):
    name = session.get_bind().dialect.name
    return (postgresql.insert if name == "postgresql" else sqlite.insert)(model)


class StatementStore:
    def __init__(self, session: Session, tenant_id: int):
        self.session = session
        self.tenant_id = tenant_id

    # -- writing ------------------------------------------------------------------------------------------

    def write(self, statements: Sequence[dict], *, credential_id: int | None, define: bool,
              attachments: dict[str, tuple[str, bytes]] | None = None) -> WriteResult:
        """Store prepared statements (ids set) all or nothing; already stored equal ones are skipped."""
        ids = [s["id"] for s in statements]
        if len(set(ids)) != len(ids):
            duplicate = next(i for i in ids if ids.count(i) > 1)
            raise BadRequest(f"the batch holds statement id {duplicate} more than once",
                             path=f"$[{ids.index(duplicate)}].id")
        existing = self._existing(ids)
        fresh: list[dict] = []
        for index, statement in enumerate(statements):
            if statement["id"] in existing:
                if not same_statement(existing[statement["id"]], statement):
                    raise Conflict(f"statement {statement['id']} is already stored with different content",
                                   path=f"$[{index}]")
            else:
                fresh.append(statement)
        if fresh:
            self._check_voiding(fresh)
            self._insert(fresh, credential_id, attachments or {})
            self._record_activities(fresh, define)
        return WriteResult(ids=ids, stored=[s["id"] for s in fresh])

    def _existing(self, ids: list[str]) -> dict[str, dict]:
        found: dict[str, dict] = {}
        for chunk in _chunks(ids, 500):
            rows = self.session.execute(
                select(Statement.statement_id, Statement.payload).where(
                    Statement.tenant_id == self.tenant_id, Statement.statement_id.in_(chunk))
            )
            found.update((sid, orjson.loads(payload)) for sid, payload in rows)
        return found

    def _check_voiding(self, fresh: list[dict]) -> None:
        """A voiding statement must not target a voiding statement (Data 2.3.2)."""
        voiding_ids = {s["id"] for s in fresh if is_voiding(s)}
        targets = {statement_ref_target(s): i for i, s in enumerate(fresh) if is_voiding(s)}
        if not targets:
            return
        stored_voiding = set(self.session.scalars(
            select(Statement.statement_id).where(
                Statement.tenant_id == self.tenant_id, Statement.statement_id.in_(list(targets)),
                Statement.is_voiding.is_(True))))
        for target, index in targets.items():
            if target in voiding_ids or target in stored_voiding:
                raise BadRequest(f"statement {target} is a voiding statement and cannot be voided",
                                 path=f"$[{index}].object.id")

    def _insert(self, fresh: list[dict], credential_id: int | None,
                attachments: dict[str, tuple[str, bytes]]) -> None:
        rows = []
        for statement in fresh:
            held = [a["sha2"] for a in statement.get("attachments", ()) if a["sha2"] in attachments]
            rows.append({
                "tenant_id": self.tenant_id,
                "statement_id": statement["id"],
                "stored_us": formats.to_micros(formats.parse_timestamp(statement["stored"])),
                "credential_id": credential_id,
                "verb_id": statement["verb"]["id"],
                "ref_target": statement_ref_target(statement),
                "is_voiding": is_voiding(statement),
                "voided": False,
                "payload": orjson.dumps(statement).decode(),
                "attachment_hashes": " ".join(held) or None,
            })
        result = self.session.execute(
            insert(Statement).returning(Statement.seq, Statement.statement_id, sort_by_parameter_order=True),
            rows)
        seq_of = {sid: seq for seq, sid in result}
        index_rows = self._index_rows(fresh, seq_of)
        if index_rows:
            self.session.execute(insert(StatementIndex), index_rows)
        self._apply_voiding(fresh)
        self._store_attachments(attachments)
        self._propagate_to_referrers(fresh, seq_of)

    def _index_rows(self, fresh: list[dict], seq_of: dict[str, int]) -> list[dict]:
        keys_of: dict[str, set[tuple[int, int]]] = {}
        stored_targets = {t for t in (statement_ref_target(s) for s in fresh) if t and t not in seq_of}
        inherited = self._keys_of_stored(stored_targets)
        for statement in fresh:  # a batch is in order, so a target earlier in it is already done
            keys = index_keys(statement)
            target = statement_ref_target(statement)
            if target is not None:
                keys |= keys_of.get(target) or inherited.get(target, set())
            keys_of[statement["id"]] = keys
        return [
            {"tenant_id": self.tenant_id, "seq": seq_of[sid], "kind": kind, "value_hash": value}
            for sid, keys in keys_of.items() for kind, value in keys
        ]

    def _keys_of_stored(self, statement_ids: Iterable[str]) -> dict[str, set[tuple[int, int]]]:
        ids = list(statement_ids)
        if not ids:
            return {}
        rows = self.session.execute(
            select(Statement.statement_id, StatementIndex.kind, StatementIndex.value_hash)
            .join(StatementIndex, StatementIndex.seq == Statement.seq)
            .where(Statement.tenant_id == self.tenant_id, Statement.statement_id.in_(ids)))
        found: dict[str, set[tuple[int, int]]] = {}
        for sid, kind, value in rows:
            found.setdefault(sid, set()).add((kind, value))
        return found

    def _propagate_to_referrers(self, fresh: list[dict], seq_of: dict[str, int]) -> None:
        """Statements stored earlier that target one of these inherit its index rows, recursively."""
        pending = {s["id"] for s in fresh}
        batch_seqs = list(seq_of.values())
        while pending:
            referrers = self.session.execute(
                select(Statement.seq, Statement.ref_target).where(
                    Statement.tenant_id == self.tenant_id, Statement.ref_target.in_(list(pending)),
                    Statement.seq.not_in(batch_seqs)))
            referrers = list(referrers)
            if not referrers:
                return
            keys = self._keys_of_stored({target for _, target in referrers})
            rows = []
            for seq, target in referrers:
                have = set(self.session.execute(
                    select(StatementIndex.kind, StatementIndex.value_hash).where(StatementIndex.seq == seq)))
                rows.extend({"tenant_id": self.tenant_id, "seq": seq, "kind": k, "value_hash": v}
                            for k, v in keys.get(target, set()) - have)
            if rows:
                self.session.execute(insert(StatementIndex), rows)
            pending = set(self.session.scalars(
                select(Statement.statement_id).where(Statement.seq.in_([seq for seq, _ in referrers]))))

    def _apply_voiding(self, fresh: list[dict]) -> None:
        targets = [statement_ref_target(s) for s in fresh if is_voiding(s)]
        if targets:
            self.session.execute(
                update(Statement)
                .where(Statement.tenant_id == self.tenant_id, Statement.statement_id.in_(targets),
                       Statement.is_voiding.is_(False))
                .values(voided=True))
        # A statement whose voiding statement arrived first is voided on arrival.
        late = self.session.scalars(
            select(Statement.ref_target).where(
                Statement.tenant_id == self.tenant_id, Statement.is_voiding.is_(True),
                Statement.ref_target.in_([s["id"] for s in fresh if not is_voiding(s)])))
        late_ids = list(late)
        if late_ids:
            self.session.execute(
                update(Statement).where(Statement.tenant_id == self.tenant_id,
                                        Statement.statement_id.in_(late_ids)).values(voided=True))

    def _store_attachments(self, attachments: dict[str, tuple[str, bytes]]) -> None:
        if not attachments:
            return
        rows = [{"tenant_id": self.tenant_id, "sha2": sha2, "content_type": ctype, "content": content}
                for sha2, (ctype, content) in sorted(attachments.items())]
        statement = dialect_insert(self.session, Attachment).on_conflict_do_nothing(
            index_elements=["tenant_id", "sha2"])
        self.session.execute(statement, rows)

    def _record_activities(self, fresh: list[dict], define: bool) -> None:
        """Keep a canonical definition per activity id: the first seen, then updates from ``define``."""
        from lrs.xapi.activities import collect_definitions, merge_definition

        found = collect_definitions(fresh)
        if not found:
            return
        ids = sorted(found)
        insert_rows = [{"tenant_id": self.tenant_id, "activity_id": iri,
                        "definition": orjson.dumps(found[iri]).decode() if found[iri] else None}
                       for iri in ids]
        self.session.execute(
            dialect_insert(self.session, Activity).on_conflict_do_nothing(
                index_elements=["tenant_id", "activity_id"]), insert_rows)
        if not define:
            return
        for iri in ids:
            if not found[iri]:
                continue
            row = self.session.execute(
                select(Activity.id, Activity.definition).where(
                    Activity.tenant_id == self.tenant_id, Activity.activity_id == iri)).one()
            current = orjson.loads(row.definition) if row.definition else {}
            merged = merge_definition(current, found[iri])
            if merged != current:
                self.session.execute(update(Activity).where(Activity.id == row.id)
                                     .values(definition=orjson.dumps(merged).decode()))

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
        return self.session.scalar(
            select(func.coalesce(func.max(Statement.seq), 0)).where(Statement.tenant_id == self.tenant_id))

    def query(self, q: StatementQuery, page_size: int, credential_id: int | None = None) -> Page:
        bound = q.bound_seq if q.bound_seq is not None else self.max_seq()
        conditions = [Statement.tenant_id == self.tenant_id, Statement.voided.is_(False),
                      Statement.seq <= bound]
        if credential_id is not None:
            conditions.append(Statement.credential_id == credential_id)
        if q.after_seq is not None:
            conditions.append(Statement.seq > q.after_seq if q.ascending else Statement.seq < q.after_seq)
        if q.since_us is not None:
            conditions.append(Statement.stored_us > q.since_us)
        if q.until_us is not None:
            conditions.append(Statement.stored_us <= q.until_us)
        conditions.extend(self._filters(q))
        limit = q.limit or page_size
        order = Statement.seq.asc() if q.ascending else Statement.seq.desc()
        rows = list(self.session.execute(
            select(Statement.seq, Statement.payload, Statement.attachment_hashes)
            .where(*conditions).order_by(order).limit(limit + 1)))
        more = None
        if len(rows) > limit:
            rows = rows[:limit]
            more = q.next_page(rows[-1].seq, bound)
        return Page([(r.seq, orjson.loads(r.payload), r.attachment_hashes) for r in rows], more)

    def _filters(self, q: StatementQuery) -> list:
        wanted: list[tuple[tuple[int, ...], int]] = []
        if q.verb is not None:
            wanted.append(((VERB,), verb_hash(q.verb)))
        if q.registration is not None:
            wanted.append(((REGISTRATION,), registration_hash(q.registration)))
        if q.agent_hash is not None:
            wanted.append(((AGENT, RELATED_AGENT) if q.related_agents else (AGENT,), q.agent_hash))
        if q.activity is not None:
            kinds = (ACTIVITY, RELATED_ACTIVITY) if q.related_activities else (ACTIVITY,)
            wanted.append((kinds, activity_hash(q.activity)))
        return [
            Statement.seq.in_(
                select(StatementIndex.seq).where(
                    StatementIndex.tenant_id == self.tenant_id, StatementIndex.value_hash == value,
                    StatementIndex.kind.in_(kinds) if len(kinds) > 1 else StatementIndex.kind == kinds[0]))
            for kinds, value in wanted
        ]

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
        rows = self.session.execute(
            select(Activity.activity_id, Activity.definition).where(
                Activity.tenant_id == self.tenant_id, Activity.activity_id.in_(ids)))
        return {iri: orjson.loads(d) for iri, d in rows if d}


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]

