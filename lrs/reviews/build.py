"""Filling a ``ReviewExport`` from the database, in a few queries per batch of people. Never commits.

For each person and review period: each goal (learning objective) whose period overlaps it, with target,
progress, status, dates and the evidence that counted within the period (the statements, their dates and
sources); certifications with status and expiry; kudos received in the period; totals. Learning time is the
total ``result.duration`` of the statements counted as evidence.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from lrs.models import Certification, CertificationHolder, GoalEvidence, Person, Statement
from lrs.progress.cert_service import holder_view
from lrs.progress.goals import goals_for_people, status_of
from lrs.progress.recognition import RecognitionError, kudos_for
from lrs.reviews.data import (
    CertificationReview,
    EvidenceItem,
    GoalReview,
    KudosReview,
    PersonReview,
    ReviewExport,
    Totals,
)
from lrs.xapi import formats

UNITS = {"count": "statements", "distinct_activities": "activities", "duration": "seconds",
         "all_activities": "activities"}
CHUNK = 200


def _bounds(period_from: date | None, period_to: date | None) -> tuple[int | None, int | None]:
    low = formats.to_micros(datetime.combine(period_from, time.min, tzinfo=UTC)) if period_from else None
    high = formats.to_micros(datetime.combine(period_to, time.max, tzinfo=UTC)) if period_to else None
    return low, high


def _within(us: int, low: int | None, high: int | None) -> bool:
    return (low is None or us >= low) and (high is None or us <= high)


def _moment(us: int | None) -> datetime | None:
    return formats.from_micros(us) if us is not None else None


def _source(statement: dict) -> str:
    authority = statement.get("authority", {})
    return authority.get("name") or authority.get("account", {}).get("name", "")


def _activity_name(statement: dict) -> str | None:
    names = statement["object"].get("definition", {}).get("name") or {}
    return next(iter(names.values()), None)


def build_export(session: Session, tenant_id: int, people: list[int], *, scope: str,
                 period_from: date | None = None, period_to: date | None = None,
                 progress: Callable[[int], None] | None = None) -> ReviewExport:
    """The review export for these people; ``progress`` is told how many people each step finished."""
    today = date.today()
    now_us = formats.to_micros(datetime.now(UTC))
    low, high = _bounds(period_from, period_to)
    reviews: list[PersonReview] = []
    for start in range(0, len(people), CHUNK):
        chunk = people[start:start + CHUNK]
        reviews.extend(_chunk(session, tenant_id, chunk, period_from, period_to, low, high, today, now_us))
        if progress is not None:
            progress(len(chunk))
    return ReviewExport(period_from, period_to, datetime.now(UTC), scope, reviews)


def _chunk(session: Session, tenant_id: int, people: list[int], period_from, period_to, low, high, today,
           now_us) -> Iterable[PersonReview]:
    persons = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(people)))}
    managers = {p.id: p.name for p in session.scalars(select(Person).where(
        Person.id.in_({p.manager_id for p in persons.values() if p.manager_id})))}
    goals = goals_for_people(session, tenant_id, people, period_from=period_from, period_to=period_to)
    evidence = defaultdict(list)
    goal_ids = [g.id for g, _ in goals]
    for row in session.execute(select(GoalEvidence).where(GoalEvidence.goal_id.in_(goal_ids))).scalars():
        if _within(row.timestamp_us, low, high):
            evidence[row.goal_id].append(row)
    statements = _statements(session, tenant_id, {e.statement_id for rows in evidence.values() for e in rows})
    goal_reviews = defaultdict(list)
    learning = defaultdict(float)
    for goal, progress_row in goals:
        rule = orjson.loads(goal.rule)
        measure = rule["measure"]["kind"]
        items = []
        for row in sorted(evidence.get(goal.id, []), key=lambda e: (e.timestamp_us, e.statement_id)):
            statement = statements.get(row.statement_id, {})
            items.append(EvidenceItem(row.statement_id, formats.from_micros(row.timestamp_us),
                                      statement.get("verb", {}).get("id", ""), row.activity_id,
                                      _activity_name(statement) if statement else None, _source(statement)))
            learning[goal.person_id] += row.seconds
        target = float(len(rule["measure"]["activities"]) if measure == "all_activities" else
                       rule["measure"]["target"] if measure != "duration" else
                       _seconds(rule["measure"]["target"]))
        goal_reviews[goal.person_id].append(GoalReview(
            goal.id, goal.title, measure, target, UNITS[measure],
            progress_row.value if progress_row else 0.0, progress_row.fraction if progress_row else 0.0,
            status_of(goal, progress_row, today), goal.weight, goal.starts_on, goal.due_on,
            _moment(progress_row.achieved_us if progress_row else None), items))
    certs = defaultdict(list)
    for holder, certification in session.execute(
            select(CertificationHolder, Certification).join(
                Certification, Certification.id == CertificationHolder.certification_id)
            .where(CertificationHolder.person_id.in_(people)).order_by(Certification.id)):
        view = holder_view(holder, certification, now_us)
        certs[holder.person_id].append(CertificationReview(
            certification.id, certification.title, view["status"],
            formats.parse_timestamp(view["earned_at"]) if view["earned_at"] else None,
            formats.parse_timestamp(view["expires_at"]) if view["expires_at"] else None))
    for person_id in people:
        person = persons.get(person_id)
        if person is None:
            continue
        kudos = [KudosReview(k["from"], k["message"], formats.parse_timestamp(k["timestamp"]))
                 for k in _kudos(session, person) if _within(formats.to_micros(
                     formats.parse_timestamp(k["timestamp"])), low, high)]
        goals_of = goal_reviews.get(person_id, [])
        certifications = certs.get(person_id, [])
        yield PersonReview(person.id, person.employee_id, person.name, person.email,
                           managers.get(person.manager_id) if person.manager_id else None, goals_of, certifications,
                           kudos, Totals.compute(goals_of, certifications, kudos, learning.get(person_id, 0.0)))


def _seconds(text: str) -> float:
    from lrs.progress.rules import duration_seconds

    return duration_seconds(text)


def _kudos(session: Session, person: Person) -> list[dict]:
    try:
        return kudos_for(session, person)
    except RecognitionError:
        return []


def _statements(session: Session, tenant_id: int, ids: set[str]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), 500):
        for sid, payload in session.execute(select(Statement.statement_id, Statement.payload).where(
                Statement.tenant_id == tenant_id, Statement.statement_id.in_(ordered[start:start + 500]))):
            found[sid] = orjson.loads(payload)
    return found
