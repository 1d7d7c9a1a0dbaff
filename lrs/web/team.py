"""/team: a manager's reports (the whole chain below them) at a glance, and their review export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import g, render_template, request
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from lrs.api.reviews import export_response
from lrs.extensions import db
from lrs.models import Person, Team, TeamMember
from lrs.people.access import visible_people
from lrs.people.directory import reports
from lrs.reviews.formats import FORMATS
from lrs.web import charts, queries
from lrs.web.security import page, page_blueprint

bp = page_blueprint("web_team", __name__, url_prefix="/team")
DEFAULT_WEEKS = 12
MAX_DAYS = 3 * 366
CHART_PEOPLE = 40


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    error: str | None = None


def _period(args) -> Period:
    """The review period from ?from=&to= (the last 12 weeks by default)."""
    today = date.today()
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


def team_people() -> list[int]:
    """Whom the page covers: the reports of the user's person (admins without a person: the tenant)."""
    user = g.user
    if user.person_id is not None:
        return reports(db.session, user.tenant_id, user.person_id)
    if user.role == "admin":
        return list(db.session.scalars(select(Person.id).where(Person.tenant_id == user.tenant_id)))
    return []


def export_teams() -> list[Team]:
    """Teams the user may export: for an admin every team, for a manager those with one of their reports."""
    user = g.user
    query = select(Team).where(Team.tenant_id == user.tenant_id).order_by(Team.name)
    visible = visible_people(db.session, user)
    if visible is not None:
        query = query.where(Team.id.in_(select(TeamMember.team_id).where(TeamMember.person_id.in_(visible))))
    return list(db.session.scalars(query))


@bp.get("")
@page("manager", "admin")
def team():
    period = _period(request.args)
    people = team_people()
    today = date.today()
    persons, per_goal = queries.team_progress(db.session, g.user.tenant_id, people, period.start, period.end,
                                              today)
    weeks = queries.weekly_statements(db.session, g.user.tenant_id, people, period.start, period.end)
    with_goals = [p for p in persons if p["summary"]["goals"]]
    charted = with_goals[:CHART_PEOPLE]
    return render_template(
        "web/team.html", period=period, persons=persons, per_goal=per_goal, weeks=weeks,
        expiring=queries.expiring_certifications(db.session, people),
        person_chart=charts.bar_chart([p["name"] for p in charted],
                                      [p["summary"]["weighted_fraction"] for p in charted],
                                      title="Progress per person (weighted mean of their goals)"),
        goal_chart=charts.bar_chart([g_["title"] for g_ in per_goal[:CHART_PEOPLE]],
                                    [g_["mean"] for g_ in per_goal[:CHART_PEOPLE]],
                                    title="Progress per goal (mean over the people who have it)"),
        trend_chart=charts.line_chart([w.strftime("%d %b") for w, _ in weeks], [c for _, c in weeks],
                                      title="Statements per week, by when they were stored"),
        charted=len(charted), with_goals=len(with_goals), formats=sorted(FORMATS), teams=export_teams(),
        has_chain=g.user.person_id is not None)


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
