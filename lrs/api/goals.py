"""/api/v1/goals and progress per person and team."""

from __future__ import annotations

from datetime import date

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from lrs.api.auth import current_user, login_required
from lrs.api.common import visible_team
from lrs.extensions import db
from lrs.models import Goal, GoalProgress
from lrs.people.access import can_see, visible_people
from lrs.people.directory import team_members
from lrs.progress.engine import ProgressEngine
from lrs.progress.goals import GoalError, GoalSpec, check_spec, create_goal, goal_view, goals_for_people

PREFIX = "/goals"
blp = Blueprint("goals", __name__, description="Learning goals: rules over statements, and progress")
progress_blp = Blueprint("progress", __name__, description="Progress of people and teams")


class GoalIn(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    description = fields.String(load_default="")
    person_id = fields.Integer(load_default=None, allow_none=True)
    team_id = fields.Integer(load_default=None, allow_none=True)
    starts_on = fields.Date(load_default=None, allow_none=True)
    due_on = fields.Date(load_default=None, allow_none=True)
    weight = fields.Float(load_default=1.0)
    rule = fields.Dict(required=True)


class PeriodArgs(Schema):
    period_from = fields.Date(data_key="from", load_default=None)
    period_to = fields.Date(data_key="to", load_default=None)


class GoalListArgs(PeriodArgs):
    person_id = fields.Integer(load_default=None)


def _may_set_goal_for(person_id: int | None, team_id: int | None) -> bool:
    user = current_user()
    if user.role == "admin":
        return True
    visible = visible_people(db.session, user) or set()
    if person_id is not None:
        return person_id == user.person_id if user.role == "learner" else person_id in visible
    members = team_members(db.session, user.tenant_id, team_id)
    return user.role == "manager" and bool(members) and set(members) <= visible


def _goal_or_404(goal_id: int) -> Goal:
    user = current_user()
    goal = db.session.get(Goal, goal_id)
    if goal is None or goal.tenant_id != user.tenant_id or goal.person_id is None or goal.holder_id is not None \
            or not can_see(db.session, user, goal.person_id):
        abort(404, message=f"no goal {goal_id} that you can see", path="id")
    return goal


@blp.route("")
class Goals(MethodView):
    @blp.arguments(GoalIn)
    @blp.response(201)
    @login_required()
    def post(self, data):
        """Create a goal for a person, or for a team (copied to each member); past statements count."""
        user = current_user()
        spec = GoalSpec(**data)
        try:
            warnings = check_spec(db.session, user.tenant_id, spec)
        except GoalError as exc:
            abort(exc.status, message=exc.detail, path=exc.path)
        if not _may_set_goal_for(spec.person_id, spec.team_id):
            abort(403, message="you may set goals only for yourself (learners) or your reports (managers)",
                  path="$.person_id" if spec.person_id is not None else "$.team_id")
        goals = create_goal(db.session, user.tenant_id, spec, user.id)
        ProgressEngine(db.session).refresh_goals({g.id for g in goals})
        db.session.commit()
        today = date.today()
        return {"goals": [goal_view(db.session, g, db.session.get(GoalProgress, g.id), today) for g in goals],
                "warnings": warnings}

    @blp.arguments(GoalListArgs, location="query")
    @blp.response(200)
    @login_required()
    def get(self, args):
        user = current_user()
        visible = visible_people(db.session, user)
        if args["person_id"] is not None:
            if not can_see(db.session, user, args["person_id"]):
                abort(404, message=f"no person {args['person_id']} that you can see", path="person_id")
            people = [args["person_id"]]
        elif visible is None:
            people = list(db.session.scalars(select(Goal.person_id).where(
                Goal.tenant_id == user.tenant_id, Goal.person_id.is_not(None)).distinct()))
        else:
            people = sorted(visible)
        today = date.today()
        return [goal_view(db.session, g, p, today) for g, p in goals_for_people(
            db.session, user.tenant_id, people, period_from=args["period_from"], period_to=args["period_to"])]


@blp.route("/<int:goal_id>")
class GoalItem(MethodView):
    @blp.response(200)
    @login_required()
    def get(self, goal_id: int):
        goal = _goal_or_404(goal_id)
        return goal_view(db.session, goal, db.session.get(GoalProgress, goal.id), date.today(), with_evidence=True)

    @blp.response(204)
    @login_required("admin", "manager")
    def delete(self, goal_id: int):
        goal = _goal_or_404(goal_id)
        db.session.delete(goal)
        db.session.commit()


@progress_blp.route("/people/<int:person_id>/progress")
class PersonProgress(MethodView):
    @progress_blp.arguments(PeriodArgs, location="query")
    @progress_blp.response(200)
    @login_required()
    def get(self, args, person_id: int):
        user = current_user()
        if not can_see(db.session, user, person_id):
            abort(404, message=f"no person {person_id} that you can see", path="person_id")
        today = date.today()
        goals = [goal_view(db.session, g, p, today) for g, p in goals_for_people(
            db.session, user.tenant_id, [person_id], period_from=args["period_from"], period_to=args["period_to"])]
        return {"person_id": person_id, "goals": goals, "summary": summarise(goals)}


@progress_blp.route("/teams/<int:team_id>/progress")
class TeamProgress(MethodView):
    @progress_blp.arguments(PeriodArgs, location="query")
    @progress_blp.response(200)
    @login_required("admin", "manager")
    def get(self, args, team_id: int):
        user = current_user()
        team, members = visible_team(team_id)
        today = date.today()
        by_person: dict[int, list[dict]] = {m: [] for m in members}
        for g, p in goals_for_people(db.session, user.tenant_id, members, period_from=args["period_from"],
                                     period_to=args["period_to"]):
            by_person[g.person_id].append(goal_view(db.session, g, p, today))
        return {"team_id": team_id, "name": team.name,
                "people": [{"person_id": pid, "goals": goals, "summary": summarise(goals)}
                           for pid, goals in by_person.items()]}


def summarise(goals: list[dict]) -> dict:
    """Counts per status and the weighted mean fraction."""
    counts = {status: 0 for status in ("not_started", "in_progress", "achieved", "overdue")}
    for goal in goals:
        counts[goal["progress"]["status"]] += 1
    weight = sum(g["weight"] for g in goals)
    mean = sum(g["weight"] * g["progress"]["fraction"] for g in goals) / weight if weight else 0.0
    return {"goals": len(goals), **counts, "weighted_fraction": round(mean, 4)}
