"""/team: a manager's reports (the whole chain below them) or one of their teams at a glance, and the
review export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask import g, render_template, request
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from lrs.api.reviews import export_response
from lrs.extensions import db
from lrs.models import Person, Team, TeamMember
from lrs.people.access import visible_people
from lrs.people.directory import reports, team_members
from lrs.reviews.formats import FORMATS
from lrs.web import charts, queries
from lrs.web.security import page, page_blueprint

bp = page_blueprint("web_team", __name__, url_prefix="/team")
DEFAULT_WEEKS = 12
MAX_DAYS = 3 * 366
CHART_PEOPLE = 40
MAX_PEOPLE = 2000


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    error: str | None = None


def _period(args) -> Period:
    """The review period from ?from=&to= (the last 12 weeks by default), in days of UTC like the log."""
    today = datetime.now(UTC).date()
    default = Period(today - timedelta(weeks=DEFAULT_WEEKS) + timedelta(days=1), today)
    try:
        start = date.fromisoformat(args["from"]) if args.get("from") else default.start
        end = date.fromisoformat(args["to"]) if args.get("to") else default.end
    except ValueError:
        return Period(default.start, default.end, "Dates are written YYYY-MM-DD.")
    if end < start:
        return Period(default.start, default.end, "The period ends before it starts.")
    if (end - start).days > MAX_DAYS:
        return Period(end - timedelta(days=MAX_DAYS), end, "A period is at most three years.")
    return Period(start, end)


@dataclass(frozen=True)
class Scope:
    value: str  # "chain", "all" (an admin without a person: the tenant) or "team:<id>"
    label: str
    people: list[int]
    capped: bool = False


def export_teams() -> list[Team]:
    """Teams the user may look at: for an admin every team, for a manager those with one of their reports."""
    user = g.user
    query = select(Team).where(Team.tenant_id == user.tenant_id).order_by(Team.name)
    visible = visible_people(db.session, user)
    if visible is not None:
        query = query.where(Team.id.in_(select(TeamMember.team_id).where(TeamMember.person_id.in_(visible))))
    return list(db.session.scalars(query))


def _scope(value: str | None, teams: list[Team]) -> Scope:
    """Whom the page covers: a team (its members the user may see), the user's reports, or for an admin
    without a person the tenant; at most MAX_PEOPLE of them (a larger group is better seen team by team)."""
    user = g.user
    team = next((t for t in teams if value == f"team:{t.id}"), None)
    if team is not None:
        visible = visible_people(db.session, user)
        members = [m for m in team_members(db.session, user.tenant_id, team.id) if visible is None or m in visible]
        return _capped(f"team:{team.id}", f"Team {team.name}", members)
    if user.person_id is not None:
        return _capped("chain", "Everyone reporting to you, directly or through others",
                       reports(db.session, user.tenant_id, user.person_id))
    if user.role == "admin":
        return _capped("all", f"Everyone in {g.tenant.name}", list(db.session.scalars(
            select(Person.id).where(Person.tenant_id == user.tenant_id).order_by(Person.name, Person.id)
            .limit(MAX_PEOPLE + 1))))
    return Scope("chain", "Everyone reporting to you", [])


def _capped(value: str, label: str, people: list[int]) -> Scope:
    return Scope(value, label, people[:MAX_PEOPLE], len(people) > MAX_PEOPLE)


@bp.get("")
@page("manager", "admin")
def team():
    period = _period(request.args)
    teams = export_teams()
    scope = _scope(request.args.get("scope"), teams)
    people = scope.people
    today = date.today()
    persons, per_goal = queries.team_progress(db.session, g.user.tenant_id, people, period.start, period.end,
                                              today)
    weeks = queries.weekly_statements(db.session, g.user.tenant_id, people, period.start, period.end)
    with_goals = [p for p in persons if p["summary"]["goals"]]
    charted = with_goals[:CHART_PEOPLE]
    return render_template(
        "web/team.html", period=period, scope=scope, persons=persons, per_goal=per_goal, weeks=weeks,
        expiring=queries.expiring_certifications(db.session, people),
        person_chart=charts.bar_chart([p["name"] for p in charted],
                                      [p["summary"]["weighted_fraction"] for p in charted],
                                      title="Progress per person (weighted mean of their goals)"),
        goal_chart=charts.bar_chart([g_["title"] for g_ in per_goal[:CHART_PEOPLE]],
                                    [g_["mean"] for g_ in per_goal[:CHART_PEOPLE]],
                                    title="Progress per goal (mean over the people who have it)"),
        trend_chart=charts.line_chart([w.strftime("%d %b") for w, _ in weeks], [c for _, c in weeks],
                                      title="Statements per week, by when they were stored"),
        charted=len(charted), with_goals=len(with_goals), formats=sorted(FORMATS), teams=teams,
        has_chain=g.user.person_id is not None, max_people=MAX_PEOPLE)


@bp.get("/export")
@page("manager", "admin")
def export():
    """The review export as a download (the same response as GET /api/v1/reviews/export)."""
    period = _period(request.args)
    kind = request.args.get("format", "csv")
    scope = request.args.get("scope", "chain")
    if period.error or kind not in FORMATS:
        return _export_error(period.error or f"Choose a format: {', '.join(sorted(FORMATS))}.")
    args = {"person_id": None, "team_id": None, "chain": False, "period_from": period.start,
            "period_to": period.end, "format": kind}
    if scope == "chain" and g.user.person_id is not None:
        args.update(person_id=g.user.person_id, chain=True)
    elif scope.startswith("team:") and scope[5:].isdigit() and int(scope[5:]) in {t.id for t in export_teams()}:
        args["team_id"] = int(scope[5:])
    else:
        return _export_error("Choose whom to export: your reporting chain or one of the teams listed.")
    try:
        return export_response(args)
    except HTTPException as exc:  # the scope checks of the export (flask-smorest abort)
        return _export_error((getattr(exc, "data", None) or {}).get("message") or exc.description, exc.code)


def _export_error(message: str, status: int | None = 400):
    return render_template("web/error.html", code=status or 400, title="The export could not be made",
                           detail=message), status or 400
