"""The pages an LTI session sees in the LMS: the person's goals and certifications, what a placed link
opens (with the course's learners for instructors), and the roster sync of the courses they teach."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import current_app, render_template, request
from flask_wtf.csrf import generate_csrf, validate_csrf
from sqlalchemy import select
from wtforms import ValidationError

from lrs.extensions import db
from lrs.lti.errors import LtiError
from lrs.lti.oauth import ensure_tool_key
from lrs.lti.people import course_learners, managed_contexts, manages
from lrs.lti.roster import sync_roster
from lrs.lti.web import bp, error_page, lti_user
from lrs.models import Certification, CertificationHolder, Goal, GoalProgress, Person, Team, User
from lrs.models.lti import LtiContext
from lrs.people.access import can_see, visible_people
from lrs.progress.cert_service import holder_view
from lrs.progress.goals import goal_view, goals_for_people
from lrs.xapi import formats

NOT_LAUNCHED = "Open this page from your course: it needs a launch from the learning platform."


def _now_us() -> int:
    return formats.to_micros(datetime.now(UTC))


def _seen_by(user: User, contexts: list[LtiContext]) -> set[int] | None:
    """Whose progress a user sees here: everyone (admins), or themself, their reports and their courses."""
    visible = visible_people(db.session, user)
    if visible is None:
        return None
    return visible | course_learners(db.session, contexts)


def _names(people: set[int]) -> dict[int, str]:
    return {pid: name for pid, name in db.session.execute(
        select(Person.id, Person.name).where(Person.id.in_(sorted(people) or [-1])))}


@bp.route("/home")
def home():
    user = lti_user()
    if user is None:
        return error_page(NOT_LAUNCHED, 401)
    return _render_home(user)


def _render_home(user: User, message: str | None = None, status: int = 200):
    today, now_us = date.today(), _now_us()
    goals = [goal_view(db.session, g, p, today) for g, p in goals_for_people(
        db.session, user.tenant_id, [user.person_id] if user.person_id else [])]
    holdings = [holder_view(h, c, now_us) for h, c in db.session.execute(
        select(CertificationHolder, Certification).join(
            Certification, Certification.id == CertificationHolder.certification_id)
        .where(CertificationHolder.person_id == (user.person_id or -1)).order_by(Certification.title))]
    contexts = managed_contexts(db.session, user)
    teams = {tid: name for tid, name in db.session.execute(select(Team.id, Team.name).where(
        Team.id.in_([c.team_id for c in contexts if c.team_id] or [-1])))}
    courses = [{"id": c.id, "title": c.title, "team": teams.get(c.team_id), "roster": bool(c.memberships_url),
                "learners": len(course_learners(db.session, [c]))} for c in contexts]
    return render_template("lti/home.html", user=user, goals=goals, holdings=holdings, courses=courses,
                           csrf_token=generate_csrf(), message=message), status


@bp.route("/goals/<int:goal_id>")
def goal(goal_id: int):
    user = lti_user()
    if user is None:
        return error_page(NOT_LAUNCHED, 401)
    found = db.session.get(Goal, goal_id)
    if found is None or found.tenant_id != user.tenant_id or found.holder_id is not None:
        return error_page("There is no such goal that you can see.", 404)
    today = date.today()
    if found.person_id is not None:
        if not can_see(db.session, user, found.person_id):
            return error_page("There is no such goal that you can see.", 404)
        view = goal_view(db.session, found, db.session.get(GoalProgress, found.id), today, with_evidence=True)
        return render_template("lti/goal.html", goal=view, learners=None)
    if user.role not in ("admin", "manager"):
        return error_page("There is no such goal that you can see.", 404)
    seen = _seen_by(user, managed_contexts(db.session, user))
    copies = [(g, p) for g, p in db.session.execute(
        select(Goal, GoalProgress).outerjoin(GoalProgress, GoalProgress.goal_id == Goal.id)
        .where(Goal.parent_id == found.id).order_by(Goal.person_id)) if seen is None or g.person_id in seen]
    names = _names({g.person_id for g, _ in copies})
    learners = [{"name": names.get(g.person_id, "?"), **goal_view(db.session, g, p, today)} for g, p in copies]
    return render_template("lti/goal.html", goal=goal_view(db.session, found, None, today), learners=learners)


@bp.route("/certifications/<int:certification_id>")
def certification(certification_id: int):
    user = lti_user()
    if user is None:
        return error_page(NOT_LAUNCHED, 401)
    found = db.session.get(Certification, certification_id)
    if found is None or found.tenant_id != user.tenant_id:
        return error_page("There is no such certification that you can see.", 404)
    now_us = _now_us()
    holders = list(db.session.scalars(select(CertificationHolder).where(
        CertificationHolder.certification_id == found.id).order_by(CertificationHolder.person_id)))
    mine = next((holder_view(h, found, now_us) for h in holders if h.person_id == user.person_id), None)
    learners = None
    if user.role in ("admin", "manager"):
        seen = _seen_by(user, managed_contexts(db.session, user))
        shown = [h for h in holders if (seen is None or h.person_id in seen) and h.person_id != user.person_id]
        names = _names({h.person_id for h in shown})
        learners = [{"name": names.get(h.person_id, "?"), **holder_view(h, found, now_us)} for h in shown]
    return render_template("lti/certification.html", certification=found, mine=mine, learners=learners)


@bp.route("/contexts/<int:context_pk>/sync-roster", methods=["POST"])
def sync(context_pk: int):
    """The roster sync button of a course's instructor (the API has the same for scripts)."""
    user = lti_user()
    if user is None:
        return error_page(NOT_LAUNCHED, 401)
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        return error_page("The form expired: reload the page and send it again.", 400)
    context = db.session.get(LtiContext, context_pk)
    if context is None or not manages(db.session, user, context):
        return error_page("There is no such course that you teach.", 404)
    try:
        ensure_tool_key(db.session, current_app.config["SECRET_KEY"])
        db.session.commit()
        counts = sync_roster(db.session, current_app.config["SECRET_KEY"], context)
        db.session.commit()
    except LtiError as exc:
        db.session.rollback()
        return _render_home(user, f"The roster was not synced: {exc.detail}", exc.status)
    return _render_home(user, f"Roster of {context.title} synced: {counts['learners']} learners, "
                              f"{counts['managers']} instructors, {counts['left']} left.")
