"""xAPI version negotiation (Communication 3.3; xAPI 2.0 §4.1.7)."""

from __future__ import annotations

import re

from lrs.xapi.errors import BadRequest

V1 = "1.0.3"
V2 = "2.0.0"
SUPPORTED = (V1, V2)
HEADER = "X-Experience-API-Version"

_V1_RE = re.compile(r"^1\.0(\.[0-9]+)?$")
_V2_RE = re.compile(r"^2\.0(\.[0-9]+)?$")


def negotiate(header: str | None) -> str:
    """Map a request's version header to the version it is served with, or raise BadRequest."""
    if header is None or header.strip() == "":
        raise BadRequest(f"the {HEADER} header is required", path=HEADER)
    value = header.strip()
    if _V1_RE.match(value):
        return V1
    if _V2_RE.match(value):
        return V2
    raise BadRequest(
        f"unsupported xAPI version {value!r}: this LRS serves {', '.join(SUPPORTED)}", path=HEADER
    )


def statement_version_ok(value: str, version: str) -> bool:
    """Whether a statement's own ``version`` property is acceptable under the negotiated version."""
    if _V1_RE.match(value):
        return True
    return version == V2 and value == V2
