"""/api/v1/profiles: the tenant's xAPI profiles, import with validation, template statistics, patterns."""

from __future__ import annotations

import orjson
from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from lrs.api.auth import current_user, login_required
from lrs.extensions import db
from lrs.models import PatternState, Profile, ProfileVersion, Tenant
from lrs.models.profiles import PROFILE_MODES
from lrs.profiles.service import (
    ProfileImportError,
    builtin_profiles,
    deprecate_profile,
    import_profile,
    set_mode,
    template_stats,
)

PREFIX = "/profiles"
blp = Blueprint("profiles", __name__, description="xAPI profiles: vocabulary, statement templates, patterns")


class ModeIn(Schema):
    mode = fields.String(required=True, validate=validate.OneOf(PROFILE_MODES))


class PatternArgs(Schema):
    registration = fields.UUID(required=True)


def summary(profile: Profile | None, doc: dict, builtin: bool = False) -> dict:
    return {
        "id": profile.id if profile else None, "iri": doc["id"], "version": doc["versions"][0]["id"],
        "label": (doc.get("prefLabel") or {}).get("en") or next(iter((doc.get("prefLabel") or {}).values()), ""),
        "builtin": builtin, "deprecated": profile.deprecated if profile else False,
        "templates": len(doc.get("templates", ())), "patterns": len(doc.get("patterns", ())),
        "concepts": len(doc.get("concepts", ())),
    }


def tenant_profiles(tenant_id: int) -> list[dict]:
    rows = list(db.session.scalars(select(Profile).where(Profile.tenant_id == tenant_id).order_by(Profile.id)))
    own = {p.iri for p in rows}
    found = [summary(None, d, builtin=True) for d in builtin_profiles() if d["id"] not in own]
    return found + [summary(p, orjson.loads(p.document)) for p in rows]


def _profile_or_404(profile_id: int) -> Profile:
    profile = db.session.get(Profile, profile_id)
    if profile is None or profile.tenant_id != current_user().tenant_id:
        abort(404, message=f"no profile {profile_id} in this tenant", path="id")
    return profile


@blp.route("")
class Profiles(MethodView):
    @blp.response(200)
    @login_required("admin")
    def get(self):
        """The tenant's profiles, and the project's own (builtin) ones every tenant has."""
        return tenant_profiles(current_user().tenant_id)

    @blp.response(201)
    @login_required("admin")
    def post(self):
        """Import a JSON-LD profile (or a new version of one). An invalid profile is refused whole."""
        try:
            doc = orjson.loads(request.get_data())
        except orjson.JSONDecodeError as exc:
            abort(400, message=f"the body is not valid JSON-LD: {exc}", path="body")
        try:
            profile, outcome = import_profile(db.session, current_user().tenant_id, doc)
        except ProfileImportError as exc:
            db.session.rollback()
            first = exc.errors[0]
            abort(exc.status, message=f"{len(exc.errors)} error(s); the profile was not stored. First: "
                                      f"{first.message} (rule {first.rule}, {first.section})",
                  path=first.path, errors=exc.to_json())
        db.session.commit()
        return {"outcome": outcome, **summary(profile, doc)}


@blp.route("/<int:profile_id>")
class ProfileItem(MethodView):
    @blp.response(200)
    @login_required("admin")
    def get(self, profile_id: int):
        profile = _profile_or_404(profile_id)
        versions = [{"version": v, "imported": t.isoformat() + "Z"} for v, t in db.session.execute(
            select(ProfileVersion.version_iri, ProfileVersion.imported)
            .where(ProfileVersion.profile_id == profile.id).order_by(ProfileVersion.id))]
        doc = orjson.loads(profile.document)
        return {**summary(profile, doc), "history": versions, "document": doc}


@blp.route("/<int:profile_id>/deprecate")
class ProfileDeprecate(MethodView):
    @blp.response(200)
    @login_required("admin")
    def post(self, profile_id: int):
        profile = _profile_or_404(profile_id)
        deprecate_profile(db.session, profile)
        db.session.commit()
        return summary(profile, orjson.loads(profile.document))


@blp.route("/stats")
class ProfileStats(MethodView):
    @blp.response(200)
    @login_required("admin")
    def get(self):
        """Per profile, how many statements matched (and broke) each of its templates."""
        stats = template_stats(db.session, current_user().tenant_id,
                               lambda names, fallback: (names or {}).get("en", ""))
        return [{"profile": p["profile"], "templates": [
            {k: t[k] for k in ("template", "label", "matched", "failed")} for t in p["templates"]]} for p in stats]


@blp.route("/patterns")
class Patterns(MethodView):
    @blp.arguments(PatternArgs, location="query")
    @blp.response(200)
    @login_required("admin")
    def get(self, args):
        """Where a registration stands in each primary pattern: match, partial or failure."""
        rows = db.session.execute(select(PatternState).where(
            PatternState.tenant_id == current_user().tenant_id,
            PatternState.registration == str(args["registration"]))).scalars()
        return [{"profile": r.profile_iri, "registration": r.registration,
                 "subregistration": r.subregistration or None, "patterns": orjson.loads(r.verdicts),
                 "updated": r.updated.isoformat() + "Z"} for r in rows]


@blp.route("/settings")
class ProfileSettings(MethodView):
    @blp.response(200)
    @login_required("admin")
    def get(self):
        return {"mode": db.session.get(Tenant, current_user().tenant_id).profile_mode}

    @blp.arguments(ModeIn)
    @blp.response(200)
    @login_required("admin")
    def put(self, data):
        """off, report (store, and record which templates matched or failed) or enforce (refuse)."""
        set_mode(db.session, current_user().tenant_id, data["mode"])
        db.session.commit()
        return {"mode": data["mode"]}
