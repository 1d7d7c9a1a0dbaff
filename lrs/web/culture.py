"""Learning-culture pages: a team's learning moments and after-action reviews (/teams/<id>/moments),
mentoring sessions (/mentoring), anonymous pulse checks (answered from /me, opened and read from
/team/pulses), the impact view of a team (/team/impact) and suggestions for open goals (/me/suggested).
What /me shows of them comes from ``culture_panel``, a template global this blueprint adds."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlsplit

import orjson
from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from lrs.api.common import base_url, service_writer
from lrs.culture.impact import impact
from lrs.culture.mentoring import MentoringError, record_session
from lrs.culture.moments import MomentError, after_action_review, share, team_feed
from lrs.culture.pulse import MIN_THRESHOLD, PulseError, answer, has_answered, open_pulse, results
from lrs.culture.recommendations import recommend
from lrs.extensions import db
from lrs.models import Person, Pulse, Team, TeamMember
from lrs.people.access import visible_people
from lrs.people.directory import team_members
from lrs.progress.inline import after_statements_stored
from lrs.web import charts, queries
from lrs.web.learner import own_person
from lrs.web.security import page, page_blueprint
from lrs.web.team import export_teams

bp = page_blueprint("web_culture", __name__)
MAX_LESSONS = 5
IMPACT_DAYS = 180
MAX_DAYS = 3 * 366


# ---------------------------------------------------------------------------------------------- helpers

def _text(name: str) -> str:
    return (request.form.get(name) or "").strip()


def _length(errors: dict, name: str, value: str, label: str, maximum: int, required: bool = True) -> None:
    if required and not value:
        errors[name] = f"{label} is required."
    elif len(value) > maximum:
        errors[name] = f"{label} is at most {maximum} characters."


def _team_or_404(team_id: int) -> Team:
    team = db.session.get(Team, team_id)
    if team is None or team.tenant_id != g.user.tenant_id:
        abort(404)
    return team


def _is_member(team_id: int, person_id: int) -> bool:
    return db.session.scalar(select(TeamMember.person_id).where(TeamMember.team_id == team_id,
                                                                TeamMember.person_id == person_id)) is not None


def _member_team(team_id: int) -> tuple[Team, Person]:
    """The team, if the user's person is one of its members (another tenant's team: 404; not a member: 403)."""
    team = _team_or_404(team_id)
    person = own_person()
    if person is None or not _is_member(team.id, person.id):
        abort(403)
    return team, person


def _pulse_or_404(pulse_id: int) -> Pulse:
    pulse = db.session.get(Pulse, pulse_id)
    if pulse is None or pulse.tenant_id != g.user.tenant_id:
        abort(404)
    return pulse


def _owns(pulse: Pulse) -> bool:
    return g.user.role == "admin" or pulse.opened_by == g.user.id


@bp.app_context_processor
def _globals() -> dict:
    return {"culture_panel": culture_panel}


def culture_panel(person: Person) -> dict:
    """What /me shows of the culture features: suggestions per open goal, the person's teams (for their
    moments) and the open pulse checks of those teams, each with whether the person answered it."""
    teams = queries.teams_of(db.session, person.id)
    pulses = []
    if teams:
        key = current_app.config["SECRET_KEY"]
        for pulse in db.session.scalars(select(Pulse).where(
                Pulse.tenant_id == person.tenant_id, Pulse.team_id.in_([t.id for t in teams]),
                Pulse.closed.is_(False)).order_by(Pulse.id)):
            pulses.append({"pulse": pulse, "questions": orjson.loads(pulse.questions),
                           "team": next(t.name for t in teams if t.id == pulse.team_id),
                           "answered": has_answered(db.session, key, pulse, person.id)})
    goals = [{"goal_id": item["goal_id"], "title": item["title"], "count": len(item["suggestions"])}
             for item in recommend(db.session, person.tenant_id, person.id)]
    return {"suggestions": goals, "teams": teams, "pulses": pulses}


@bp.get("/me/suggested")
@page()
def suggested():
    """Suggestions for each open goal with their reasons. On a page of its own: the reasons name activities
    colleagues did, which /me (the person's own learning only) does not show."""
    person = own_person()
    found = recommend(db.session, person.tenant_id, person.id) if person is not None else []
    return render_template("web/culture/suggested.html", person=person, goals=found)


# ---------------------------------------------------------------------------------------------- moments

def _moments_page(team: Team, person: Person, errors: dict | None = None, values: dict | None = None,
                  status: int = 200):
    feed = team_feed(db.session, team.tenant_id, team.id, person)
    return render_template("web/culture/moments.html", team=team, feed=feed, errors=errors or {},
                           values=values or {}, max_lessons=MAX_LESSONS), status


@bp.get("/teams/<int:team_id>/moments")
@page()
def moments(team_id: int):
    team, person = _member_team(team_id)
    return _moments_page(team, person)


def _valid_link(link: str) -> bool:
    parts = urlsplit(link)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in link


@bp.post("/teams/<int:team_id>/moments")
@page()
def share_moment(team_id: int):
    team, person = _member_team(team_id)
    values = {k: _text(k) for k in ("title", "happened", "learned", "link")}
    values["widen"] = request.form.get("widen") == "on"
    errors: dict = {}
    _length(errors, "title", values["title"], "A title", 200)
    _length(errors, "happened", values["happened"], "What happened", 4000)
    _length(errors, "learned", values["learned"], "What you learned", 4000)
    if values["link"] and (len(values["link"]) > 2000 or not _valid_link(values["link"])):
        errors["link"] = "The link is a web address starting with http:// or https://."
    if errors:
        return _moments_page(team, person, errors, values, 400)
    try:
        share(db.session, service_writer(team.tenant_id), base_url(), person, team.id, title=values["title"],
              happened=values["happened"], learned=values["learned"], widen=values["widen"],
              link=values["link"] or None)
    except MomentError as exc:
        db.session.rollback()
        return _moments_page(team, person, {"title": f"Not shared: {exc.detail}."}, values, exc.status or 400)
    after_statements_stored()
    flash("Shared with the whole organisation." if values["widen"] else f"Shared with team {team.name}.", "success")
    return redirect(url_for("web_culture.moments", team_id=team.id))


@bp.post("/teams/<int:team_id>/after-action-reviews")
@page()
def review(team_id: int):
    team, person = _member_team(team_id)
    values = {"event": _text("event"), "event_happened": _text("event_happened")}
    errors: dict = {}
    _length(errors, "event", values["event"], "The event", 300)
    _length(errors, "event_happened", values["event_happened"], "What happened", 4000)
    lessons = []
    for i in range(1, MAX_LESSONS + 1):
        values[f"lesson_{i}"] = lesson = _text(f"lesson_{i}")
        if len(lesson) > 4000:
            errors[f"lesson_{i}"] = f"Lesson {i} is at most 4000 characters."
        elif lesson:
            lessons.append(lesson)
    extra = [k for k in request.form if k.startswith("lesson_") and k[7:] not in {str(i) for i in range(1, 6)}]
    if extra:
        errors["lesson_1"] = f"An after-action review has at most {MAX_LESSONS} lessons."
    elif not lessons and "lesson_1" not in errors:
        errors["lesson_1"] = "Write at least one lesson."
    if errors:
        return _moments_page(team, person, errors, values, 400)
    try:
        after_action_review(db.session, service_writer(team.tenant_id), base_url(), person, team.id,
                            event=values["event"], lessons=[
                                {"title": f"{values['event'][:180]} — lesson {n}", "learned": text,
                                 "what_happened": values["event_happened"]} for n, text in enumerate(lessons, 1)])
    except MomentError as exc:
        db.session.rollback()
        return _moments_page(team, person, {"event": f"Not recorded: {exc.detail}."}, values, exc.status or 400)
    after_statements_stored()
    flash(f"After-action review recorded with {len(lessons)} lesson{'s' if len(lessons) != 1 else ''}.", "success")
    return redirect(url_for("web_culture.moments", team_id=team.id))


# ---------------------------------------------------------------------------------------------- mentoring

def _mentoring_people() -> list[tuple[int, str]]:
    """People the user may see, and for someone in the directory also their colleagues (whom they mentor)."""
    user = g.user
    visible = visible_people(db.session, user)
    query = select(Person.id, Person.name).where(Person.tenant_id == user.tenant_id)
    if visible is not None:
        ids = set(visible)
        person = own_person()
        if person is not None:
            ids |= {pid for pid, _ in queries.colleagues(db.session, person)}
        query = query.where(Person.id.in_(ids))
    return [(pid, name) for pid, name in db.session.execute(query.order_by(Person.name, Person.id))]


def _mentoring_page(people, errors=None, values=None, status=200):
    return render_template("web/culture/mentoring.html", people=people, errors=errors or {},
                           values=values or {}), status


@bp.get("/mentoring")
@page()
def mentoring():
    person = own_person()
    return _mentoring_page(_mentoring_people(), values={"mentor": person.id if person else ""})


@bp.post("/mentoring")
@page()
def record_mentoring():
    people = _mentoring_people()
    allowed = dict(people)
    values = {k: _text(k) for k in ("mentor", "mentee", "topic", "minutes")}
    errors: dict = {}
    chosen = {}
    for key, label in (("mentor", "mentor"), ("mentee", "mentee")):
        value = values[key]
        if not value.isdigit() or int(value) not in allowed:
            errors[key] = f"Choose the {label} from the list."
        else:
            chosen[key] = int(value)
    if len(chosen) == 2 and chosen["mentor"] == chosen["mentee"]:
        errors["mentee"] = "The mentor and the mentee are two different people."
    if len(chosen) == 2 and g.user.role == "learner" and g.user.person_id not in chosen.values():
        errors["mentor"] = "Learners record their own mentoring sessions: you are the mentor or the mentee."
    _length(errors, "topic", values["topic"], "The topic", 300)
    if not values["minutes"].isdigit() or not 1 <= int(values["minutes"]) <= 600:
        errors["minutes"] = "Minutes is a whole number from 1 to 600."
    if errors:
        return _mentoring_page(people, errors, values, 400)
    mentor, mentee = db.session.get(Person, chosen["mentor"]), db.session.get(Person, chosen["mentee"])
    try:
        record_session(db.session, service_writer(g.user.tenant_id), base_url(), mentor, mentee,
                       topic=values["topic"], minutes=int(values["minutes"]))
    except MentoringError as exc:
        db.session.rollback()
        return _mentoring_page(people, {"mentor": f"Not recorded: {exc.detail}."}, values, exc.status or 400)
    after_statements_stored()
    flash(f"Mentoring session recorded for {mentor.name} (mentor) and {mentee.name} (mentee).", "success")
    return redirect(url_for("web_culture.mentoring"))


# ---------------------------------------------------------------------------------------------- pulse checks

@bp.post("/pulses/<int:pulse_id>/answer")
@page()
def answer_pulse(pulse_id: int):
    pulse = _pulse_or_404(pulse_id)
    person = own_person()
    if person is None or not _is_member(pulse.team_id, person.id):
        abort(403)
    questions = orjson.loads(pulse.questions)
    ratings = [request.form.get(f"rating_{i}", "") for i in range(len(questions))]
    text = _text("comment")
    back = redirect(url_for("web_me.me") + f"#pulse-{pulse.id}")
    if not all(r in {"1", "2", "3", "4", "5"} for r in ratings):
        flash(f"Not sent: rate each of the {len(questions)} statements from 1 to 5.", "error")
        return back
    if len(text) > 2000:
        flash("Not sent: the comment is at most 2000 characters.", "error")
        return back
    try:
        answer(db.session, current_app.config["SECRET_KEY"], pulse, person.id, [int(r) for r in ratings], text)
    except PulseError as exc:
        db.session.rollback()
        flash(f"Not sent: {exc.detail}.", "error")
        return back
    db.session.commit()
    flash("Thank you: your answer was recorded anonymously.", "success")
    return back


def _pulses_page(errors=None, values=None, status=200):
    query = select(Pulse).where(Pulse.tenant_id == g.user.tenant_id).order_by(Pulse.closed, Pulse.id.desc())
    if g.user.role != "admin":
        query = query.where(Pulse.opened_by == g.user.id)
    teams = export_teams()
    names = {t.id: t.name for t in db.session.scalars(select(Team).where(Team.tenant_id == g.user.tenant_id))}
    pulses = [{"view": results(db.session, p), "team": names.get(p.team_id, "")} for p in db.session.scalars(query)]
    return render_template("web/culture/pulses.html", teams=teams, pulses=pulses, errors=errors or {},
                           values=values or {}, threshold=current_app.config["LRS_PULSE_MIN_ANSWERS"]), status


@bp.get("/team/pulses")
@page("manager", "admin")
def pulses():
    return _pulses_page()


@bp.post("/team/pulses")
@page("manager", "admin")
def open_pulse_check():
    values = {k: _text(k) for k in ("team", "title", "subject", "prompt", *(f"question_{i}" for i in range(1, 6)))}
    errors: dict = {}
    allowed = {t.id for t in export_teams()}
    if not values["team"].isdigit() or int(values["team"]) not in allowed:
        errors["team"] = "Choose one of your teams."
    _length(errors, "title", values["title"], "The title", 300)
    _length(errors, "subject", values["subject"], "The learning initiative", 300)
    _length(errors, "prompt", values["prompt"], "The free-text prompt", 300, required=False)
    questions = []
    for i in range(1, 6):
        question = values[f"question_{i}"]
        if len(question) > 300:
            errors[f"question_{i}"] = f"Question {i} is at most 300 characters."
        elif question:
            questions.append(question)
    if not 3 <= len(questions) <= 5 and "question_1" not in errors:
        errors["question_1"] = "A pulse check has three to five questions."
    if errors:
        return _pulses_page(errors, values, 400)
    threshold = max(MIN_THRESHOLD, current_app.config["LRS_PULSE_MIN_ANSWERS"])
    try:
        pulse = open_pulse(db.session, g.user.tenant_id, int(values["team"]), title=values["title"],
                           subject=values["subject"], questions=questions,
                           free_text_prompt=values["prompt"] or "Anything else?", threshold=threshold,
                           opened_by=g.user.id)
    except PulseError as exc:
        db.session.rollback()
        return _pulses_page({"title": f"Not opened: {exc.detail}."}, values, 400)
    db.session.commit()
    flash(f"Pulse check “{pulse.title}” opened.", "success")
    return redirect(url_for("web_culture.pulses") + f"#pulse-{pulse.id}")


@bp.post("/team/pulses/<int:pulse_id>/close")
@page("manager", "admin")
def close_pulse(pulse_id: int):
    pulse = _pulse_or_404(pulse_id)
    if not _owns(pulse):
        abort(403)
    pulse.closed = True
    db.session.commit()
    flash(f"Pulse check “{pulse.title}” closed.", "success")
    return redirect(url_for("web_culture.pulses") + f"#pulse-{pulse.id}")


# ---------------------------------------------------------------------------------------------- impact

def _impact_period(args) -> tuple[date, date, str | None]:
    today = date.today()
    start, end = today - timedelta(days=IMPACT_DAYS), today
    try:
        start = date.fromisoformat(args["from"]) if args.get("from") else start
        end = date.fromisoformat(args["to"]) if args.get("to") else end
    except ValueError:
        return today - timedelta(days=IMPACT_DAYS), today, "Dates are written YYYY-MM-DD."
    if end < start:
        return today - timedelta(days=IMPACT_DAYS), today, "The period ends before it starts."
    if (end - start).days > MAX_DAYS:
        return end - timedelta(days=MAX_DAYS), end, "A period is at most three years."
    return start, end, None


@bp.get("/team/impact")
@page("manager", "admin")
def impact_view():
    teams = export_teams()
    start, end, error = _impact_period(request.args)
    chosen = request.args.get("team", "")
    team = next((t for t in teams if str(t.id) == chosen), None)
    status = 200
    if chosen and team is None:
        if not chosen.isdigit():
            error, status = "Choose one of your teams.", 400
        else:
            _team_or_404(int(chosen))  # another tenant's team: 404
            abort(403)  # a team of the tenant that is not one of theirs
    elif error:
        status = 400
    view = chart = None
    if team is not None and not error:
        visible = visible_people(db.session, g.user)
        members = [m for m in team_members(db.session, g.user.tenant_id, team.id) if visible is None or m in visible]
        view = impact(db.session, g.user.tenant_id, members, start, end)
        chart = charts.bar_chart([r["month"] for r in view["months"]], [r["learning_hours"] for r in view["months"]],
                                 title=f"Learning hours per month, team {team.name}", percent=False)
    return render_template("web/culture/impact.html", teams=teams, team=team, start=start, end=end, error=error,
                           view=view, chart=chart), status
