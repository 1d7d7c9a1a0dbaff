"""What the learner and team pages show, read from the database in a few queries. Never commits.

Goal and certification views come from the progress services (``goal_view``, ``holder_view``), so the
pages show exactly what the API and the review exports say.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

import orjson
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from lrs.api.goals import summarise
from lrs.models import (
    Badge,
    Certification,
    CertificationHolder,
    Goal,
    GoalProgress,
    Identity,
    Person,
    Statement,
    StatementIndex,
    Team,
    TeamMember,
    User,
)
from lrs.progress.cert_service import holder_view
from lrs.progress.goals import goal_view, goals_for_people, status_of
from lrs.xapi import formats
from lrs.xapi.statements import AGENT, actor_ifis
from lrs.xapi.store import StatementStore

WEEK_US = 7 * 86_400_000_000
DAY_US = 86_400_000_000


def link_by_email(session: Session, user: User) -> Person | None:
    """Link a login to the directory's person with the same e-mail, when it is not linked (and one matches)."""
    if user.person_id is not None:
        return None
    matches = list(session.scalars(select(Person).where(Person.tenant_id == user.tenant_id,
                                                        Person.email == user.email.lower()).limit(2)))
    if len(matches) != 1:
        return None
    user.person_id = matches[0].id
    return matches[0]


def now_us() -> int:
    return formats.to_micros(datetime.now(UTC))


def person_goals(session: Session, tenant_id: int, person_id: int, today: date) -> list[dict]:
    """The person's goals with progress and evidence; each piece of evidence named by its activity."""
    views = [goal_view(session, goal, progress, today, with_evidence=True)
             for goal, progress in goals_for_people(session, tenant_id, [person_id])]
    activities = {e["activity_id"] for view in views for e in view["evidence"] if e["activity_id"]}
    definitions = StatementStore(session, tenant_id).activity_definitions(activities)
    for view in views:
        for item in view["evidence"]:
            names = definitions.get(item["activity_id"] or "", {}).get("name") or {}
            item["activity_name"] = next(iter(names.values()), None)
    return views


def person_certifications(session: Session, person_id: int, today: date) -> list[dict]:
    """Certifications the person holds or should hold, with progress on each requirement."""
    moment = now_us()
    found = []
    for holder, certification in session.execute(
            select(CertificationHolder, Certification)
            .join(Certification, Certification.id == CertificationHolder.certification_id)
            .where(CertificationHolder.person_id == person_id).order_by(Certification.title)):
        view = holder_view(holder, certification, moment)
        view["requirements"] = [
            {"title": goal.title, "fraction": progress.fraction if progress else 0.0,
             "status": status_of(goal, progress, today)}
            for goal, progress in session.execute(
                select(Goal, GoalProgress).outerjoin(GoalProgress, GoalProgress.goal_id == Goal.id)
                .where(Goal.holder_id == holder.id).order_by(Goal.requirement_index))]
        found.append(view)
    return found


def person_badges(session: Session, person_id: int) -> list[dict]:
    rows = session.execute(
        select(Badge, Certification.title).join(CertificationHolder, CertificationHolder.id == Badge.holder_id)
        .join(Certification, Certification.id == CertificationHolder.certification_id)
        .where(Badge.person_id == person_id).order_by(Badge.event_us.desc()))
    return [{"id": badge.id, "certification": title,
             "earned_at": formats.format_timestamp(formats.from_micros(badge.event_us))} for badge, title in rows]


def _about(tenant_id: int, hashes: list[int]):
    """The seqs of statements whose actor or object is one of these agents (the query's agent filter)."""
    return select(StatementIndex.seq).where(StatementIndex.tenant_id == tenant_id, StatementIndex.kind == AGENT,
                                            StatementIndex.value_hash.in_(hashes))


def recent_statements(session: Session, tenant_id: int, person_id: int, limit: int = 10) -> list[dict]:
    """The latest statements the person made (as actor, or as a member of an anonymous group)."""
    rows = session.execute(select(Identity.value, Identity.agent_hash).where(Identity.person_id == person_id)).all()
    if not rows:
        return []
    values = {r.value for r in rows}
    payloads = session.scalars(select(Statement.payload).where(
        Statement.tenant_id == tenant_id, Statement.voided.is_(False),
        Statement.seq.in_(_about(tenant_id, [r.agent_hash for r in rows])))
        .order_by(Statement.seq.desc()).limit(limit * 3))
    found = []
    for payload in payloads:
        statement = orjson.loads(payload)
        if values & set(actor_ifis(statement["actor"])):
            found.append(statement)
        if len(found) == limit:
            break
    return found


def colleagues(session: Session, person: Person) -> list[tuple[int, str]]:
    """Whom a person can give kudos to from their page: teammates, their manager and direct reports."""
    teams = select(TeamMember.team_id).where(TeamMember.person_id == person.id)
    mates = select(TeamMember.person_id).where(TeamMember.team_id.in_(teams))
    conditions = [Person.id.in_(mates), Person.manager_id == person.id]
    if person.manager_id is not None:
        conditions.append(Person.id == person.manager_id)
    return [(pid, name) for pid, name in session.execute(
        select(Person.id, Person.name).where(Person.tenant_id == person.tenant_id, Person.id != person.id,
                                             or_(*conditions)).order_by(Person.name, Person.id))]


def teams_of(session: Session, person_id: int) -> list[Team]:
    return list(session.scalars(select(Team).join(TeamMember, TeamMember.team_id == Team.id)
                                .where(TeamMember.person_id == person_id).order_by(Team.name)))


def names(session: Session, people: list[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for start in range(0, len(people), 500):
        found.update(session.execute(select(Person.id, Person.name).where(Person.id.in_(people[start:start + 500])))
                     .all())
    return found


def team_progress(session: Session, tenant_id: int, people: list[int], period_from: date, period_to: date,
                  today: date) -> tuple[list[dict], list[dict]]:
    """Per person (weighted mean fraction, counts per status) and per goal title (mean fraction, people)."""
    by_person: dict[int, list[dict]] = {pid: [] for pid in people}
    for goal, progress in goals_for_people(session, tenant_id, people, period_from=period_from,
                                           period_to=period_to):
        by_person[goal.person_id].append(
            {"title": goal.title, "weight": goal.weight, "due_on": goal.due_on,
             "progress": {"fraction": progress.fraction if progress else 0.0,
                          "status": status_of(goal, progress, today)}})
    who = names(session, people)
    persons = sorted(({"person_id": pid, "name": who.get(pid, "?"), "summary": summarise(goals)}
                      for pid, goals in by_person.items()), key=lambda p: (p["name"], p["person_id"]))
    titles: dict[str, list[float]] = defaultdict(list)
    for goals in by_person.values():
        for goal in goals:
            titles[goal["title"]].append(goal["progress"]["fraction"])
    per_goal = [{"title": title, "people": len(fractions), "mean": sum(fractions) / len(fractions)}
                for title, fractions in sorted(titles.items())]
    return persons, per_goal


def expiring_certifications(session: Session, people: list[int], days: int = 90) -> list[dict]:
    """Certifications of these people that are held now and expire within ``days``, soonest first."""
    moment = now_us()
    horizon = moment + days * DAY_US
    who = names(session, people)
    found = []
    for holder, certification in session.execute(
            select(CertificationHolder, Certification)
            .join(Certification, Certification.id == CertificationHolder.certification_id)
            .where(CertificationHolder.person_id.in_(people), CertificationHolder.revoked_at.is_(None))):
        view = holder_view(holder, certification, moment)
        if view["status"] not in ("active", "expiring") or not view["expires_at"]:
            continue
        expires = formats.to_micros(formats.parse_timestamp(view["expires_at"]))
        if moment <= expires <= horizon:
            found.append({**view, "name": who.get(holder.person_id, "?"),
                          "days_left": (expires - moment) // DAY_US})
    return sorted(found, key=lambda v: v["expires_at"])


def week_start(day_: date) -> date:
    return day_ - timedelta(days=day_.weekday())


def weekly_statements(session: Session, tenant_id: int, people: list[int], period_from: date, period_to: date
                      ) -> list[tuple[date, int]]:
    """Statements about these people stored in each week (Monday to Sunday, UTC) of the period."""
    first = week_start(period_from)
    origin = formats.to_micros(datetime.combine(first, time.min, tzinfo=UTC))
    end = formats.to_micros(datetime.combine(period_to, time.max, tzinfo=UTC))
    weeks = (period_to - first).days // 7 + 1
    counts = [0] * weeks
    hashes = list(session.scalars(select(Identity.agent_hash).where(Identity.person_id.in_(people)))) \
        if people else []
    if hashes:
        bucket = ((Statement.stored_us - origin) // WEEK_US).label("week")
        for week, count in session.execute(
                select(bucket, func.count()).where(
                    Statement.tenant_id == tenant_id, Statement.voided.is_(False), Statement.stored_us >= origin,
                    Statement.stored_us <= end, Statement.seq.in_(_about(tenant_id, hashes)))
                .group_by(bucket)):
            if 0 <= int(week) < weeks:
                counts[int(week)] += count
    return [(first + timedelta(weeks=n), counts[n]) for n in range(weeks)]
