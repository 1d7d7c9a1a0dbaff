"""The progress engine: a consumer of the statement log that turns statements into goal progress.

Incremental: a statement touches only the goals of the people its actor is (for a group actor, its
members), and of those only the goals whose rule it matches. Exact: progress is always computed from the
set of evidence (the non-voided statements that match), so a rebuild from the log gives the same result
whatever order statements arrived in. Never commits: ``catch_up`` and ``rebuild`` are called by a use case
(the worker loop, the inline hook, the CLI) that commits.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import NamedTuple

import orjson
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lrs.lti import grades as lti_grades
from lrs.models import (
    CertificationHolder,
    ConsumerCursor,
    Goal,
    GoalEvidence,
    GoalProgress,
    Identity,
    PatternState,
    Statement,
    StatementIndex,
    StatementTemplateResult,
)
from lrs.people.seen import record_actors
from lrs.progress.cert_service import due_holders, evaluate
from lrs.progress.cursor import CursorState
from lrs.progress.rules import Evidence, Rule, achieved_at, evidence_of, fraction, matches, parse_rule, progress_value
from lrs.xapi import bulk, formats
from lrs.xapi.statements import (
    REGISTRATION,
    agent_hashes,
    ifi_value,
    is_voiding,
    registration_hash,
    statement_ref_target,
)
from lrs.xapi.store import dialect_insert

log = logging.getLogger(__name__)
CURSOR = "progress"
GRACE_US = 30_000_000
EVIDENCE_COLUMNS = ("goal_id", "statement_id", "tenant_id", "activity_id", "seconds", "timestamp_us")


@lru_cache(maxsize=65_536)
def rule_of(text: str) -> Rule:
    """A goal's rule parsed from its stored JSON; rules are immutable, so many goals share one parse."""
    return parse_rule(orjson.loads(text))


class GoalRule(NamedTuple):
    goal_id: int
    person_id: int
    rule: Rule
    starts_us: int | None


@lru_cache(maxsize=65_536)
def goal_rule(goal_id: int, person_id: int, rule: str, starts_on: date | str | None) -> GoalRule:
    """A goal as the engine applies it, cached by its whole row: a goal that changes is a new entry, so the
    cache is never stale, and a worker does not rebuild its goals' rules for every batch."""
    return GoalRule(goal_id, person_id, rule_of(rule), _day_start_us(starts_on))


def _day_start_us(day: date | str | None) -> int | None:
    if day is None:
        return None
    if isinstance(day, str):  # SQLite's driver gives a DATE column as its ISO text
        day = date.fromisoformat(day)
    return formats.to_micros(datetime.combine(day, time.min, tzinfo=UTC))


class ProgressEngine:
    def __init__(self, session: Session):
        self.session = session
        self._dirty: set[int] = set()
        # Filled for a batch by ``prefetch``: who an agent hash is, and each person's goals.
        self._people: dict[tuple[int, int], set[int]] | None = None
        self._goals: dict[tuple[int, int], list[GoalRule]] | None = None
        self._evidence: list[tuple] = []  # rows of goal_evidence, in the order of EVIDENCE_COLUMNS

    # -- reading the log ----------------------------------------------------------------------------------

    def _cursor(self, wait: bool = True) -> tuple[ConsumerCursor | None, CursorState]:
        """The cursor row, locked for this transaction; None when another worker holds it and not ``wait``."""
        self.session.execute(dialect_insert(self.session, ConsumerCursor).values(
            name=CURSOR, position=0, pending="[]", gaps="{}", updated=datetime.now(UTC).replace(tzinfo=None)
        ).on_conflict_do_nothing(index_elements=["name"]))
        query = select(ConsumerCursor).where(ConsumerCursor.name == CURSOR)
        row = self.session.scalar(query.with_for_update(skip_locked=not wait))
        if row is None:
            return None, CursorState()
        state = CursorState(row.position, set(orjson.loads(row.pending)),
                            {int(k): v for k, v in orjson.loads(row.gaps).items()})
        return row, state

    def catch_up(self, batch: int = 2000) -> int:
        """Apply statements the engine has not seen yet; returns how many were applied (0 when another
        worker is at it)."""
        row, state = self._cursor(wait=False)
        if row is None:
            return 0
        rows = self.session.execute(
            select(Statement.seq, Statement.tenant_id, Statement.payload, Statement.voided)
            .where(Statement.seq > state.position).order_by(Statement.seq).limit(batch + len(state.pending))
        ).all()
        unhandled = set(state.unhandled([r.seq for r in rows]))
        fresh = [r for r in rows if r.seq in unhandled]
        batch = [(item.tenant_id, orjson.loads(item.payload), item.voided) for item in fresh]
        record_actors(self.session, batch)
        self.prefetch(batch)
        for tenant_id, statement, voided in batch:
            self.apply(tenant_id, statement, voided)
        self.flush()
        self._people = self._goals = None
        now_us = formats.to_micros(datetime.now(UTC))
        evaluate(self.session, due_holders(self.session, now_us), now_us)  # expiries need no statement
        state.advance([r.seq for r in fresh], formats.to_micros(datetime.now(UTC)), GRACE_US)
        row.position = state.position
        row.pending = orjson.dumps(sorted(state.pending)).decode()
        row.gaps = orjson.dumps({str(k): v for k, v in state.gaps.items()}).decode()
        row.updated = datetime.now(UTC).replace(tzinfo=None)
        return len(fresh)

    # -- applying one statement ---------------------------------------------------------------------------

    def apply(self, tenant_id: int, statement: dict, voided: bool, only: set[int] | None = None) -> None:
        """Credit one statement to the goals it counts for (``only``: limit to these goals)."""
        if voided:
            return
        if is_voiding(statement):
            target = statement_ref_target(statement)
            if self._evidence:  # credit recorded earlier in this batch must exist before it is taken back
                self.flush()
            goals = set(self.session.scalars(select(GoalEvidence.goal_id).where(
                GoalEvidence.tenant_id == tenant_id, GoalEvidence.statement_id == target)))
            if goals:
                self.session.execute(delete(GoalEvidence).where(
                    GoalEvidence.tenant_id == tenant_id, GoalEvidence.statement_id == target))
                self._dirty |= goals
            return
        people = self._people_for(tenant_id, statement["actor"])
        if not people:
            return
        evidence: Evidence | None = None
        for goal in self._goals_of(tenant_id, people):
            if only is not None and goal.goal_id not in only:
                continue
            if not matches(goal.rule, statement, self._templates_of(tenant_id, statement["id"], goal.rule)):
                continue
            evidence = evidence or evidence_of(statement)
            if goal.starts_us is not None and evidence.timestamp_us < goal.starts_us:
                continue
            if goal.rule.measure == "pattern":
                self._credit_pattern(tenant_id, goal, statement)
                continue
            self._evidence.append((goal.goal_id, evidence.statement_id, tenant_id, evidence.activity_id,
                                   evidence.seconds, evidence.timestamp_us))
            self._dirty.add(goal.goal_id)

    def prefetch(self, batch: list[tuple[int, dict, bool]]) -> None:
        """Look up, in a few queries, the people and goals a batch of statements can touch."""
        wanted: dict[int, set[int]] = defaultdict(set)
        for tenant_id, statement, _ in batch:
            wanted[tenant_id].update(agent_hashes(statement["actor"]))
        self._people, self._goals = defaultdict(set), defaultdict(list)
        for tenant_id, hashes in wanted.items():
            people: set[int] = set()
            # Plain queries (lrs.xapi.bulk): per batch they read thousands of rows, which the ORM's result
            # processing would spend more on than the database does.
            for agent_hash, person_id in bulk.select_in(
                    self.session, "SELECT agent_hash, person_id FROM identities WHERE tenant_id = ? "
                    "AND agent_hash IN_ROWS", (tenant_id,), sorted(hashes)):
                self._people[(tenant_id, agent_hash)].add(person_id)
                people.add(person_id)
            for goal in self._load_goals(tenant_id, people):
                self._goals[(tenant_id, goal.person_id)].append(goal)

    def _credit_pattern(self, tenant_id: int, goal: GoalRule, statement: dict) -> None:
        """A pattern goal counts the person's statements in a registration while its pattern state is a match
        (and takes them back when more statements turn it into a failure)."""
        registration = str(statement.get("context", {}).get("registration", "")).lower()
        if not registration:
            return
        verdicts = self.session.scalars(select(PatternState.verdicts).where(
            PatternState.tenant_id == tenant_id, PatternState.registration == registration))
        completed = any(orjson.loads(v).get(goal.rule.pattern) == "match" for v in verdicts)
        values = set(self.session.scalars(select(Identity.value).where(Identity.person_id == goal.person_id)))
        in_registration = select(StatementIndex.seq).where(
            StatementIndex.tenant_id == tenant_id, StatementIndex.kind == REGISTRATION,
            StatementIndex.value_hash == registration_hash(registration))
        theirs = [orjson.loads(p) for p in self.session.scalars(select(Statement.payload).where(
            Statement.tenant_id == tenant_id, Statement.voided.is_(False), Statement.seq.in_(in_registration)))]
        theirs = [s for s in theirs if ifi_value(s["actor"]) in values and not is_voiding(s)]
        self.flush()
        if completed:
            for item in theirs:
                found = evidence_of(item)
                self._evidence.append((goal.goal_id, found.statement_id, tenant_id, registration, found.seconds,
                                       found.timestamp_us))
        else:
            self.session.execute(delete(GoalEvidence).where(
                GoalEvidence.goal_id == goal.goal_id, GoalEvidence.statement_id.in_([s["id"] for s in theirs])))
        self._dirty.add(goal.goal_id)

    def _templates_of(self, tenant_id: int, statement_id: str, rule: Rule) -> frozenset[str]:
        """The profile templates a statement matched (recorded when it was stored), if the rule asks."""
        if not rule.templates:
            return frozenset()
        rows = self.session.scalars(select(StatementTemplateResult.templates).where(
            StatementTemplateResult.tenant_id == tenant_id, StatementTemplateResult.statement_id == statement_id,
            StatementTemplateResult.outcome == "success"))
        return frozenset(t for row in rows for t in orjson.loads(row))

    def _people_for(self, tenant_id: int, actor: dict) -> set[int]:
        hashes = list(set(agent_hashes(actor)))
        if not hashes:
            return set()
        if self._people is not None:
            return set().union(*(self._people.get((tenant_id, h), set()) for h in hashes))
        return set(self.session.scalars(select(Identity.person_id).where(
            Identity.tenant_id == tenant_id, Identity.agent_hash.in_(hashes))))

    def _goals_of(self, tenant_id: int, people: set[int]) -> list[GoalRule]:
        if self._goals is not None:
            return [g for person in sorted(people) for g in self._goals.get((tenant_id, person), [])]
        return self._load_goals(tenant_id, people)

    def _load_goals(self, tenant_id: int, people: set[int]) -> list[GoalRule]:
        return [goal_rule(*row) for row in bulk.select_in(
                self.session, "SELECT id, person_id, rule, starts_on FROM goals WHERE tenant_id = ? "
                "AND person_id IN_ROWS", (tenant_id,), sorted(people))]

    # -- progress from evidence ---------------------------------------------------------------------------

    def flush(self) -> None:
        if self._evidence:
            bulk.insert(self.session, "goal_evidence", EVIDENCE_COLUMNS, self._evidence,
                        conflict=("goal_id", "statement_id"))
            self._evidence = []
        if self._dirty:
            self.recompute(self._dirty)
        self._dirty = set()

    def recompute(self, goal_ids: set[int]) -> None:
        """Progress of these goals from their evidence (the same function a rebuild uses)."""
        evidence: dict[int, list[Evidence]] = defaultdict(list)
        ordered = sorted(goal_ids)
        for goal_id, sid, activity, seconds, ts in bulk.select_in(
                self.session, "SELECT goal_id, statement_id, activity_id, seconds, timestamp_us FROM goal_evidence "
                "WHERE goal_id IN_VALUES", (), ordered):
            evidence[goal_id].append(Evidence(sid, activity, seconds, ts))
        rows = bulk.select_in(self.session, "SELECT id, rule, holder_id FROM goals WHERE id IN_VALUES", (), ordered)
        rules, holders = {}, set()
        for goal_id, rule_text, holder_id in rows:
            rules[goal_id] = rule_text
            if holder_id is not None:
                holders.add(holder_id)
        progress = []
        for goal_id in sorted(goal_ids):  # in key order, so concurrent consumers cannot deadlock
            if goal_id not in rules:
                continue
            rule = rule_of(rules[goal_id])
            items = evidence.get(goal_id, [])
            value = progress_value(rule, items)
            progress.append((goal_id, float(value), float(fraction(rule, value)), achieved_at(rule, items)))
        bulk.insert(self.session, "goal_progress", ("goal_id", "value", "fraction", "achieved_us"), progress,
                    conflict=("goal_id",), update="value = excluded.value, fraction = excluded.fraction, "
                                                  "achieved_us = excluded.achieved_us")
        # Certifications whose requirements moved are evaluated again.
        evaluate(self.session, holders)
        lti_grades.on_progress(self.session, goal_ids, holders)  # scores due to LMS gradebooks (LTI AGS)

    # -- starting over ------------------------------------------------------------------------------------

    def rebuild(self, batch: int = 5000) -> int:
        """Recompute all progress from the log; the result equals what the incremental path gives."""
        self.session.execute(delete(GoalEvidence))
        self.session.execute(delete(GoalProgress))
        goals = set(self.session.scalars(select(Goal.id).where(Goal.person_id.is_not(None))))
        applied, last = 0, 0
        while True:
            rows = self.session.execute(
                select(Statement.seq, Statement.tenant_id, Statement.payload, Statement.voided)
                .where(Statement.seq > last).order_by(Statement.seq).limit(batch)).all()
            if not rows:
                break
            parsed = [(item.tenant_id, orjson.loads(item.payload), item.voided) for item in rows]
            record_actors(self.session, parsed)
            self.prefetch(parsed)
            for tenant_id, statement, voided in parsed:
                self.apply(tenant_id, statement, voided)
            self._people = self._goals = None
            applied += len(rows)
            last = rows[-1].seq
        self._dirty |= goals
        self.flush()
        evaluate(self.session, set(self.session.scalars(select(CertificationHolder.id))))
        row, _ = self._cursor()
        row.position, row.pending, row.gaps = last or row.position, "[]", "{}"
        return applied

    def refresh_people(self, tenant_id: int, people: set[int]) -> None:
        """Recount the goals of these people, e.g. after identities were linked to them."""
        if people:
            self.refresh_goals(set(self.session.scalars(select(Goal.id).where(
                Goal.tenant_id == tenant_id, Goal.person_id.in_(sorted(people))))))

    def refresh_goals(self, goal_ids: set[int]) -> None:
        """Recount goals from the log, e.g. after a goal is created or an identity is linked."""
        if not goal_ids:
            return
        self.session.execute(delete(GoalEvidence).where(GoalEvidence.goal_id.in_(sorted(goal_ids))))
        rows = self.session.execute(select(Goal.id, Goal.tenant_id, Goal.person_id).where(
            Goal.id.in_(sorted(goal_ids)), Goal.person_id.is_not(None))).all()
        for tenant_id in {r.tenant_id for r in rows}:
            people = {r.person_id for r in rows if r.tenant_id == tenant_id}
            wanted = {r.id for r in rows if r.tenant_id == tenant_id}
            for statement, voided in self._statements_of(tenant_id, people):
                if not is_voiding(statement):
                    self.apply(tenant_id, statement, voided, only=wanted)
        self._dirty |= set(goal_ids)
        self.flush()

    def _statements_of(self, tenant_id: int, people: set[int]):
        from lrs.models import StatementIndex
        from lrs.xapi.statements import AGENT

        hashes = list(self.session.scalars(select(Identity.agent_hash).where(
            Identity.tenant_id == tenant_id, Identity.person_id.in_(sorted(people)))))
        if not hashes:
            return
        seqs = select(StatementIndex.seq).where(StatementIndex.tenant_id == tenant_id,
                                                StatementIndex.kind == AGENT, StatementIndex.value_hash.in_(hashes))
        for payload, voided in self.session.execute(
                select(Statement.payload, Statement.voided).where(Statement.seq.in_(seqs)).order_by(Statement.seq)):
            yield orjson.loads(payload), voided
