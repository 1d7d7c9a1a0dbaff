"""What a validated launch does in the directory: the person and their login, the course and its team, the
placement the link stands for and, for a learner, their own goal or certification and its score. Never
commits."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from lrs.lti import grades, placements
from lrs.lti.claims import RESOURCE_LINK_REQUEST, Launch
from lrs.lti.people import context_for, enrol, person_for, user_for
from lrs.models import Certification, Goal, Person, User
from lrs.models.lti import LtiContext, LtiPlacement, LtiPlatform
from lrs.progress.engine import ProgressEngine


@dataclass(frozen=True)
class Admission:
    user: User
    person: Person
    context: LtiContext | None
    placement: LtiPlacement | None
    # What the link opens for this user: ("goal", id) — the learner's copy, or the placed team goal for a
    # manager — or ("certification", id); None for a plain launch.
    opens: tuple[str, int] | None


def admit(session: Session, platform: LtiPlatform, launch: Launch) -> Admission:
    person, _, added = person_for(session, platform, launch.sub, launch.email, launch.name)
    if added:  # statements already stored under the new identities count now
        ProgressEngine(session).refresh_people(platform.tenant_id, {person.id})
    user = user_for(session, person, launch.email, launch.name, launch.role)
    context = None
    if launch.context_id is not None:
        context = context_for(session, platform, launch.context_id, launch.context_title, launch.memberships_url)
        enrol(session, context, person, launch.sub, launch.role)
    placement, opens = None, None
    target = placements.target_of(launch.custom) if launch.message_type == RESOURCE_LINK_REQUEST else None
    if target is not None:
        kind, target_id = target
        title = placements.title_of(session, platform.tenant_id, kind, target_id)
        if context is not None and launch.resource_link_id:
            placement = placements.record(session, context, launch, kind, target_id, title)
        opens = _open(session, platform, launch, person, placement, kind, target_id)
    return Admission(user, person, context, placement, opens)


def _open(session: Session, platform: LtiPlatform, launch: Launch, person: Person, placement: LtiPlacement | None,
          kind: str, target_id: int) -> tuple[str, int]:
    if launch.role != "learner":
        return kind, target_id
    goal_id = holder_id = None
    if kind == "goal":
        goal_id = placements.own_goal(session, session.get(Goal, target_id), person).id
        opened = ("goal", goal_id)
    else:
        holder_id = placements.own_holding(session, session.get(Certification, target_id), person).id
        opened = ("certification", target_id)
    if placement is not None and placements.gradable(placement):
        grades.track(session, placement, platform.tenant_id, person.id, launch.sub, goal_id, holder_id)
    return opened
