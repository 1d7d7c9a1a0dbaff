"""The About resource (Communication 2.8): answers without credentials or a version header."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from lrs.xapi.http import bp, json_response
from lrs.xapi.versions import SUPPORTED

SERVICE_EXTENSION = "https://w3id.org/xapi/lrs/extensions/service"


def _service_version() -> str:
    try:
        return version("lrs")
    except PackageNotFoundError:
        return "unknown"


@bp.route("/about", methods=["GET"])
def about():
    return json_response({
        "version": list(SUPPORTED),
        "extensions": {SERVICE_EXTENSION: {"name": "lrs", "version": _service_version()}},
    })
