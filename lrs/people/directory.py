"""The people directory in the database: import, identities, reporting lines, lookups. Never commits."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lrs.errors import DomainError
from lrs.models import Identity, Person, Team, TeamMember
from lrs.people import csv_import
from lrs.people.csv_import import Known, PersonRow, Plan
from lrs.people.identities import ParsedIdentity, from_agent, written


class DirectoryError(DomainError):
    pass


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def load_known(session: Session, tenant_id: int) -> tuple[dict[str, Known], dict[str, str]]:
    people = {p.id: p for p in session.scalars(select(Person).where(Person.tenant_id == tenant_id))}
    employee = {pid: p.employee_id for pid, p in people.items()}
    teams: dict[int, set[str]] = {}
    for person_id, team in session.execute(
            select(TeamMember.person_id, Team.name).join(Team, Team.id == TeamMember.team_id)
            .where(Team.tenant_id == tenant_id)):
        teams.setdefault(person_id, set()).add(team)
    values: dict[int, set[str]] = {}
    owners: dict[str, str] = {}
    for person_id, value in session.execute(
            select(Identity.person_id, Identity.value).where(Identity.tenant_id == tenant_id)):
        values.setdefault(person_id, set()).add(value)
        owners[value] = employee[person_id]
    current = {
        p.employee_id: Known(p.name, p.email, employee.get(p.manager_id) if p.manager_id else None,
                             teams.get(pid, set()), values.get(pid, set()))
        for pid, p in people.items()
    }
    return current, owners


def import_csv(session: Session, tenant_id: int, text: str, *, dry_run: bool) -> dict:
    """Plan an import and, unless a dry run, apply it. Raises csv_import.ImportError_ with every error."""
    rows = csv_import.parse(text)
    current, owners = load_known(session, tenant_id)
    plan = csv_import.plan(rows, current, owners)
    if not dry_run:
        touched = _apply(session, tenant_id, rows, plan)
        from lrs.progress.engine import ProgressEngine

        ProgressEngine(session).refresh_people(tenant_id, touched)
    return {"dry_run": dry_run, **plan.summary()}


def _apply(session: Session, tenant_id: int, rows: list[PersonRow], plan: Plan) -> set[int]:
    """Apply a plan; returns the people who gained identities (their goals need a recount)."""
    by_employee = {p.employee_id: p for p in session.scalars(select(Person).where(Person.tenant_id == tenant_id))}
    for row in plan.create:
        person = Person(tenant_id=tenant_id, employee_id=row.employee_id, name=row.name, email=row.email,
                        created=_now())
        session.add(person)
        by_employee[row.employee_id] = person
    session.flush()
    teams = {t.name: t for t in session.scalars(select(Team).where(Team.tenant_id == tenant_id))}
    changed = [r for r in plan.create] + [r for r, _ in plan.update]
    touched: set[int] = set()
    for row in changed:
        person = by_employee[row.employee_id]
        person.name, person.email = row.name, row.email
        person.manager_id = by_employee[row.manager_id].id if row.manager_id else None
        have = set(session.scalars(select(Identity.value).where(Identity.person_id == person.id)))
        for identity in row.identities:
            if identity.value not in have:
                _add_identity_row(session, tenant_id, person.id, identity)
                touched.add(person.id)
        if row.teams is not None:
            session.execute(delete(TeamMember).where(TeamMember.person_id == person.id))
            for name in dict.fromkeys(row.teams):
                if name not in teams:
                    teams[name] = Team(tenant_id=tenant_id, name=name)
                    session.add(teams[name])
                    session.flush()
                session.add(TeamMember(team_id=teams[name].id, person_id=person.id))
    session.flush()
    return touched


def _add_identity_row(session: Session, tenant_id: int, person_id: int, identity: ParsedIdentity) -> None:
    session.add(Identity(tenant_id=tenant_id, person_id=person_id, value=identity.value,
                         agent_hash=identity.agent_hash, agent=orjson.dumps(identity.agent).decode()))


def add_identity(session: Session, person: Person, identity: ParsedIdentity) -> None:
    owner = session.scalar(select(Identity.person_id).where(Identity.tenant_id == person.tenant_id,
                                                            Identity.value == identity.value))
    if owner is not None and owner != person.id:
        raise DirectoryError(f"{written(identity)} belongs to another person already", "$.identity")
    if owner is None:
        _add_identity_row(session, person.tenant_id, person.id, identity)
        session.flush()


def identities_of(session: Session, person_id: int) -> list[dict]:
    return [orjson.loads(agent) for agent in session.scalars(
        select(Identity.agent).where(Identity.person_id == person_id).order_by(Identity.id))]


def person_for_agent(session: Session, tenant_id: int, agent: dict) -> Person | None:
    try:
        identity = from_agent(agent)
    except ValueError:
        return None
    return session.scalar(select(Person).join(Identity, Identity.person_id == Person.id).where(
        Identity.tenant_id == tenant_id, Identity.value == identity.value))


def get_person(session: Session, tenant_id: int, person_id: int) -> Person | None:
    person = session.get(Person, person_id)
    return person if person is not None and person.tenant_id == tenant_id else None


def reports(session: Session, tenant_id: int, manager_id: int) -> list[int]:
    """Everyone below a manager in the org chart (the whole chain), not the manager."""
    children: dict[int, list[int]] = {}
    for pid, boss in session.execute(select(Person.id, Person.manager_id).where(Person.tenant_id == tenant_id)):
        if boss is not None:
            children.setdefault(boss, []).append(pid)
    found: list[int] = []
    stack = list(children.get(manager_id, []))
    while stack:
        pid = stack.pop()
        if pid in found or pid == manager_id:
            continue
        found.append(pid)
        stack.extend(children.get(pid, []))
    return sorted(found)


def team_members(session: Session, tenant_id: int, team_id: int) -> list[int]:
    return list(session.scalars(select(TeamMember.person_id).join(Team, Team.id == TeamMember.team_id).where(
        Team.tenant_id == tenant_id, Team.id == team_id).order_by(TeamMember.person_id)))


def person_summary(session: Session, person: Person) -> dict:
    manager = session.get(Person, person.manager_id) if person.manager_id else None
    teams = session.scalars(select(Team.name).join(TeamMember, TeamMember.team_id == Team.id).where(
        TeamMember.person_id == person.id).order_by(Team.name))
    return {
        "id": person.id, "employee_id": person.employee_id, "name": person.name, "email": person.email,
        "manager": {"id": manager.id, "employee_id": manager.employee_id, "name": manager.name} if manager else None,
        "teams": list(teams),
        "identities": [written(from_agent(agent)) for agent in identities_of(session, person.id)],
    }
