"""POST /hooks/<id>: a source's deliveries, verified, translated and stored like POST /xapi/statements."""

from __future__ import annotations

import logging

import orjson
from flask import Blueprint, Response, current_app, request
from sqlalchemy import select
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from lrs.extensions import db
from lrs.models import Source
from lrs.plugin_host.base import Event, EventError, VerificationError
from lrs.plugin_host.registry import registry
from lrs.plugin_host.sources import record, source_secret
from lrs.progress.inline import after_statements_stored
from lrs.xapi.errors import XAPIError
from lrs.xapi.http import json_response
from lrs.xapi.service import Writer, store_statements
from lrs.xapi.versions import V1

log = logging.getLogger(__name__)
bp = Blueprint("hooks", __name__, url_prefix="/hooks")


def _error(status: int, error: str, detail: str, path: str | None) -> Response:
    return json_response({"error": error, "detail": detail, "path": path}, status)


def _writer(source: Source) -> Writer:
    home = current_app.config.get("LRS_PUBLIC_URL") or request.host_url.rstrip("/")
    authority = {"objectType": "Agent", "name": f"{source.name} ({source.kind})",
                 "account": {"homePage": home, "name": f"source/{source.id}"}}
    return Writer(source.tenant_id, None, authority, False)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(exc):
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    return _error(413, "payload_too_large", f"the body is larger than {limit} bytes", "body")


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    return _error(exc.code or 500, (exc.name or "error").lower().replace(" ", "_"), exc.description, request.path)


@bp.route("/<public_id>", methods=["POST"])
def receive(public_id: str) -> Response:
    source = db.session.scalar(select(Source).where(Source.public_id == public_id, Source.enabled.is_(True)))
    if source is None:
        return _error(404, "not_found", "no enabled source at this URL", "url")
    source_id = source.id
    plugin = registry().get(source.kind)
    if plugin is None:
        return _error(503, "unavailable", f"the {source.kind} plugin is not loaded", "kind")
    raw = request.get_data(cache=False)
    headers = {k.lower(): v for k, v in request.headers.items()}
    options = orjson.loads(source.options)
    secret = source_secret(current_app.config["SECRET_KEY"], source.secret_salt)
    try:
        plugin.verify(headers, raw, secret, options)
    except VerificationError as exc:
        record(db.session, source_id, received=1, rejects=[(f"not authentic: {exc}", None)],
               error=f"not authentic: {exc}")
        return _error(401, "unauthorized", str(exc), "signature")
    media = headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in plugin.content_types:
        detail = f"Content-Type {media or '(none)'!r} is not accepted; send {' or '.join(plugin.content_types)}"
        record(db.session, source_id, received=1, rejects=[(detail, None)], error=detail)
        return _error(415, "unsupported_media_type", detail, "Content-Type")
    try:
        payload = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        record(db.session, source_id, received=1, rejects=[(f"malformed JSON: {exc}", None)],
               error="malformed JSON")
        return _error(400, "bad_request", f"the body is not valid JSON: {exc}", "body")
    homepage = options.get("homepage", "")
    try:
        translation = plugin.translate(Event(headers, payload, options, homepage))
    except EventError as exc:
        record(db.session, source_id, received=1, rejects=[(exc.detail, raw.decode("utf-8", "replace"))],
               error=exc.detail)
        return _error(400, "bad_event", exc.detail, exc.path)
    rejects = [(reason, None) for reason in translation.rejected]
    if not translation.statements:
        record(db.session, source_id, received=1, ignored=0 if rejects else 1, rejects=rejects)
        return json_response({"stored": 0, "ids": [], "ignored": translation.ignored,
                              "rejected": translation.rejected}, 202 if translation.ignored else 200)
    try:
        ids = store_statements(db.session, _writer(source), translation.statements, V1)
    except XAPIError as exc:
        db.session.rollback()
        detail = f"the statements made from this event were refused: {exc.detail}"
        log.warning("source %s: %s at %s", source_id, exc.detail, exc.path)
        record(db.session, source_id, received=1, rejects=[(f"{detail} ({exc.path})", None)], error=detail)
        return _error(exc.status if exc.status < 500 else 422, "statement_refused", detail, exc.path)
    record(db.session, source_id, received=1, stored=len(ids), rejects=rejects)
    after_statements_stored()
    return json_response({"stored": len(ids), "ids": ids, "rejected": translation.rejected})
