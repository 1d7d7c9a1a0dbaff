"""Learning culture: recommendations for open goals and impact views."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from lrs.api.auth import current_user, login_required
from lrs.api.common import base_url, service_writer, visible_team
from lrs.culture.impact import impact, to_csv
from lrs.culture.moments import MomentError, after_action_review, organisation_feed, share, team_feed
from lrs.culture.pulse import PulseError, answer, has_answered, open_pulse, results
from lrs.culture.recommendations import recommend
from lrs.extensions import db
from lrs.people.access import can_see
from lrs.progress.inline import after_statements_stored

blp = Blueprint("culture", __name__, description="Recommendations and impact views")


class ImpactArgs(Schema):
    period_from = fields.Date(data_key="from", load_default=lambda: date.today() - timedelta(days=180))
    period_to = fields.Date(data_key="to", load_default=date.today)
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv")))

    @validates_schema
    def _period(self, data, **kwargs):
        if data["period_to"] < data["period_from"]:
            raise ValidationError("'to' is before 'from'", "to")
        if (data["period_to"] - data["period_from"]).days > 3 * 366:
            raise ValidationError("a period is at most three years", "to")


@blp.route("/people/<int:person_id>/recommendations")
class Recommendations(MethodView):
    @blp.response(200)
    @login_required()
    def get(self, person_id: int):
        """For each open goal, the activities that would move it forward, each with a one-line reason."""
        user = current_user()
        if not can_see(db.session, user, person_id):
            abort(404, message=f"no person {person_id} that you can see", path="person_id")
        return recommend(db.session, user.tenant_id, person_id)


@blp.route("/teams/<int:team_id>/impact")
class Impact(MethodView):
    @blp.arguments(ImpactArgs, location="query")
    @blp.response(200)
    @login_required("admin", "manager")
    def get(self, args, team_id: int):
        """Learning time, goals achieved, certification coverage and review turnaround, month by month."""
        user = current_user()
        team, members = visible_team(team_id)
        view = impact(db.session, user.tenant_id, members, args["period_from"], args["period_to"])
        view["team"] = team.name
        if args["format"] == "csv":
            return Response(to_csv(view), mimetype="text/csv",
                            headers={"Content-Disposition": f'attachment; filename="impact-{team.name}.csv"'})
        return view


class MomentIn(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    what_happened = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    learned = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    widen = fields.Boolean(load_default=False, metadata={"description": "share with the whole organisation"})
    link = fields.Url(load_default=None, allow_none=True, require_tld=False,
                      metadata={"description": "a review, incident or project it relates to"})


class LessonIn(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    what_happened = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    learned = fields.String(required=True, validate=validate.Length(min=1, max=4000))


class ReviewIn(Schema):
    event = fields.String(required=True, validate=validate.Length(min=1, max=300))
    lessons = fields.List(fields.Nested(LessonIn), required=True, validate=validate.Length(min=1, max=20))


def _writer_and_author():
    from lrs.models import Person

    user = current_user()
    person = db.session.get(Person, user.person_id) if user.person_id else None
    if person is None:
        abort(409, message="your login is not linked to a person in the directory", path="person_id")
    return service_writer(person.tenant_id), person, base_url()


@blp.route("/teams/<int:team_id>/moments")
class TeamMoments(MethodView):
    @blp.response(200)
    @login_required()
    def get(self, team_id: int):
        """The team's learning moments, newest first; for the team's members only."""
        _, person, _ = _writer_and_author()
        try:
            return team_feed(db.session, person.tenant_id, team_id, person)
        except MomentError as exc:
            abort(exc.status, message=exc.detail, path=exc.path)

    @blp.arguments(MomentIn)
    @blp.response(201)
    @login_required()
    def post(self, data, team_id: int):
        """Share a learning moment with the team (or, widened, with the organisation)."""
        writer, person, base = _writer_and_author()
        try:
            sid = share(db.session, writer, base, person, team_id, title=data["title"],
                        happened=data["what_happened"], learned=data["learned"], widen=data["widen"],
                        link=data["link"])
        except MomentError as exc:
            abort(exc.status, message=exc.detail, path=exc.path)
        after_statements_stored()
        return {"statement_id": sid}


@blp.route("/moments")
class OrganisationMoments(MethodView):
    @blp.response(200)
    @login_required()
    def get(self):
        """Moments their authors widened to the organisation."""
        return organisation_feed(db.session, current_user().tenant_id)


@blp.route("/teams/<int:team_id>/after-action-reviews")
class AfterActionReviews(MethodView):
    @blp.arguments(ReviewIn)
    @blp.response(201)
    @login_required()
    def post(self, data, team_id: int):
        """A blameless after-action review of a team event; each lesson becomes a learning moment."""
        writer, person, base = _writer_and_author()
        try:
            ids = after_action_review(db.session, writer, base, person, team_id, event=data["event"],
                                      lessons=data["lessons"])
        except MomentError as exc:
            abort(exc.status, message=exc.detail, path=exc.path)
        after_statements_stored()
        return {"statement_ids": ids}


class PulseIn(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    subject = fields.String(required=True, validate=validate.Length(min=1, max=300),
                            metadata={"description": "the learning initiative (a goal or certification rolled out)"})
    questions = fields.List(fields.String(validate=validate.Length(min=1, max=300)), required=True,
                            validate=validate.Length(min=3, max=5))
    free_text_prompt = fields.String(load_default="Anything else?", validate=validate.Length(max=300))
    threshold = fields.Integer(load_default=None, allow_none=True)


class AnswerIn(Schema):
    ratings = fields.List(fields.Integer(validate=validate.Range(min=1, max=5)), required=True)
    text = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


def _pulse_or_404(pulse_id: int):
    from lrs.models import Pulse

    pulse = db.session.get(Pulse, pulse_id)
    if pulse is None or pulse.tenant_id != current_user().tenant_id:
        abort(404, message=f"no pulse check {pulse_id}", path="id")
    return pulse


def _may_see_results(pulse) -> bool:
    user = current_user()
    return user.role == "admin" or pulse.opened_by == user.id


@blp.route("/teams/<int:team_id>/pulses")
class TeamPulses(MethodView):
    @blp.arguments(PulseIn)
    @blp.response(201)
    @login_required("admin", "manager")
    def post(self, data, team_id: int):
        """Open an anonymous pulse check for a team (three to five questions on a 1-5 scale)."""
        from flask import current_app

        user = current_user()
        threshold = data["threshold"] or current_app.config["LRS_PULSE_MIN_ANSWERS"]
        try:
            pulse = open_pulse(db.session, user.tenant_id, team_id, title=data["title"], subject=data["subject"],
                               questions=data["questions"], free_text_prompt=data["free_text_prompt"],
                               threshold=threshold, opened_by=user.id)
        except PulseError as exc:
            abort(exc.status, message=exc.detail, path=exc.path)
        db.session.commit()
        return results(db.session, pulse)


@blp.route("/pulses/<int:pulse_id>")
class PulseItem(MethodView):
    @blp.response(200)
    @login_required()
    def get(self, pulse_id: int):
        """The questions; for whoever opened it (and admins), the aggregates once enough people answered."""
        from flask import current_app

        pulse = _pulse_or_404(pulse_id)
        view = results(db.session, pulse)
        if not _may_see_results(pulse):
            view = {k: v for k, v in view.items() if k not in ("results", "comments", "responses")}
        user = current_user()
        if user.person_id is not None:
            view["answered"] = has_answered(db.session, current_app.config["SECRET_KEY"], pulse, user.person_id)
        return view


@blp.route("/pulses/<int:pulse_id>/answers")
class PulseAnswers(MethodView):
    @blp.arguments(AnswerIn)
    @blp.response(201)
    @login_required()
    def post(self, data, pulse_id: int):
        """Answer once, anonymously: nothing links you to what you answer."""
        from flask import current_app

        pulse = _pulse_or_404(pulse_id)
        user = current_user()
        if user.person_id is None:
            abort(409, message="your login is not linked to a person in the directory", path="person_id")
        try:
            answer(db.session, current_app.config["SECRET_KEY"], pulse, user.person_id, data["ratings"],
                   data["text"])
        except PulseError as exc:
            db.session.rollback()
            abort(exc.status, message=exc.detail, path=exc.path)
        db.session.commit()
        return {"answered": True}


@blp.route("/pulses/<int:pulse_id>/close")
class PulseClose(MethodView):
    @blp.response(200)
    @login_required("admin", "manager")
    def post(self, pulse_id: int):
        pulse = _pulse_or_404(pulse_id)
        if not _may_see_results(pulse):
            abort(403, message="only whoever opened it (or an admin) closes a pulse check", path="id")
        pulse.closed = True
        db.session.commit()
        return results(db.session, pulse)


class MentoringIn(Schema):
    mentor_person_id = fields.Integer(required=True)
    mentee_person_id = fields.Integer(required=True)
    topic = fields.String(required=True, validate=validate.Length(min=1, max=300))
    minutes = fields.Integer(required=True, validate=validate.Range(min=1, max=600))
    date = fields.AwareDateTime(load_default=None, allow_none=True)


@blp.route("/mentoring")
class Mentoring(MethodView):
    @blp.arguments(MentoringIn)
    @blp.response(201)
    @login_required()
    def post(self, data):
        """Record a mentoring session: a statement for the mentor (mentored) and one for the mentee
        (was-mentored). Either of them may record it, or a manager or admin who sees both."""
        from lrs.culture.mentoring import MentoringError, record_session
        from lrs.models import Person

        user = current_user()
        writer, base = service_writer(user.tenant_id), base_url()
        people = {}
        for key in ("mentor_person_id", "mentee_person_id"):
            person = db.session.get(Person, data[key])
            if person is None or not can_see(db.session, user, data[key]):
                abort(404, message=f"no person {data[key]} that you can see", path=f"$.{key}")
            people[key] = person
        if user.role == "learner" and user.person_id not in (data["mentor_person_id"], data["mentee_person_id"]):
            abort(403, message="learners record their own mentoring sessions", path="$")
        try:
            ids = record_session(db.session, writer, base, people["mentor_person_id"], people["mentee_person_id"],
                                 topic=data["topic"], minutes=data["minutes"], when=data["date"])
        except MentoringError as exc:
            abort(exc.status, message=exc.detail, path=exc.path)
        after_statements_stored()
        return {"statement_ids": ids}

