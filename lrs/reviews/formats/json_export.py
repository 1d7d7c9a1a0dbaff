"""JSON: the export nested as ``ReviewExport.to_json()`` describes it, encoded with orjson (UTF-8 bytes)."""

from __future__ import annotations

import orjson

from lrs.reviews.data import ReviewExport


def to_json(export: ReviewExport, *, indent: bool = False) -> bytes:
    return orjson.dumps(export.to_json(), option=orjson.OPT_INDENT_2 if indent else 0)
