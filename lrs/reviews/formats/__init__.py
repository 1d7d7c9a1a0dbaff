"""Renderers of a ``ReviewExport``: plain data in, text or bytes out; no Flask, no database.

``FORMATS`` maps a format name to its renderer, media type and file extension, for the API and the CLI.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lrs.reviews.data import ReviewExport
from lrs.reviews.formats.csv_export import CSV_COLUMNS, to_csv
from lrs.reviews.formats.json_export import to_json
from lrs.reviews.formats.pdf_export import to_pdf
from lrs.reviews.formats.xlsx_export import to_xlsx

__all__ = ["CSV_COLUMNS", "FORMATS", "Format", "render", "to_csv", "to_json", "to_pdf", "to_xlsx"]


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    extension: str
    render: Callable[[ReviewExport], str | bytes]


XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS: dict[str, Format] = {
    "csv": Format("csv", "text/csv; charset=utf-8", "csv", to_csv),
    "json": Format("json", "application/json", "json", to_json),
    "xlsx": Format("xlsx", XLSX_MEDIA_TYPE, "xlsx", to_xlsx),
    "pdf": Format("pdf", "application/pdf", "pdf", to_pdf),
}


def render(export: ReviewExport, name: str) -> bytes:
    """The export in the named format as bytes (CSV encoded as UTF-8); KeyError for an unknown name."""
    output = FORMATS[name].render(export)
    return output.encode("utf-8") if isinstance(output, str) else output
