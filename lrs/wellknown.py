"""Public documents: the service's JWKS, for verifying its badges (and, later, LTI messages) offline."""

from __future__ import annotations

from flask import Blueprint

from lrs.extensions import db
from lrs.keys import jwks
from lrs.xapi.http import json_response

bp = Blueprint("wellknown", __name__)


@bp.route("/.well-known/jwks.json")
def jwks_document():
    response = json_response(jwks(db.session))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
