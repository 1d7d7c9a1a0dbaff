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


class SinkIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    url = fields.Url(required=True, schemes={"http", "https"}, require_tld=False)
    secret = fields.String(required=True, load_only=True)
    team_id = fields.Integer(required=True)
    schedule = fields.String(load_default=None, allow_none=True,
                             validate=validate.OneOf(("daily", "weekly", "monthly")))
    kind = fields.String(load_default="http")


class PushIn(Schema):
    period_from = fields.Date(data_key="from", required=True)
    period_to = fields.Date(data_key="to", required=True)

    @validates_schema
    def _period(self, data, **kwargs):
        if data["period_to"] < data["period_from"]:
            raise ValidationError("'to' is before 'from'", "to")


def _sink_view(sink) -> dict:
    return {"id": sink.id, "name": sink.name, "kind": sink.kind, "url": sink.url, "team_id": sink.team_id,
            "schedule": sink.schedule, "enabled": sink.enabled,
            "next_run_at": sink.next_run_at.isoformat() + "Z" if sink.next_run_at else None}


def _sink_or_404(sink_id: int):
    from lrs.models import ReviewSink

    sink = db.session.get(ReviewSink, sink_id)
    if sink is None or sink.tenant_id != current_user().tenant_id:
        abort(404, message=f"no sink {sink_id}", path="id")
    return sink


@blp.route("/sinks")
class Sinks(MethodView):
    @blp.response(200)
    @login_required("admin")
    def get(self):
        from lrs.models import ReviewSink

        return [_sink_view(s) for s in db.session.query(ReviewSink).filter_by(tenant_id=current_user().tenant_id)]

    @blp.arguments(SinkIn)
    @blp.response(201)
    @login_required("admin")
    def post(self, data):
        """Push a team's review export to an HR system (signed JSON), on demand or daily/weekly/monthly."""
        from flask import current_app

        from lrs.reviews.sinks import SinkError, add_sink

        try:
            sink = add_sink(db.session, current_app.config["SECRET_KEY"], current_user().tenant_id, **data)
        except SinkError as exc:
            db.session.rollback()
            abort(exc.status, message=exc.detail, path=exc.path)
        db.session.commit()
        return _sink_view(sink)


@blp.route("/sinks/<int:sink_id>/push")
class SinkPush(MethodView):
    @blp.arguments(PushIn)
    @blp.response(202)
    @login_required("admin")
    def post(self, data, sink_id: int):
        """Push now: the first attempt is made at once; failures are retried by `lrs worker`."""
        from flask import current_app

        from lrs.reviews.sinks import attempt, delivery_view, request_push

        delivery = request_push(db.session, _sink_or_404(sink_id), data["period_from"], data["period_to"])
        attempt(db.session, current_app.config["SECRET_KEY"], delivery)
        db.session.commit()
        return delivery_view(delivery)


@blp.route("/sinks/<int:sink_id>/deliveries")
class SinkDeliveries(MethodView):
    @blp.response(200)
    @login_required("admin")
    def get(self, sink_id: int):
        from lrs.models import ReviewDelivery
        from lrs.reviews.sinks import delivery_view

        sink = _sink_or_404(sink_id)
        rows = db.session.query(ReviewDelivery).filter_by(sink_id=sink.id).order_by(ReviewDelivery.id.desc()).limit(100)
        return [delivery_view(d) for d in rows]
