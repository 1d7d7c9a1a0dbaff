"""The About resource (Communication 2.8): answers without credentials or a version header."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from flask import request

from lrs.xapi.http import bp, json_response
from lrs.xapi.versions import HEADER, SUPPORTED, V1

SERVICE_EXTENSION = "https://w3id.org/xapi/lrs/extensions/service"


def _service_version() -> str:
    try:
        return version("lrs")
    except PackageNotFoundError:
        return "unknown"


def listed_versions(requested: str | None) -> list[str]:
    """Every supported version; to a 1.0.x client only 1.0.3, since 1.0 clients reject versions they do not
    know (the tincan client does, interop notes) and 2.0 §4.1.6.7 asks only that 2.0 clients see 2.0.0."""
    if requested and requested.strip().startswith("1.0"):
        return [V1]
    return list(SUPPORTED)


@bp.route("/about", methods=["GET"])
def about():
    return json_response({
        "version": listed_versions(request.headers.get(HEADER)),
        "extensions": {SERVICE_EXTENSION: {"name": "lrs", "version": _service_version()}},
    })
