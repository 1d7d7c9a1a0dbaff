"""/api/v1/sources: a tenant's event sources, their secrets and health, for admins."""

from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from lrs.api.auth import current_user, login_required
from lrs.extensions import db
from lrs.models import SourceReject, Tenant
from lrs.plugin_host.registry import registry
from lrs.plugin_host.sources import (
    SourceError,
    add_source,
    find_source,
    rotate_secret,
    source_summary,
    sources_of,
)

PREFIX = "/sources"
blp = Blueprint("sources", __name__, description="Source plugins: webhooks from tools that do not speak xAPI")


class SourceIn(Schema):
    kind = fields.String(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    options = fields.Dict(keys=fields.String(), load_default=dict)


class SourceOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    name = fields.String()
    tenant = fields.String()
    enabled = fields.Boolean()
    url = fields.String()
    received = fields.Integer()
    stored = fields.Integer()
    ignored = fields.Integer()
    rejected = fields.Integer()
    last_error = fields.String(allow_none=True)
    last_event_at = fields.String(allow_none=True)


class IssuedSourceOut(SourceOut):
    secret = fields.String()


class SourceRejectOut(Schema):
    at = fields.String()
    reason = fields.String()
    excerpt = fields.String(allow_none=True)


def _base() -> str:
    return current_app.config.get("LRS_PUBLIC_URL") or request.host_url.rstrip("/")


def _tenant() -> str:
    return db.session.get(Tenant, current_user().tenant_id).name


def _find(source_id: int):
    try:
        return find_source(db.session, current_user().tenant_id, str(source_id))
    except SourceError as exc:
        abort(404, message=exc.detail, path="id")


@blp.route("")
class Sources(MethodView):
    @blp.response(200, SourceOut(many=True))
    @login_required("admin")
    def get(self):
        return [source_summary(s, t, _base()) for s, t in sources_of(db.session, _tenant())]

    @blp.arguments(SourceIn)
    @blp.response(201, IssuedSourceOut)
    @login_required("admin")
    def post(self, data):
        try:
            issued = add_source(db.session, registry(), current_app.config["SECRET_KEY"], _base(),
                                kind=data["kind"], name=data["name"], tenant=_tenant(), options=data["options"])
        except SourceError as exc:
            db.session.rollback()
            abort(400, message=exc.detail, path=f"$.{exc.path}")
        db.session.commit()
        source = _find(issued.id)
        return {**source_summary(source, issued.tenant, _base()), "secret": issued.secret}


@blp.route("/<int:source_id>")
class SourceItem(MethodView):
    @blp.response(200, SourceOut)
    @login_required("admin")
    def get(self, source_id: int):
        return source_summary(_find(source_id), _tenant(), _base())


@blp.route("/<int:source_id>/disable")
class SourceDisable(MethodView):
    @blp.response(200, SourceOut)
    @login_required("admin")
    def post(self, source_id: int):
        source = _find(source_id)
        source.enabled = False
        db.session.commit()
        return source_summary(source, _tenant(), _base())


@blp.route("/<int:source_id>/rotate-secret")
class SourceRotate(MethodView):
    @blp.response(200, IssuedSourceOut)
    @login_required("admin")
    def post(self, source_id: int):
        source = _find(source_id)
        secret = rotate_secret(db.session, current_app.config["SECRET_KEY"], source)
        db.session.commit()
        return {**source_summary(source, _tenant(), _base()), "secret": secret}


@blp.route("/<int:source_id>/rejects")
class SourceRejects(MethodView):
    @blp.response(200, SourceRejectOut(many=True))
    @login_required("admin")
    def get(self, source_id: int):
        source = _find(source_id)
        rows = db.session.scalars(select(SourceReject).where(SourceReject.source_id == source.id)
                                  .order_by(SourceReject.id.desc()).limit(100))
        return [{"at": r.at.isoformat() + "Z", "reason": r.reason, "excerpt": r.excerpt} for r in rows]
