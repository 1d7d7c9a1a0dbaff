"""/api/v1/kudos, a person's kudos, and the opt-in team leaderboard."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from lrs.api.auth import current_user, login_required
from lrs.api.common import service_writer
from lrs.extensions import db
from lrs.models import Person, Team, TeamMember
from lrs.people.access import can_see
from lrs.progress.inline import after_statements_stored
from lrs.progress.recognition import RecognitionError, give_kudos, kudos_for, leaderboard

PREFIX = "/kudos"
blp = Blueprint("kudos", __name__, description="Peer kudos: recognition given by one person to another")
extra_blp = Blueprint("recognition", __name__, description="Kudos received, and the opt-in leaderboard")


class KudosIn(Schema):
    to_person_id = fields.Integer(required=True)
    message = fields.String(required=True, validate=validate.Length(min=1, max=500))


class OptIn(Schema):
    opt_in = fields.Boolean(required=True)


def _own_person() -> Person:
    user = current_user()
    person = db.session.get(Person, user.person_id) if user.person_id else None
    if person is None:
        abort(409, message="your login is not linked to a person in the directory", path="person_id")
    return person


@blp.route("")
class Kudos(MethodView):
    @blp.arguments(KudosIn)
    @blp.response(201)
    @login_required()
    def post(self, data):
        giver = _own_person()
        receiver = db.session.get(Person, data["to_person_id"])
        if receiver is None or receiver.tenant_id != giver.tenant_id:
            abort(404, message=f"no person {data['to_person_id']}", path="$.to_person_id")
        try:
            statement_id = give_kudos(db.session, service_writer(giver.tenant_id), giver, receiver, data["message"],
                                      current_app.config["LRS_KUDOS_PER_WEEK"])
        except RecognitionError as exc:
            db.session.rollback()
            abort(exc.status, message=exc.detail, path=exc.path)
        after_statements_stored()
        return {"statement_id": statement_id}


@extra_blp.route("/people/<int:person_id>/kudos")
class PersonKudos(MethodView):
    @extra_blp.response(200)
    @login_required()
    def get(self, person_id: int):
        user = current_user()
        person = db.session.get(Person, person_id)
        if person is None or not can_see(db.session, user, person_id):
            abort(404, message=f"no person {person_id} that you can see", path="person_id")
        try:
            return kudos_for(db.session, person)
        except RecognitionError:
            return []


@extra_blp.route("/me/leaderboard")
class LeaderboardChoice(MethodView):
    @extra_blp.arguments(OptIn)
    @extra_blp.response(200)
    @login_required()
    def put(self, data):
        """Take part in your teams' leaderboards (and see them), or stop."""
        person = _own_person()
        person.leaderboard_opt_in = data["opt_in"]
        db.session.commit()
        return {"opt_in": person.leaderboard_opt_in}


@extra_blp.route("/teams/<int:team_id>/leaderboard")
class TeamLeaderboard(MethodView):
    @extra_blp.response(200)
    @login_required()
    def get(self, team_id: int):
        """Goals achieved by the team's members who opted in; only for members who opted in."""
        person = _own_person()
        team = db.session.get(Team, team_id)
        if team is None or team.tenant_id != person.tenant_id:
            abort(404, message=f"no team {team_id}", path="team_id")
        member = db.session.scalar(select(TeamMember.person_id).where(TeamMember.team_id == team_id,
                                                                      TeamMember.person_id == person.id))
        if member is None or not person.leaderboard_opt_in:
            abort(403, message="the leaderboard is shown to the team's members who opted in "
                               "(PUT /api/v1/me/leaderboard)", path="opt_in")
        return {"team": team.name, "ranking": leaderboard(db.session, person.tenant_id, team_id)}
