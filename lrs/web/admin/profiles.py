"""/admin/profiles: the tenant's xAPI profiles, importing a JSON-LD file (every error shown), statements
per statement template."""

from __future__ import annotations

import orjson
from flask import flash, g, redirect, render_template, request, url_for

from lrs.api.profiles import tenant_profiles
from lrs.extensions import db
from lrs.profiles.service import ProfileImportError, import_profile
from lrs.profiles.service import template_stats as profile_template_stats
from lrs.web import charts
from lrs.web.format import language_map
from lrs.web.security import page, page_blueprint

bp = page_blueprint("web_profiles", __name__, url_prefix="/admin/profiles")
CHART_TEMPLATES = 20


def template_stats(tenant_id: int) -> list[dict]:
    """Per active profile, each template with the statements that matched and broke it."""
    return profile_template_stats(db.session, tenant_id, language_map)


def _listing(errors: list[dict] | None = None, summary: str | None = None, status: int = 200):
    stats = template_stats(g.user.tenant_id)
    busiest = sorted((t for p in stats for t in p["templates"] if t["matched"]), key=lambda t: -t["matched"])
    chart = charts.bar_chart([t["label"] for t in busiest[:CHART_TEMPLATES]],
                             [t["matched"] for t in busiest[:CHART_TEMPLATES]],
                             title="Statements that matched each statement template", percent=False)
    return render_template("web/admin/profiles.html", profiles=tenant_profiles(g.user.tenant_id), stats=stats,
                           chart=chart, errors=errors or [], summary=summary), status


@bp.get("")
@page("admin")
def profiles():
    return _listing()


@bp.post("")
@page("admin")
def upload():
    """Import a profile document (a new profile or a new version of one); an invalid one is refused whole."""
    upload_ = request.files.get("file")
    raw = upload_.read() if upload_ is not None else b""
    if not raw:
        return _listing([{"path": "file", "detail": "Choose a JSON-LD file to import."}], status=400)
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return _listing([{"path": "file", "detail": f"The file is not valid JSON: {exc}."}], status=400)
    try:
        profile, outcome = import_profile(db.session, g.user.tenant_id, doc)
    except ProfileImportError as exc:
        db.session.rollback()
        return _listing(exc.to_json(), f"{len(exc.errors)} error(s): the profile was not imported.",
                        status=exc.status)
    db.session.commit()
    flash(f"Profile {profile.label or profile.iri}: {outcome}.", "success")
    return redirect(url_for("web_profiles.profiles"))
