"""/api/v1/badges: Open Badges 3.0 credentials, downloadable and verifiable offline."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from sqlalchemy import select

from lrs.api.auth import current_user, login_required
from lrs.extensions import db
from lrs.keys import jwks
from lrs.models import Badge, Certification, CertificationHolder
from lrs.people.access import can_see
from lrs.progress.badges import bundle
from lrs.xapi import formats

PREFIX = "/badges"
blp = Blueprint("badges", __name__, description="Open Badges 3.0 credentials for earned certifications")
person_blp = Blueprint("person_badges", __name__, description="A person's badges")


@person_blp.route("/people/<int:person_id>/badges")
class PersonBadges(MethodView):
    @person_blp.response(200)
    @login_required()
    def get(self, person_id: int):
        if not can_see(db.session, current_user(), person_id):
            abort(404, message=f"no person {person_id} that you can see", path="person_id")
        rows = db.session.execute(
            select(Badge, Certification.title).join(CertificationHolder, CertificationHolder.id == Badge.holder_id)
            .join(Certification, Certification.id == CertificationHolder.certification_id)
            .where(Badge.person_id == person_id).order_by(Badge.event_us))
        return [{"id": b.id, "certification": title, "credential_id": f"urn:uuid:{b.credential_id}",
                 "earned_at": formats.format_timestamp(formats.from_micros(b.event_us)),
                 "download": f"/api/v1/badges/{b.id}"} for b, title in rows]


@blp.route("/<int:badge_id>")
class BadgeItem(MethodView):
    @blp.response(200)
    @login_required()
    def get(self, badge_id: int):
        """The signed credential (VC-JWT), the JWKS to verify it offline, and the credential decoded."""
        badge = db.session.get(Badge, badge_id)
        user = current_user()
        if badge is None or badge.tenant_id != user.tenant_id or not can_see(db.session, user, badge.person_id):
            abort(404, message=f"no badge {badge_id} that you can see", path="id")
        return bundle(badge, jwks(db.session))
