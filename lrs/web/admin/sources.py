"""/admin/sources: webhook sources and their health (received, stored, rejected, last error); add, disable."""

from __future__ import annotations

import orjson
from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from lrs.api.common import base_url
from lrs.extensions import db
from lrs.models import Source, SourceReject
from lrs.plugin_host.registry import registry
from lrs.plugin_host.sources import SourceError, add_source, source_summary, sources_of
from lrs.web.security import page, page_blueprint

bp = page_blueprint("web_sources", __name__, url_prefix="/admin/sources")
REJECTS_SHOWN = 5


def _listing(form: dict | None = None, errors: dict | None = None, issued=None, status: int = 200):
    rows = [source_summary(s, t, base_url()) for s, t in sources_of(db.session, g.tenant.name)]
    rejects: dict[int, list[SourceReject]] = {}
    for row in rows:
        if row["rejected"]:
            rejects[row["id"]] = list(db.session.scalars(select(SourceReject).where(
                SourceReject.source_id == row["id"]).order_by(SourceReject.id.desc()).limit(REJECTS_SHOWN)))
    plugins = registry().plugins
    return render_template("web/admin/sources.html", sources=rows, rejects=rejects,
                           kinds=sorted((name, p.title or name) for name, p in plugins.items()),
                           failures=registry().failures, form=form or {"options": "{}"}, errors=errors or {},
                           issued=issued), status


@bp.get("")
@page("admin")
def sources():
    return _listing()


@bp.post("")
@page("admin")
def create():
    form = {k: (request.form.get(k) or "").strip() for k in ("kind", "name", "options")}
    try:
        options = orjson.loads(form["options"] or "{}")
    except orjson.JSONDecodeError as exc:
        return _listing(form, {"options": f"The options are not valid JSON: {exc}."}, status=400)
    if not isinstance(options, dict):
        return _listing(form, {"options": "The options are a JSON object, e.g. {\"homepage\": \"https://…\"}."},
                        status=400)
    try:
        issued = add_source(db.session, registry(), current_app.config["SECRET_KEY"], base_url(), kind=form["kind"],
                            name=form["name"], tenant=g.tenant.name, options=options)
    except SourceError as exc:
        db.session.rollback()
        field = exc.path if exc.path in ("kind", "name") else "options"
        return _listing(form, {field: f"{exc.detail} ({exc.path})."}, status=400)
    db.session.commit()
    return _listing(issued=issued, status=201)


@bp.post("/<int:source_id>/disable")
@page("admin")
def disable(source_id: int):
    source = db.session.get(Source, source_id)
    if source is None or source.tenant_id != g.user.tenant_id:
        abort(404)
    source.enabled = False
    db.session.commit()
    flash(f"Source {source.name} is disabled: its webhook deliveries are refused from now on.", "success")
    return redirect(url_for("web_sources.sources"))
