"""/admin/people: the directory, CSV import (upload, see the plan, confirm), and unmatched identities to link."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from lrs.extensions import db
from lrs.models import Identity, Person, Team, TeamMember
from lrs.people import identities
from lrs.people.csv_import import COLUMNS, ImportError_
from lrs.people.directory import DirectoryError, add_identity, import_csv
from lrs.people.identities import IdentityError
from lrs.people.seen import unmatched
from lrs.progress.engine import ProgressEngine
from lrs.web.admin import find_person, people_suggestions
from lrs.web.format import agent_label
from lrs.web.security import page, page_blueprint

bp = page_blueprint("web_people", __name__, url_prefix="/admin/people")
SHOWN = 200
PLAN_ROWS = 200


@bp.get("")
@page("admin")
def people():
    search = (request.args.get("q") or "").strip()
    manager = aliased(Person)
    query = (select(Person, manager.name).outerjoin(manager, manager.id == Person.manager_id)
             .where(Person.tenant_id == g.user.tenant_id))
    if search:
        like = f"%{search.lower()}%"
        query = query.where(or_(func.lower(Person.name).like(like), func.lower(Person.employee_id).like(like),
                                func.lower(Person.email).like(like)))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.execute(query.order_by(Person.name, Person.id).limit(SHOWN)).all()
    ids = [person.id for person, _ in rows]
    teams: dict[int, list[str]] = {}
    for person_id, name in db.session.execute(select(TeamMember.person_id, Team.name).join(
            Team, Team.id == TeamMember.team_id).where(TeamMember.person_id.in_(ids)).order_by(Team.name)):
        teams.setdefault(person_id, []).append(name)
    linked = dict(db.session.execute(select(Identity.person_id, func.count()).where(
        Identity.person_id.in_(ids)).group_by(Identity.person_id)).all())
    return render_template("web/admin/people.html", rows=rows, teams=teams, linked=linked, total=total,
                           search=search, shown=SHOWN, columns=COLUMNS)


def _csv_text() -> tuple[str | None, str | None]:
    """The CSV of the upload (first step) or of the hidden field (confirmation); or an error."""
    upload = request.files.get("file")
    raw = upload.read() if upload is not None else (request.form.get("csv") or "").encode()
    if not raw.strip():
        return None, "Choose a CSV file to import."
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError:
        return None, "The CSV must be UTF-8 (save it as “CSV UTF-8” in a spreadsheet)."


def _import(dry_run: bool):
    text, problem = _csv_text()
    if text is None:
        return render_template("web/admin/people_import.html", errors=[{"path": "file", "detail": problem}],
                               plan=None), 400
    try:
        result = import_csv(db.session, g.user.tenant_id, text, dry_run=dry_run)
    except ImportError_ as exc:
        db.session.rollback()
        return render_template("web/admin/people_import.html", plan=None,
                               errors=[{"path": f"line {e.line}, column {e.column}", "detail": e.message}
                                       for e in exc.errors]), 400
    if dry_run:
        db.session.rollback()
        return render_template("web/admin/people_import.html", plan=result, csv=text, errors=[],
                               plan_rows=PLAN_ROWS)
    db.session.commit()
    flash(f"Imported: {len(result['create'])} created, {len(result['update'])} updated, "
          f"{result['unchanged']} unchanged.", "success")
    return redirect(url_for("web_people.people"))


@bp.post("/import")
@page("admin")
def plan():
    """The first step: what the file would change; nothing is stored."""
    return _import(dry_run=True)


@bp.post("/import/confirm")
@page("admin")
def confirm():
    """The second step: apply the same file (planned again: the directory may have changed meanwhile)."""
    return _import(dry_run=False)


@bp.get("/unmatched")
@page("admin")
def unmatched_page():
    rows = []
    for item in unmatched(db.session, g.user.tenant_id):
        try:
            identity = identities.written(identities.from_agent(item["agent"]))
        except IdentityError:
            continue
        rows.append({**item, "identity": identity, "label": agent_label(item["agent"])})
    return render_template("web/admin/unmatched.html", rows=rows, people=people_suggestions())


@bp.post("/unmatched/link")
@page("admin")
def link():
    """Link an identity to a person: their statements stored so far are credited at once."""
    written = request.form.get("identity") or ""
    person = find_person(request.form.get("person") or "")
    if person is None:
        flash(f"No person with employee id {request.form.get('person', '')!r}: nothing was linked.", "error")
        return redirect(url_for("web_people.unmatched_page"))
    try:
        add_identity(db.session, person, identities.parse(written))
    except (IdentityError, DirectoryError) as exc:
        db.session.rollback()
        flash(f"Not linked: {getattr(exc, 'detail', exc)}.", "error")
        return redirect(url_for("web_people.unmatched_page"))
    ProgressEngine(db.session).refresh_people(person.tenant_id, {person.id})
    db.session.commit()
    flash(f"{written} is now {person.name}’s; their statements count from now on.", "success")
    return redirect(url_for("web_people.unmatched_page"))
