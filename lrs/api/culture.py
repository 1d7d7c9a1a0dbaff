"""Learning culture: recommendations for open goals and impact views."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from lrs.api.auth import current_user, login_required
from lrs.culture.impact import impact, to_csv
from lrs.culture.moments import MomentError, after_action_review, organisation_feed, share, team_feed
from lrs.culture.recommendations import recommend
from lrs.extensions import db
from lrs.models import Team
from lrs.people.access import can_see, visible_people
from lrs.people.directory import team_members
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
        team = db.session.get(Team, team_id)
        if team is None or team.tenant_id != user.tenant_id:
            abort(404, message=f"no team {team_id}", path="team_id")
        visible = visible_people(db.session, user)
        members = [m for m in team_members(db.session, user.tenant_id, team_id) if visible is None or m in visible]
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
    from flask import current_app, request

    from lrs.models import Person
    from lrs.xapi.service import Writer

    user = current_user()
    person = db.session.get(Person, user.person_id) if user.person_id else None
    if person is None:
        abort(409, message="your login is not linked to a person in the directory", path="person_id")
    base = current_app.config.get("LRS_PUBLIC_URL") or request.host_url.rstrip("/")
    writer = Writer(person.tenant_id, None, {"objectType": "Agent", "name": "lrs",
                                             "account": {"homePage": base, "name": "lrs"}}, False)
    return writer, person, base


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
