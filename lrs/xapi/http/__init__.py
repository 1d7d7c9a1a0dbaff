"""The xAPI HTTP resources under /xapi/: one blueprint, handlers that parse, call and map errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import orjson
from flask import Blueprint, Flask, Response, current_app, g, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from lrs.xapi.errors import PayloadTooLarge, XAPIError
from lrs.xapi.formats import format_timestamp
from lrs.xapi.http import context as xrequest
from lrs.xapi.versions import HEADER, SUPPORTED, V1, V2

bp = Blueprint("xapi", __name__, url_prefix="/xapi")

# Resources that answer without a version header or credentials.
OPEN_ENDPOINTS = frozenset({"xapi.about"})


def json_response(data, status: int = 200, headers: dict | None = None) -> Response:
    return Response(orjson.dumps(data), status=status, headers=headers, mimetype="application/json")


def http_date(moment: datetime) -> str:
    """An RFC 7231 HTTP-date, the form of Last-Modified."""
    return format_datetime(moment, usegmt=True)


def finish(xreq, response: Response) -> Response:
    """HEAD answers like GET without the body (Communication 1.1). A real HEAD keeps the body here so its
    Content-Length is GET's (the server sends no body); a HEAD through the alternate syntax is a POST,
    so the body is dropped here."""
    if xreq.method == "HEAD" and request.method != "HEAD":
        response.set_data(b"")
    return response


def error_response(exc: XAPIError) -> Response:
    return json_response(exc.to_json(), exc.status, exc.headers)


@bp.before_request
def prepare_request():
    if request.method == "OPTIONS":
        return None
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"the request body is larger than {limit} bytes", path="body")
    xreq = xrequest.build()
    g.xapi = xreq
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    xrequest.negotiate_version(xreq)
    xreq.credential = xrequest.authenticate_request(xreq)
    return None


CONSISTENT = "X-Experience-API-Consistent-Through"
# Statements are stored with the time their batch began; a write takes well under this to commit.
CONSISTENCY_MARGIN = timedelta(seconds=1)


@bp.after_request
def version_header(response: Response) -> Response:
    if request.endpoint == "xapi.statements":  # every answer of the Statements resource, errors included
        response.headers[CONSISTENT] = format_timestamp(datetime.now(UTC) - CONSISTENCY_MARGIN)
    xreq = g.get("xapi")
    version = xreq.version if xreq is not None else V1
    if xreq is None or request.endpoint in OPEN_ENDPOINTS:
        requested = request.headers.get(HEADER, "")
        version = V2 if requested.startswith("2.") else V1
    response.headers[HEADER] = version
    return response


@bp.errorhandler(XAPIError)
def handle_xapi_error(exc: XAPIError):
    return error_response(exc)


@bp.errorhandler(RequestEntityTooLarge)
def handle_too_large(exc: RequestEntityTooLarge):
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    return error_response(PayloadTooLarge(f"the request body is larger than {limit} bytes", path="body"))


@bp.errorhandler(HTTPException)
def handle_http_error(exc: HTTPException):
    return json_response({"error": (exc.name or "error").lower().replace(" ", "_"),
                          "detail": exc.description, "path": request.path}, exc.code or 500)


def register(app: Flask) -> None:
    from lrs.xapi.http import about, documents, resources, statements  # noqa: F401  (routes register on import)

    app.register_blueprint(bp)

    @app.errorhandler(404)
    def not_found(exc):
        return json_response({"error": "not_found", "detail": f"no resource at {request.path}",
                              "path": request.path}, 404)

    @app.errorhandler(405)
    def not_allowed(exc):
        return json_response({"error": "method_not_allowed",
                              "detail": f"{request.method} is not allowed on {request.path}",
                              "path": request.path}, 405)


__all__ = ["SUPPORTED", "bp", "json_response", "register"]
