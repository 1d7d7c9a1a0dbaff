"""/api/v1/me: who the token or session belongs to."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from lrs.api.auth import current_user, login_required
from lrs.extensions import db
from lrs.models import Tenant

PREFIX = "/me"
blp = Blueprint("me", __name__, description="The calling user")


class MeSchema(Schema):
    email = fields.String()
    name = fields.String()
    role = fields.String()
    tenant = fields.String()


@blp.route("")
class Me(MethodView):
    @blp.response(200, MeSchema)
    @login_required()
    def get(self):
        user = current_user()
        return {"email": user.email, "name": user.name, "role": user.role,
                "tenant": db.session.get(Tenant, user.tenant_id).name}
