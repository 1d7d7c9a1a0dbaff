"""/me: a person's own learning — goals, certifications, badges, recent statements, kudos, leaderboard."""

from __future__ import annotations

from datetime import date

from flask import current_app, flash, g, redirect, render_template, request, url_for

from lrs.api.common import service_writer
from lrs.extensions import db
from lrs.models import Person
from lrs.progress.inline import after_statements_stored
from lrs.progress.recognition import RecognitionError, give_kudos, kudos_for, leaderboard
from lrs.web import queries
from lrs.web.security import page, page_blueprint

bp = page_blueprint("web_me", __name__, url_prefix="/me")
KUDOS_MAX = 500


def own_person() -> Person | None:
    user = g.user
    person = db.session.get(Person, user.person_id) if user.person_id else None
    return person if person is not None and person.tenant_id == user.tenant_id else None


@bp.get("")
@page()
def me():
    person = own_person()
    if person is None:
        return render_template("web/me.html", person=None)
    today = date.today()
    try:
        kudos = kudos_for(db.session, person, limit=20)
    except RecognitionError:
        kudos = []
    boards = [(team, leaderboard(db.session, person.tenant_id, team.id))
              for team in queries.teams_of(db.session, person.id)] if person.leaderboard_opt_in else []
    return render_template(
        "web/me.html", person=person, goals=queries.person_goals(db.session, person.tenant_id, person.id, today),
        certifications=queries.person_certifications(db.session, person.id, today),
        badges=queries.person_badges(db.session, person.id),
        recent=queries.recent_statements(db.session, person.tenant_id, person.id),
        kudos=kudos, colleagues=queries.colleagues(db.session, person), boards=boards,
        per_week=current_app.config["LRS_KUDOS_PER_WEEK"])


@bp.post("/kudos")
@page()
def give():
    giver = own_person()
    if giver is None:
        flash("Your login is not linked to a person in the directory, so you cannot give kudos.", "error")
        return redirect(url_for("web_me.me"))
    allowed = dict(queries.colleagues(db.session, giver))
    receiver_id = request.form.get("to", type=int)
    message = (request.form.get("message") or "").strip()
    if receiver_id not in allowed:
        flash("Choose a colleague to give kudos to.", "error")
    elif not message or len(message) > KUDOS_MAX:
        flash(f"Write a message of 1 to {KUDOS_MAX} characters.", "error")
    else:
        try:
            give_kudos(db.session, service_writer(giver.tenant_id), giver, db.session.get(Person, receiver_id),
                       message, current_app.config["LRS_KUDOS_PER_WEEK"])
        except RecognitionError as exc:
            db.session.rollback()
            flash(f"No kudos sent: {exc.detail}.", "error")
        else:
            after_statements_stored()
            flash(f"Kudos sent to {allowed[receiver_id]}.", "success")
    return redirect(url_for("web_me.me") + "#kudos")


@bp.post("/leaderboard")
@page()
def leaderboard_choice():
    person = own_person()
    if person is None:
        flash("Your login is not linked to a person in the directory.", "error")
        return redirect(url_for("web_me.me"))
    person.leaderboard_opt_in = request.form.get("opt_in") == "on"
    db.session.commit()
    flash("You take part in your teams’ leaderboards." if person.leaderboard_opt_in
          else "You no longer take part in leaderboards.", "success")
    return redirect(url_for("web_me.me") + "#leaderboard")
