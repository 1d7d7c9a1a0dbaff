"""Learning culture: recommendations for open goals and impact views."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from lrs.api.auth import current_user, login_required
from lrs.culture.impact import impact, to_csv
from lrs.culture.recommendations import recommend
from lrs.extensions import db
from lrs.models import Team
from lrs.people.access import can_see, visible_people
from lrs.people.directory import team_members

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
