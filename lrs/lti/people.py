"""LTI users in the people directory: a platform's user is an identity (account {homePage: issuer, name:
sub}, and their e-mail as mbox), a course is a team, and course members are recorded with their role.
Never commits."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import NamedTuple

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lrs.accounts.service import AccountError, create_user
from lrs.emails import is_email
from lrs.lti.errors import LtiError
from lrs.models import Identity, Person, Team, TeamMember, Tenant, User
from lrs.models.lti import LtiContext, LtiMember, LtiPlatform
from lrs.people.directory import add_identity
from lrs.people.identities import IdentityError, ParsedIdentity, from_agent, parse


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def lti_identities(platform: LtiPlatform, sub: str, email: str | None) -> list[ParsedIdentity]:
    found = [from_agent({"account": {"homePage": platform.issuer, "name": sub}})]
    if email and is_email(email.strip()):
        try:
            found.append(parse(f"mailto:{email.strip()}"))
        except IdentityError:
            pass
    return found


def _owner(session: Session, tenant_id: int, identity: ParsedIdentity) -> int | None:
    return session.scalar(select(Identity.person_id).where(Identity.tenant_id == tenant_id,
                                                           Identity.value == identity.value))


class Found(NamedTuple):
    person: Person
    created: bool
    added: bool  # identities were added: the person's goals need a recount


def person_for(session: Session, platform: LtiPlatform, sub: str, email: str | None, name: str) -> Found:
    """The person an LTI user is (matched by any of their identities), created when there is none."""
    tenant_id = platform.tenant_id
    identities = lti_identities(platform, sub, email)
    owners = [_owner(session, tenant_id, identity) for identity in identities]
    person_id = next((owner for owner in owners if owner is not None), None)
    if person_id is None:
        digest = hashlib.sha256(f"{platform.issuer}\x1f{sub}".encode()).hexdigest()[:32]
        person = Person(tenant_id=tenant_id, employee_id=f"lti-{digest}", name=name[:300] or "LTI user",
                        email=email.strip().lower() if email and is_email(email.strip()) else None, created=_now())
        session.add(person)
        session.flush()
    else:
        person = session.get(Person, person_id)
    added = False
    for identity, owner in zip(identities, owners, strict=True):
        if owner is None:  # an identity of someone else stays theirs: the account identity decides
            add_identity(session, person, identity)
            added = True
    return Found(person, person_id is None, added)


def user_for(session: Session, person: Person, email: str | None, name: str, role: str) -> User:
    """The login of a person (created on first launch); an instructor's learner login becomes a manager's."""
    user = session.scalar(select(User).where(User.tenant_id == person.tenant_id, User.person_id == person.id)
                          .order_by(User.id))
    address = email.strip().lower() if email and is_email(email.strip()) else None
    if user is None and address is not None:
        user = session.scalar(select(User).where(User.tenant_id == person.tenant_id, User.email == address))
        if user is not None and user.person_id not in (None, person.id):
            raise LtiError("this e-mail address belongs to a login of another person", "email", 409)
    if user is None:
        tenant = session.get(Tenant, person.tenant_id).name
        try:
            user = create_user(session, email=address or f"{person.employee_id}@lti.invalid", name=name,
                               role=role, tenant=tenant)
        except AccountError as exc:
            raise LtiError(str(exc), "email", 409) from exc
    user.person_id = person.id
    if user.disabled is not None:
        raise LtiError("this login is disabled", "sub", 403)
    if user.role == "learner" and role == "manager":
        user.role = "manager"
    session.flush()
    return user


def _team_for(session: Session, tenant_id: int, title: str, context_id: str) -> Team:
    """The team named after the course; a name another course has taken gets the course id appended."""
    taken = set(session.scalars(select(LtiContext.team_id).join(
        LtiPlatform, LtiPlatform.id == LtiContext.platform_id).where(
        LtiPlatform.tenant_id == tenant_id, LtiContext.team_id.is_not(None))))
    for name in (title[:200], f"{title} ({context_id})"[:200], f"LTI course {context_id}"[:200]):
        team = session.scalar(select(Team).where(Team.tenant_id == tenant_id, Team.name == name))
        if team is None:
            team = Team(tenant_id=tenant_id, name=name)
            session.add(team)
            session.flush()
            return team
        if team.id not in taken:
            return team
    raise LtiError("no free team name for this course", "context.title", 409)


def context_for(session: Session, platform: LtiPlatform, context_id: str, title: str | None,
                memberships_url: str | None) -> LtiContext:
    context = session.scalar(select(LtiContext).where(LtiContext.platform_id == platform.id,
                                                      LtiContext.context_id == context_id))
    title = (title or context_id)[:300]
    if context is None:
        context = LtiContext(platform_id=platform.id, context_id=context_id, title=title, updated=_now())
        session.add(context)
    context.title = title
    if context.team_id is None or session.get(Team, context.team_id) is None:
        context.team_id = _team_for(session, platform.tenant_id, title, context_id).id
    if memberships_url:
        context.memberships_url = memberships_url
    context.updated = _now()
    session.flush()
    return context


def enrol(session: Session, context: LtiContext, person: Person, sub: str, role: str, active: bool = True) -> None:
    """Record a course member; learners are the course team's members (managers manage it, not in it)."""
    member = session.get(LtiMember, (context.id, person.id))
    if member is None:
        member = LtiMember(context_pk=context.id, person_id=person.id, user_sub=sub, role=role, active=active,
                           updated=_now())
        session.add(member)
    member.user_sub, member.role, member.active, member.updated = sub, role, active, _now()
    if context.team_id is not None:
        in_team = session.get(TeamMember, (context.team_id, person.id)) is not None
        if role == "learner" and active and not in_team:
            session.add(TeamMember(team_id=context.team_id, person_id=person.id))
        elif in_team and not active:
            session.execute(delete(TeamMember).where(TeamMember.team_id == context.team_id,
                                                     TeamMember.person_id == person.id))
    session.flush()


def manages(session: Session, user: User, context: LtiContext) -> bool:
    """Admins manage every course of their tenant; a manager the courses they teach."""
    platform = session.get(LtiPlatform, context.platform_id)
    if platform is None or platform.tenant_id != user.tenant_id:
        return False
    if user.role == "admin":
        return True
    if user.role != "manager" or user.person_id is None:
        return False
    member = session.get(LtiMember, (context.id, user.person_id))
    return member is not None and member.role == "manager" and member.active


def managed_contexts(session: Session, user: User) -> list[LtiContext]:
    """The courses a user manages: every course of the tenant for an admin, the courses taught for a manager."""
    query = select(LtiContext).join(LtiPlatform, LtiPlatform.id == LtiContext.platform_id).where(
        LtiPlatform.tenant_id == user.tenant_id).order_by(LtiContext.title, LtiContext.id)
    if user.role != "admin":
        if user.role != "manager" or user.person_id is None:
            return []
        query = query.join(LtiMember, LtiMember.context_pk == LtiContext.id).where(
            LtiMember.person_id == user.person_id, LtiMember.role == "manager", LtiMember.active.is_(True))
    return list(session.scalars(query))


def course_learners(session: Session, contexts: list[LtiContext]) -> set[int]:
    """The active learners of these courses."""
    if not contexts:
        return set()
    return set(session.scalars(select(LtiMember.person_id).where(
        LtiMember.context_pk.in_([c.id for c in contexts]), LtiMember.role == "learner",
        LtiMember.active.is_(True))))
