"""/admin/goals: the tenant's goals, creating one (its rule in JSON, errors shown), recounting progress."""

from __future__ import annotations

from datetime import date

import orjson
from flask import flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from lrs.extensions import db
from lrs.models import Goal, GoalProgress, Person, Team
from lrs.progress.engine import ProgressEngine
from lrs.progress.goals import GoalError, GoalSpec, check_spec, create_goal, status_of
from lrs.web.admin import find_person, people_suggestions, tenant_teams
from lrs.web.security import page, page_blueprint

bp = page_blueprint("web_goals", __name__, url_prefix="/admin/goals")
SHOWN = 200
EXAMPLE_RULE = {"match": {"verbs": ["http://adlnet.gov/expapi/verbs/completed"]},
                "measure": {"kind": "count", "target": 3}}


def _listing(form: dict | None = None, errors: dict | None = None, status: int = 200):
    today = date.today()
    rows = db.session.execute(
        select(Goal, GoalProgress, Person.name).outerjoin(GoalProgress, GoalProgress.goal_id == Goal.id)
        .join(Person, Person.id == Goal.person_id)
        .where(Goal.tenant_id == g.user.tenant_id, Goal.holder_id.is_(None))
        .order_by(Goal.id.desc()).limit(SHOWN)).all()
    goals = [{"goal": goal, "person": name, "fraction": progress.fraction if progress else 0.0,
              "status": status_of(goal, progress, today)} for goal, progress, name in rows]
    form = form or {"rule": orjson.dumps(EXAMPLE_RULE, option=orjson.OPT_INDENT_2).decode(), "weight": "1"}
    return render_template("web/admin/goals.html", goals=goals, form=form, errors=errors or {},
                           people=people_suggestions(), teams=tenant_teams(), shown=SHOWN), status


@bp.get("")
@page("admin")
def goals():
    return _listing()


def _spec(form: dict, errors: dict) -> GoalSpec | None:
    """The goal the form describes; what cannot be read goes into ``errors`` by field."""
    try:
        rule = orjson.loads(form["rule"])
    except orjson.JSONDecodeError as exc:
        errors["rule"] = f"The rule is not valid JSON: {exc}."
        rule = None
    dates = {}
    for name in ("starts_on", "due_on"):
        try:
            dates[name] = date.fromisoformat(form[name]) if form[name] else None
        except ValueError:
            errors[name] = "Write the date as YYYY-MM-DD."
    try:
        weight = float(form["weight"] or 1)
    except ValueError:
        errors["weight"] = "The weight is a number, e.g. 1 or 2.5."
        weight = 1.0
    person_id = team_id = None
    if form["team"]:
        team = db.session.get(Team, int(form["team"])) if form["team"].isdigit() else None
        if team is None or team.tenant_id != g.user.tenant_id:
            errors["team"] = "Choose a team of the list."
        team_id = team.id if team else None
    if form["person"]:
        person = find_person(form["person"])
        if person is None:
            errors["person"] = f"No person with employee id {form['person']!r}."
        person_id = person.id if person else None
    if not form["person"] and not form["team"]:
        errors["person"] = "Name a person (employee id) or choose a team."
    elif form["person"] and form["team"]:
        errors.setdefault("team", "A goal is for a person or for a team, not both.")
    if errors:
        return None
    return GoalSpec(title=form["title"], rule=rule, description=form["description"], person_id=person_id,
                    team_id=team_id, starts_on=dates["starts_on"], due_on=dates["due_on"], weight=weight)


FIELDS = {"$.title": "title", "$.person_id": "person", "$.team_id": "team", "$.due_on": "due_on",
          "$.weight": "weight"}


@bp.post("")
@page("admin")
def create():
    form = {k: (request.form.get(k) or "").strip() for k in
            ("title", "description", "person", "team", "starts_on", "due_on", "weight", "rule")}
    errors: dict[str, str] = {}
    spec = _spec(form, errors)
    if spec is None:
        return _listing(form, errors, 400)
    try:
        warnings = check_spec(db.session, g.user.tenant_id, spec)
    except GoalError as exc:
        field = FIELDS.get(exc.path, "rule")
        return _listing(form, {field: f"{exc.detail}" + (f" (at {exc.path})" if field == "rule" else "") + "."},
                        400)
    made = create_goal(db.session, g.user.tenant_id, spec, g.user.id)
    ProgressEngine(db.session).refresh_goals({goal.id for goal in made})
    db.session.commit()
    flash(f"Goal “{spec.title.strip()}” created for {len(made)} person(s); statements already stored count.",
          "success")
    for warning in warnings:
        flash(f"Note: {warning}.", "warning")
    return redirect(url_for("web_goals.goals"))


@bp.post("/recount")
@page("admin")
def recount():
    """Recount every goal of the tenant's people from their statements (after a large import, say)."""
    people = set(db.session.scalars(select(Person.id).where(Person.tenant_id == g.user.tenant_id)))
    ProgressEngine(db.session).refresh_people(g.user.tenant_id, people)
    db.session.commit()
    flash(f"Progress recounted for {len(people)} people.", "success")
    return redirect(url_for("web_goals.goals"))
