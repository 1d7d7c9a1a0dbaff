"""The JSON admin API under /api/v1/, described by the OpenAPI document at /api/v1/openapi.json."""

from __future__ import annotations

from flask import Flask, request
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from lrs.xapi.http import json_response

API_PREFIX = "/api/v1"


def _paths(messages, prefix: str = "$") -> tuple[str, str]:
    """The first (path, message) in webargs/marshmallow's nested error messages."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            if key in ("json", "query", "form", "files", "headers"):
                return _paths(value, prefix if key == "json" else key)
            return _paths(value, f"{prefix}[{key}]" if isinstance(key, int) else f"{prefix}.{key}")
    if isinstance(messages, list) and messages:
        first = messages[0]
        if isinstance(first, str):
            return prefix, first
        return _paths(first, prefix)
    return prefix, str(messages)


class LrsApi(Api):
    """flask-smorest, with errors in the service's one shape: {"error", "detail", "path"}."""

    def handle_http_exception(self, error: HTTPException):
        data = getattr(error, "data", None) or {}
        if "messages" in data:
            path, detail = _paths(data["messages"])
            return json_response({"error": "invalid_request", "detail": detail, "path": path}, 400)
        name = (error.name or "error").lower().replace(" ", "_")
        detail = data.get("message") or error.description
        body = {"error": name, "detail": detail, "path": data.get("path", request.path)}
        if "errors" in data:
            body["errors"] = data["errors"]
        return json_response(body, error.code or 500)


api = LrsApi()


def register(app: Flask) -> None:
    app.config.setdefault("API_TITLE", "lrs admin API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", API_PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api.init_app(app, spec_kwargs={"components": {"securitySchemes": {
        "bearerAuth": {"type": "http", "scheme": "bearer", "description": "an API token: <key>.<secret>"}}},
        "security": [{"bearerAuth": []}]})
    from lrs.api import (
        badges,
        certifications,
        credentials,
        culture,
        forwarders,
        goals,
        me,
        people,
        profiles,
        recognition,
        reviews,
        sources,
    )

    for module in (me, credentials, sources, people, goals, certifications, badges, recognition, reviews,
                   profiles, forwarders):
        api.register_blueprint(module.blp, url_prefix=f"{API_PREFIX}{module.PREFIX}")
    api.register_blueprint(goals.progress_blp, url_prefix=API_PREFIX)
    api.register_blueprint(certifications.person_blp, url_prefix=API_PREFIX)
    api.register_blueprint(badges.person_blp, url_prefix=API_PREFIX)
    api.register_blueprint(recognition.extra_blp, url_prefix=API_PREFIX)
    api.register_blueprint(culture.blp, url_prefix=API_PREFIX)
