"""/api/v1/forwarders: where the tenant's statements flow on to, with lag and error state, for admins."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from lrs.api.auth import current_user, login_required
from lrs.extensions import db
from lrs.forwarding.service import FILTER_KEYS, KINDS, ForwardingError, add_forwarder, status
from lrs.models import Forwarder, Tenant

PREFIX = "/forwarders"
blp = Blueprint("forwarders", __name__, description="Statement forwarding to other LRSs and HTTP endpoints")


class ForwarderIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(load_default="xapi", validate=validate.OneOf(KINDS))
    url = fields.Url(required=True, schemes={"http", "https"}, require_tld=False)
    username = fields.String(load_default=None, allow_none=True)
    secret = fields.String(load_default=None, allow_none=True, load_only=True)
    filters = fields.Dict(keys=fields.String(validate=validate.OneOf(FILTER_KEYS)),
                          values=fields.List(fields.String()), load_default=dict)
    from_start = fields.Boolean(load_default=False)


def _forwarder_or_404(forwarder_id: int) -> Forwarder:
    forwarder = db.session.get(Forwarder, forwarder_id)
    if forwarder is None or forwarder.tenant_id != current_user().tenant_id:
        abort(404, message=f"no forwarder {forwarder_id} in this tenant", path="id")
    return forwarder


@blp.route("")
class Forwarders(MethodView):
    @blp.response(200)
    @login_required("admin")
    def get(self):
        rows = db.session.query(Forwarder).filter_by(tenant_id=current_user().tenant_id).order_by(Forwarder.id)
        return [status(db.session, f) for f in rows]

    @blp.arguments(ForwarderIn)
    @blp.response(201)
    @login_required("admin")
    def post(self, data):
        tenant = db.session.get(Tenant, current_user().tenant_id).name
        try:
            forwarder = add_forwarder(db.session, current_app.config["SECRET_KEY"], tenant=tenant, **data)
        except ForwardingError as exc:
            db.session.rollback()
            abort(400, message=exc.detail, path=f"$.{exc.path}")
        db.session.commit()
        return status(db.session, forwarder)


@blp.route("/<int:forwarder_id>/<any(enable, disable):action>")
class ForwarderSwitch(MethodView):
    @blp.response(200)
    @login_required("admin")
    def post(self, forwarder_id: int, action: str):
        forwarder = _forwarder_or_404(forwarder_id)
        forwarder.enabled = action == "enable"
        if forwarder.enabled:
            forwarder.next_attempt_at = None
        db.session.commit()
        return status(db.session, forwarder)
