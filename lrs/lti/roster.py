"""Names and Role Provisioning Services: a course's roster into its team (people, identities, membership).

Members the roster lists as Active are enrolled (learners join the team); members it lists as Inactive or
Deleted, or no longer lists, leave the team. People the directory had before are only linked, never changed.
The use case (API, CLI) commits; this never does.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from lrs.lti import oauth
from lrs.lti.claims import NRPS_SCOPE, role_for
from lrs.lti.errors import LtiError
from lrs.lti.people import enrol, person_for
from lrs.models import Person
from lrs.models.lti import LtiContext, LtiMember, LtiPlatform
from lrs.progress.engine import ProgressEngine

MEMBERSHIP_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
MAX_PAGES = 200
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


def _members(session: Session, secret_key: str, platform: LtiPlatform, url: str) -> list[dict]:
    found: list[dict] = []
    for _ in range(MAX_PAGES):
        response = oauth.call(session, secret_key, platform, [NRPS_SCOPE], "GET", url,
                              headers={"Accept": MEMBERSHIP_TYPE})
        if response.status_code != 200:
            raise LtiError(f"the platform refused the roster: {response.status_code} {response.text[:200]}",
                           "memberships_url", 502)
        try:
            members = response.json()["members"]
        except (ValueError, KeyError, TypeError) as exc:
            raise LtiError("the platform's roster is not a membership container", "memberships_url", 502) from exc
        found.extend(m for m in members if isinstance(m, dict))
        following = _NEXT.search(response.headers.get("Link", ""))
        if following is None:
            return found
        url = following.group(1)
    raise LtiError(f"the roster has more than {MAX_PAGES} pages", "memberships_url", 502)


def _name(member: dict) -> str:
    if isinstance(member.get("name"), str) and member["name"].strip():
        return member["name"].strip()
    parts = [member.get(k) for k in ("given_name", "family_name") if isinstance(member.get(k), str)]
    return " ".join(p.strip() for p in parts if p.strip()) or member.get("email") or "LTI user"


def sync_roster(session: Session, secret_key: str, context: LtiContext) -> dict:
    """Read the roster and apply it; returns counts of what it found and changed."""
    if not context.memberships_url:
        raise LtiError("no roster URL is known for this course: launch the tool from it once (with the "
                       "Names and Role Provisioning service enabled)", "memberships_url", 409)
    platform = session.get(LtiPlatform, context.platform_id)
    counts = {"members": 0, "learners": 0, "managers": 0, "inactive": 0, "people_created": 0, "left": 0}
    seen: set[int] = set()
    touched: set[int] = set()
    for member in _members(session, secret_key, platform, context.memberships_url):
        sub = member.get("user_id")
        if not isinstance(sub, str) or not sub or len(sub) > 255:
            continue
        email = member.get("email") if isinstance(member.get("email"), str) else None
        found = person_for(session, platform, sub, email, _name(member)[:300])
        if found.person.id in seen:
            continue
        seen.add(found.person.id)
        counts["people_created"] += found.created
        if found.added:
            touched.add(found.person.id)
        active = member.get("status", "Active") == "Active"
        role = role_for(r for r in member.get("roles", []) if isinstance(r, str))
        enrol(session, context, found.person, sub, role, active=active)
        counts["members"] += 1
        counts[("learners" if role == "learner" else "managers") if active else "inactive"] += 1
    for member in list(session.scalars(select(LtiMember).where(LtiMember.context_pk == context.id,
                                                               LtiMember.active.is_(True)))):
        if member.person_id not in seen:
            enrol(session, context, session.get(Person, member.person_id), member.user_sub, member.role,
                  active=False)
            counts["left"] += 1
    if touched:
        ProgressEngine(session).refresh_people(platform.tenant_id, touched)
    return counts
