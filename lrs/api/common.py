"""What several admin-API resources need: the service's own writer, and a team with the members the caller
may see."""

from __future__ import annotations

from flask import current_app, request
from flask_smorest import abort

from lrs.api.auth import current_user
from lrs.extensions import db
from lrs.models import Team
from lrs.people.access import visible_people
from lrs.people.directory import team_members
from lrs.xapi.service import Writer


def base_url() -> str:
    return current_app.config.get("LRS_PUBLIC_URL") or request.host_url.rstrip("/")


def service_writer(tenant_id: int) -> Writer:
    """Statements the service records on someone's behalf (kudos, moments, mentoring) have it as authority."""
    return Writer(tenant_id, None, {"objectType": "Agent", "name": "lrs",
                                    "account": {"homePage": base_url(), "name": "lrs"}}, False)


def visible_team(team_id: int) -> tuple[Team, list[int]]:
    """The team (404 outside the caller's tenant) and those of its members the caller may see."""
    user = current_user()
    team = db.session.get(Team, team_id)
    if team is None or team.tenant_id != user.tenant_id:
        abort(404, message=f"no team {team_id}", path="team_id")
    visible = visible_people(db.session, user)
    members = [m for m in team_members(db.session, user.tenant_id, team_id) if visible is None or m in visible]
    return team, members
