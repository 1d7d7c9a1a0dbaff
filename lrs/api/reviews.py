"""/api/v1/reviews/export: learning objectives for performance reviews, as CSV, JSON, XLSX or PDF."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from lrs.api.auth import current_user, login_required
from lrs.extensions import db
from lrs.people.access import visible_people
from lrs.reviews.build import build_export
from lrs.reviews.formats import FORMATS, render
from lrs.reviews.scope import ScopeError, resolve

PREFIX = "/reviews"
blp = Blueprint("reviews", __name__, description="Performance-review exports")


class ExportArgs(Schema):
    person_id = fields.Integer(load_default=None)
    team_id = fields.Integer(load_default=None)
    chain = fields.Boolean(load_default=False, metadata={"description": "with person_id: their whole chain"})
    period_from = fields.Date(data_key="from", load_default=None)
    period_to = fields.Date(data_key="to", load_default=None)
    format = fields.String(load_default="csv", validate=validate.OneOf(sorted(FORMATS)))

    @validates_schema
    def _period(self, data, **kwargs):
        if data["period_from"] and data["period_to"] and data["period_to"] < data["period_from"]:
            raise ValidationError("'to' is before 'from'", "to")


def export_response(args: dict) -> Response:
    """The export as a download, for the API and the manager page alike."""
    user = current_user()
    try:
        scope = resolve(db.session, user.tenant_id, person_id=args["person_id"], team_id=args["team_id"],
                        chain=args["chain"], visible=visible_people(db.session, user))
    except ScopeError as exc:
        abort(exc.status, message=exc.detail, path=exc.path)
    export = build_export(db.session, user.tenant_id, scope.people, scope=scope.label,
                          period_from=args["period_from"], period_to=args["period_to"])
    kind = FORMATS[args["format"]]
    name = f"learning-objectives-{scope.label.replace(' ', '-').lower()}.{kind.extension}"
    return Response(render(export, kind.name), mimetype=kind.media_type.split(";")[0],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@blp.route("/export")
class ReviewExportResource(MethodView):
    @blp.arguments(ExportArgs, location="query")
    @blp.response(200, content_type="application/octet-stream")
    @login_required("admin", "manager", "learner")
    def get(self, args):
        """A person's, their reporting chain's or a team's objectives, certifications, evidence and kudos."""
        return export_response(args)
