"""/api/v1/lti: platform registrations (admins), courses and their roster sync, grade deliveries."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from lrs.api.auth import current_user, login_required
from lrs.extensions import db
from lrs.lti import grades, platforms
from lrs.lti.errors import LtiError
from lrs.lti.oauth import ensure_tool_key
from lrs.lti.people import course_learners, managed_contexts, manages
from lrs.lti.roster import sync_roster
from lrs.models import Tenant
from lrs.models.lti import LtiContext

blp = Blueprint("lti_api", __name__, description="LTI 1.3: platforms, courses, roster sync, grade pass-back")


class PlatformIn(Schema):
    issuer = fields.String(required=True, validate=validate.Length(min=1, max=500))
    client_id = fields.String(required=True, validate=validate.Length(min=1, max=255))
    deployment_ids = fields.List(fields.String(validate=validate.Length(min=1, max=255)), required=True,
                                 validate=validate.Length(min=1))
    auth_login_url = fields.String(required=True)
    auth_token_url = fields.String(required=True)
    key_set_url = fields.String(required=True)
    frame_origins = fields.List(fields.String(), load_default=list)


class GradeArgs(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(grades.STATUSES))


def _fail(exc: LtiError):
    db.session.rollback()
    abort(exc.status, message=exc.detail, path=exc.path)


@blp.route("/platforms")
class Platforms(MethodView):
    @blp.response(200)
    @login_required("admin")
    def get(self):
        """The tenant's registered platforms."""
        return [platforms.view(db.session, p) for p in platforms.platforms_of(db.session, current_user().tenant_id)]

    @blp.arguments(PlatformIn)
    @blp.response(201)
    @login_required("admin")
    def post(self, data):
        """Register a platform (an LMS): issuer, client id, deployments and its endpoints."""
        tenant = db.session.get(Tenant, current_user().tenant_id).name
        try:
            platform = platforms.add_platform(db.session, tenant=tenant, **data)
        except LtiError as exc:
            _fail(exc)
        db.session.commit()
        return platforms.view(db.session, platform)


@blp.route("/platforms/<int:platform_id>")
class PlatformItem(MethodView):
    @blp.response(200)
    @login_required("admin")
    def get(self, platform_id: int):
        try:
            return platforms.view(db.session, platforms.get_platform(db.session, current_user().tenant_id,
                                                                     platform_id))
        except LtiError as exc:
            _fail(exc)

    @blp.response(204)
    @login_required("admin")
    def delete(self, platform_id: int):
        """Forget a platform, with its courses, placements and pending grades."""
        try:
            platform = platforms.get_platform(db.session, current_user().tenant_id, platform_id)
        except LtiError as exc:
            _fail(exc)
        platforms.remove_platform(db.session, platform)
        db.session.commit()


def _context_view(context: LtiContext) -> dict:
    return {"id": context.id, "platform_id": context.platform_id, "context_id": context.context_id,
            "title": context.title, "team_id": context.team_id, "roster": bool(context.memberships_url),
            "learners": len(course_learners(db.session, [context]))}


@blp.route("/contexts")
class Contexts(MethodView):
    @blp.response(200)
    @login_required("admin", "manager")
    def get(self):
        """Courses the tool was launched from: all of the tenant's (admins) or those taught (managers)."""
        return [_context_view(c) for c in managed_contexts(db.session, current_user())]


@blp.route("/contexts/<int:context_pk>/sync-roster")
class SyncRoster(MethodView):
    @blp.response(200)
    @login_required("admin", "manager")
    def post(self, context_pk: int):
        """Read the course's roster (Names and Role Provisioning Services) into its team."""
        context = db.session.get(LtiContext, context_pk)
        if context is None or not manages(db.session, current_user(), context):
            abort(404, message=f"no course {context_pk} that you manage", path="id")
        secret_key = current_app.config["SECRET_KEY"]
        try:
            ensure_tool_key(db.session, secret_key)
            db.session.commit()
            counts = sync_roster(db.session, secret_key, context)
        except LtiError as exc:
            _fail(exc)
        db.session.commit()
        return {"context": _context_view(context), **counts}


@blp.route("/grades")
class Grades(MethodView):
    @blp.arguments(GradeArgs, location="query")
    @blp.response(200)
    @login_required("admin", "manager")
    def get(self, args):
        """Scores for the courses' gradebooks: waiting, pending, delivered or failing (attempts, last error)."""
        user = current_user()
        contexts = None if user.role == "admin" else {c.id for c in managed_contexts(db.session, user)}
        return grades.deliveries(db.session, user.tenant_id, args["status"], contexts)
