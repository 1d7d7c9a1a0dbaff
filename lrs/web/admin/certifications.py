"""/admin/certifications: definitions (requirements as goal rules, in JSON, errors shown) and assigning them."""

from __future__ import annotations

import orjson
from flask import abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import func, select

from lrs.extensions import db
from lrs.models import Certification, CertificationHolder, Team
from lrs.people.directory import team_members
from lrs.progress.cert_service import CertificationError, assign, create_certification
from lrs.web.admin import find_person, people_suggestions, tenant_teams
from lrs.web.security import page, page_blueprint

bp = page_blueprint("web_certifications", __name__, url_prefix="/admin/certifications")
EXAMPLE = {
    "requirements": [
        {"title": "Complete the course",
         "rule": {"match": {"verbs": ["http://adlnet.gov/expapi/verbs/completed"]},
                  "measure": {"kind": "count", "target": 1}}},
        {"title": "Pass the exam",
         "rule": {"match": {"verbs": ["http://adlnet.gov/expapi/verbs/passed"], "min_scaled": 0.8},
                  "measure": {"kind": "count", "target": 1}}},
    ],
    "mode": "all", "validity_months": 12, "renewal_days": 60,
}


def _listing(form: dict | None = None, errors: dict | None = None, status: int = 200):
    holders = dict(db.session.execute(
        select(CertificationHolder.certification_id, func.count()).group_by(CertificationHolder.certification_id)
        .join(Certification, Certification.id == CertificationHolder.certification_id)
        .where(Certification.tenant_id == g.user.tenant_id)).all())
    rows = [{"certification": c, "definition": orjson.loads(c.definition), "holders": holders.get(c.id, 0)}
            for c in db.session.scalars(select(Certification).where(
                Certification.tenant_id == g.user.tenant_id).order_by(Certification.title))]
    form = form or {"definition": orjson.dumps(EXAMPLE, option=orjson.OPT_INDENT_2).decode()}
    return render_template("web/admin/certifications.html", rows=rows, form=form, errors=errors or {},
                           people=people_suggestions(), teams=tenant_teams()), status


@bp.get("")
@page("admin")
def certifications():
    return _listing()


@bp.post("")
@page("admin")
def create():
    form = {k: (request.form.get(k) or "").strip() for k in ("title", "description", "definition")}
    try:
        definition = orjson.loads(form["definition"])
    except orjson.JSONDecodeError as exc:
        return _listing(form, {"definition": f"The definition is not valid JSON: {exc}."}, 400)
    try:
        certification = create_certification(db.session, g.user.tenant_id, form["title"], form["description"],
                                             definition)
    except CertificationError as exc:
        db.session.rollback()
        field = "title" if exc.path == "$.title" else "definition"
        return _listing(form, {field: f"{exc.detail}" + (f" (at {exc.path})" if field == "definition" else "")
                               + "."}, 400)
    db.session.commit()
    flash(f"Certification “{certification.title}” created. Assign it to people or a team below.", "success")
    return redirect(url_for("web_certifications.certifications"))


@bp.post("/<int:certification_id>/assign")
@page("admin")
def assign_people(certification_id: int):
    """Make a person or a team's members holders-to-be; statements already stored count at once."""
    certification = db.session.get(Certification, certification_id)
    if certification is None or certification.tenant_id != g.user.tenant_id:
        abort(404)
    people: list[int] = []
    employee_id = (request.form.get("person") or "").strip()
    team_id = request.form.get("team", type=int)
    if employee_id:
        person = find_person(employee_id)
        if person is None:
            flash(f"No person with employee id {employee_id!r}: nobody was assigned.", "error")
            return redirect(url_for("web_certifications.certifications"))
        people.append(person.id)
    if team_id is not None:
        team = db.session.get(Team, team_id)
        if team is None or team.tenant_id != g.user.tenant_id:
            abort(404)
        people += team_members(db.session, g.user.tenant_id, team.id)
    if not people:
        flash("Name a person (employee id) or choose a team with members.", "error")
        return redirect(url_for("web_certifications.certifications"))
    try:
        made = assign(db.session, certification, list(dict.fromkeys(people)))
    except CertificationError as exc:
        db.session.rollback()
        flash(f"Nobody was assigned: {exc.detail}.", "error")
        return redirect(url_for("web_certifications.certifications"))
    db.session.commit()
    flash(f"“{certification.title}” assigned to {len(made)} more person(s).", "success")
    return redirect(url_for("web_certifications.certifications"))
