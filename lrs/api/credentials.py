"""/api/v1/credentials: the tenant's xAPI credentials, for admins."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from lrs.api.auth import current_user, login_required
from lrs.extensions import db
from lrs.models import Credential, Tenant
from lrs.tenancy.credentials import SCOPES, CredentialError, create_credential, list_credentials, revoke_credential

PREFIX = "/credentials"
blp = Blueprint("credentials", __name__, description="xAPI credentials (HTTP Basic key and secret)")


class CredentialIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    scopes = fields.List(fields.String(validate=validate.OneOf(SCOPES)), load_default=lambda: ["all"],
                         validate=validate.Length(min=1))


class CredentialOut(Schema):
    key = fields.String()
    name = fields.String()
    scopes = fields.List(fields.String())
    revoked = fields.Boolean()


class IssuedCredentialOut(CredentialOut):
    secret = fields.String()
    tenant = fields.String()


def _tenant_name() -> str:
    return db.session.get(Tenant, current_user().tenant_id).name


def _out(credential: Credential) -> dict:
    return {"key": credential.key, "name": credential.name, "scopes": credential.scopes.split(),
            "revoked": credential.revoked is not None}


@blp.route("")
class Credentials(MethodView):
    @blp.response(200, CredentialOut(many=True))
    @login_required("admin")
    def get(self):
        return [_out(c) for c, _ in list_credentials(db.session, _tenant_name())]

    @blp.arguments(CredentialIn)
    @blp.response(201, IssuedCredentialOut)
    @login_required("admin")
    def post(self, data):
        try:
            issued = create_credential(db.session, current_app.config["SECRET_KEY"], name=data["name"],
                                       scopes=tuple(data["scopes"]), tenant=_tenant_name())
        except CredentialError as exc:
            abort(400, message=str(exc), path="$.scopes")
        db.session.commit()
        return {"key": issued.key, "secret": issued.secret, "tenant": issued.tenant, "name": issued.name,
                "scopes": list(issued.scopes), "revoked": False}


@blp.route("/<key>")
class CredentialItem(MethodView):
    @blp.response(200, CredentialOut)
    @login_required("admin")
    def delete(self, key: str):
        credential = db.session.query(Credential).filter_by(key=key, tenant_id=current_user().tenant_id).first()
        if credential is None:
            abort(404, message=f"no credential {key} in this tenant", path="key")
        revoke_credential(db.session, key)
        db.session.commit()
        return _out(credential)
