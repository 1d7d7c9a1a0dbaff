"""/api/v1/people: the directory, CSV import with a dry run, identities."""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields
from sqlalchemy import select

from lrs.api.auth import current_user, login_required
from lrs.extensions import db
from lrs.models import Person
from lrs.people import identities
from lrs.people.access import can_see, visible_people
from lrs.people.csv_import import ImportError_
from lrs.people.directory import DirectoryError, add_identity, get_person, import_csv, person_summary
from lrs.people.erasure import erase_person
from lrs.people.identities import IdentityError
from lrs.people.seen import unmatched
from lrs.progress.engine import ProgressEngine

PREFIX = "/people"
blp = Blueprint("people", __name__, description="The people directory")


class ManagerOut(Schema):
    id = fields.Integer()
    employee_id = fields.String()
    name = fields.String()


class PersonOut(Schema):
    id = fields.Integer()
    employee_id = fields.String()
    name = fields.String()
    email = fields.String(allow_none=True)
    manager = fields.Nested(ManagerOut, allow_none=True)
    teams = fields.List(fields.String())
    identities = fields.List(fields.String())


class ImportArgs(Schema):
    dry_run = fields.Boolean(load_default=False)


class IdentityIn(Schema):
    identity = fields.String(required=True, metadata={"description": "mailto:.., sha1:.., openid:.., "
                                                                     "account:<homePage>|<name>"})


def _person_or_404(person_id: int) -> Person:
    user = current_user()
    person = get_person(db.session, user.tenant_id, person_id)
    if person is None or not can_see(db.session, user, person_id):
        abort(404, message=f"no person {person_id} that you can see", path="id")
    return person


@blp.route("")
class People(MethodView):
    @blp.response(200, PersonOut(many=True))
    @login_required()
    def get(self):
        user = current_user()
        visible = visible_people(db.session, user)
        query = select(Person).where(Person.tenant_id == user.tenant_id).order_by(Person.name, Person.id)
        if visible is not None:
            query = query.where(Person.id.in_(visible))
        return [person_summary(db.session, p) for p in db.session.scalars(query)]


@blp.route("/unmatched")
class Unmatched(MethodView):
    @blp.response(200)
    @login_required("admin")
    def get(self):
        """Actors of stored statements that match no person: link them with POST /people/<id>/identities
        (their past statements are then credited)."""
        return unmatched(db.session, current_user().tenant_id)


@blp.route("/import")
class PeopleImport(MethodView):
    @blp.arguments(ImportArgs, location="query")
    @blp.response(200)
    @login_required("admin")
    def post(self, args):
        """Import people from CSV (the body, text/csv, or a multipart file field "file")."""
        upload = request.files.get("file")
        raw = upload.read() if upload is not None else request.get_data()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            abort(400, message="the CSV must be UTF-8", path="body")
        try:
            result = import_csv(db.session, current_user().tenant_id, text, dry_run=args["dry_run"])
        except ImportError_ as exc:
            db.session.rollback()
            first = exc.errors[0]
            abort(400, message=f"{len(exc.errors)} error(s); nothing was imported. First: {first.message}",
                  path=f"line {first.line}, column {first.column}", errors=[e.to_json() for e in exc.errors])
        db.session.commit()
        return result


@blp.route("/<int:person_id>")
class PersonItem(MethodView):
    @blp.response(200, PersonOut)
    @login_required()
    def get(self, person_id: int):
        return person_summary(db.session, _person_or_404(person_id))

    @blp.response(200)
    @login_required("admin")
    def delete(self, person_id: int):
        """Erase the person for good (statements they made, documents, progress, identities); counts only
        are kept, in the audit log."""
        counts = erase_person(db.session, _person_or_404(person_id), f"user:{current_user().id}")
        db.session.commit()
        return {"erased": True, **counts}


@blp.route("/<int:person_id>/identities")
class PersonIdentities(MethodView):
    @blp.arguments(IdentityIn)
    @blp.response(200, PersonOut)
    @login_required("admin")
    def post(self, data, person_id: int):
        """Link an identity to a person (statements already stored by it are credited from then on)."""
        person = _person_or_404(person_id)
        try:
            add_identity(db.session, person, identities.parse(data["identity"]))
        except IdentityError as exc:
            abort(400, message=str(exc), path="$.identity")
        except DirectoryError as exc:
            abort(409, message=exc.detail, path=exc.path)
        ProgressEngine(db.session).refresh_people(person.tenant_id, {person.id})
        db.session.commit()
        return person_summary(db.session, person)
