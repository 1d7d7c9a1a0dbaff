"""Whom a review export covers: a person, a person with their whole reporting chain, or a team."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from lrs.errors import DomainError
from lrs.models import Person, Team
from lrs.people.directory import reports, team_members


class ScopeError(DomainError):
    pass


@dataclass(frozen=True)
class Scope:
    people: list[int]
    label: str


def resolve(session: Session, tenant_id: int, *, person_id: int | None = None, team_id: int | None = None,
            chain: bool = False, visible: set[int] | None = None) -> Scope:
    """The people to export, limited to those ``visible`` to the caller (None: everyone in the tenant)."""
    if (person_id is None) == (team_id is None):
        raise ScopeError("name exactly one of person_id or team_id", "person_id")
    if person_id is not None:
        person = session.get(Person, person_id)
        if person is None or person.tenant_id != tenant_id or (visible is not None and person_id not in visible):
            raise ScopeError(f"no person {person_id} that you can see", "person_id", 404)
        people = [person_id, *(reports(session, tenant_id, person_id) if chain else [])]
        label = f"{'reporting chain of' if chain else 'person'} {person.name}"
    else:
        team = session.get(Team, team_id)
        if team is None or team.tenant_id != tenant_id:
            raise ScopeError(f"no team {team_id}", "team_id", 404)
        people = team_members(session, tenant_id, team_id)
        label = f"team {team.name}"
    if visible is not None:
        people = [p for p in people if p in visible]
    return Scope(people, label)
