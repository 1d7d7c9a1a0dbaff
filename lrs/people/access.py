"""Who may see whom: an admin the tenant, a manager their reports (and themself), a learner themself."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lrs.models import Person, User
from lrs.people.directory import reports


def visible_people(session: Session, user: User) -> set[int] | None:
    """The ids of the people ``user`` may see, or None for everyone in the tenant (admins)."""
    if user.role == "admin":
        return None
    if user.person_id is None:
        return set()
    if user.role == "manager":
        return {user.person_id, *reports(session, user.tenant_id, user.person_id)}
    return {user.person_id}


def can_see(session: Session, user: User, person_id: int) -> bool:
    visible = visible_people(session, user)
    if visible is None:
        return session.scalar(select(Person.id).where(Person.id == person_id,
                                                      Person.tenant_id == user.tenant_id)) is not None
    return person_id in visible
