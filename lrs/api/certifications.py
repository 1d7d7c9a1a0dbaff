"""/api/v1/certifications: definitions, holders and their status, revocation."""

from __future__ import annotations

from datetime import UTC, datetime

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from lrs.api.auth import current_user, login_required
from lrs.extensions import db
from lrs.models import Certification, CertificationHolder
from lrs.people.access import can_see, visible_people
from lrs.people.directory import team_members
from lrs.progress.cert_service import CertificationError, assign, create_certification, holder_view, revoke
from lrs.xapi import formats

PREFIX = "/certifications"
blp = Blueprint("certifications", __name__, description="Certifications: requirements, validity, holders")
person_blp = Blueprint("person_certifications", __name__, description="A person's certifications")


class CertificationIn(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    description = fields.String(load_default="")
    definition = fields.Dict(required=True, metadata={"description": "requirements, mode, n, validity_months, "
                                                                     "renewal_days"})


class HoldersIn(Schema):
    person_ids = fields.List(fields.Integer(), load_default=list)
    team_id = fields.Integer(load_default=None, allow_none=True)


class RevokeIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


def _now_us() -> int:
    return formats.to_micros(datetime.now(UTC))


def _certification_or_404(certification_id: int) -> Certification:
    certification = db.session.get(Certification, certification_id)
    if certification is None or certification.tenant_id != current_user().tenant_id:
        abort(404, message=f"no certification {certification_id} in this tenant", path="id")
    return certification


def _summary(certification: Certification) -> dict:
    import orjson

    return {"id": certification.id, "title": certification.title, "description": certification.description,
            "definition": orjson.loads(certification.definition)}


@blp.route("")
class Certifications(MethodView):
    @blp.response(200)
    @login_required()
    def get(self):
        return [_summary(c) for c in db.session.scalars(select(Certification).where(
            Certification.tenant_id == current_user().tenant_id).order_by(Certification.id))]

    @blp.arguments(CertificationIn)
    @blp.response(201)
    @login_required("admin")
    def post(self, data):
        try:
            certification = create_certification(db.session, current_user().tenant_id, data["title"],
                                                 data["description"], data["definition"])
        except CertificationError as exc:
            abort(exc.status, message=exc.detail, path=exc.path)
        db.session.commit()
        return _summary(certification)


@blp.route("/<int:certification_id>/holders")
class Holders(MethodView):
    @blp.response(200)
    @login_required("admin", "manager")
    def get(self, certification_id: int):
        certification = _certification_or_404(certification_id)
        visible = visible_people(db.session, current_user())
        now_us = _now_us()
        return [holder_view(h, certification, now_us) for h in db.session.scalars(
            select(CertificationHolder).where(CertificationHolder.certification_id == certification.id)
            .order_by(CertificationHolder.person_id)) if visible is None or h.person_id in visible]

    @blp.arguments(HoldersIn)
    @blp.response(200)
    @login_required("admin", "manager")
    def post(self, data, certification_id: int):
        """Assign people (or a team's members); statements already stored count towards it."""
        user = current_user()
        certification = _certification_or_404(certification_id)
        people = list(data["person_ids"])
        if data["team_id"] is not None:
            people += team_members(db.session, user.tenant_id, data["team_id"])
        if not people:
            abort(400, message="name person_ids or a team_id with members", path="$.person_ids")
        visible = visible_people(db.session, user)
        if visible is not None and not set(people) <= visible:
            abort(403, message="managers assign certifications to their reports only", path="$.person_ids")
        try:
            assign(db.session, certification, people)
        except CertificationError as exc:
            db.session.rollback()
            abort(exc.status, message=exc.detail, path=exc.path)
        db.session.commit()
        now_us = _now_us()
        return [holder_view(h, certification, now_us) for h in db.session.scalars(
            select(CertificationHolder).where(CertificationHolder.certification_id == certification.id,
                                              CertificationHolder.person_id.in_(people)))]


@blp.route("/<int:certification_id>/holders/<int:person_id>/revoke")
class Revoke(MethodView):
    @blp.arguments(RevokeIn)
    @blp.response(200)
    @login_required("admin")
    def post(self, data, certification_id: int, person_id: int):
        certification = _certification_or_404(certification_id)
        holder = db.session.scalar(select(CertificationHolder).where(
            CertificationHolder.certification_id == certification.id, CertificationHolder.person_id == person_id))
        if holder is None:
            abort(404, message=f"person {person_id} does not hold this certification", path="person_id")
        try:
            revoke(db.session, certification, holder, data["reason"])
        except CertificationError as exc:
            abort(exc.status, message=exc.detail, path=exc.path)
        db.session.commit()
        return holder_view(holder, certification, _now_us())


@person_blp.route("/people/<int:person_id>/certifications")
class PersonCertifications(MethodView):
    @person_blp.response(200)
    @login_required()
    def get(self, person_id: int):
        user = current_user()
        if not can_see(db.session, user, person_id):
            abort(404, message=f"no person {person_id} that you can see", path="person_id")
        now_us = _now_us()
        return [holder_view(h, c, now_us) for h, c in db.session.execute(
            select(CertificationHolder, Certification).join(
                Certification, Certification.id == CertificationHolder.certification_id)
            .where(CertificationHolder.person_id == person_id).order_by(Certification.id))]
