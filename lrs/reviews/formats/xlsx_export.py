"""XLSX: one sheet per section (Objectives, Certifications, Evidence, Kudos, Totals), typed cells.

Dates and datetimes are Excel dates (UTC, since Excel has no time zones), numbers are numbers, progress is a
fraction shown as a percentage; each sheet has a bold, frozen, filterable header row and sized columns.
Written with XlsxWriter, which writes the XML itself rather than through a cell object per value, so thousands of
people stay fast; openpyxl reads the workbooks back in the tests.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from xlsxwriter import Workbook
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from lrs.reviews.data import PersonReview, ReviewExport
from lrs.reviews.formats.values import (
    CERTIFICATION_STATUS_LABELS,
    GOAL_STATUS_LABELS,
    hours,
    iso_date,
    naive_utc,
    shorten,
    xml_safe,
)

# Number formats: percent and hours by column, date and datetime by value; "int" and "number" keep "General".
FORMATS = {"percent": "0.0%", "hours": "0.00", "date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd h:mm:ss"}
HEADER_STYLE = {"bold": True, "font_color": "#FFFFFF", "pattern": 1, "bg_color": "#305496", "valign": "vcenter"}
WIDTHS = {"int": 9, "number": 11, "percent": 11, "hours": 10, "date": 12, "datetime": 17}
EXCEL_CELL_LIMIT = 32_767
_WIDTH_SAMPLE = 500  # rows looked at to size a text column
# Pixels per character of column width (the widest digit of Calibri 11, the default font): a width set in
# pixels as characters * 7 is stored as exactly that many characters, as Excel itself stores it.
_DIGIT_PIXELS = 7
# in_memory: no temporary files. XlsxWriter's constant_memory mode (which in_memory turns off) streams rows to
# temporary files with inline strings: less memory but measured 20% slower here, and the rows are in memory anyway.
# Strings are written with write_string, never read as formulas, links or numbers; NaN and infinities become
# Excel's error values rather than an invalid file.
_OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
            "nan_inf_to_errors": True}


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = "text"  # text | int | number | percent | hours | date | datetime


PERSON = [Column("Employee ID"), Column("Name")]
SHEETS: dict[str, list[Column]] = {
    "Objectives": [*PERSON, Column("Email"), Column("Manager"), Column("Objective ID", "int"),
                   Column("Objective"),
                   Column("Measure"), Column("Target", "number"), Column("Unit"),
                   Column("Progress value", "number"), Column("Progress", "percent"), Column("Status"),
                   Column("Weight", "number"), Column("Starts on", "date"), Column("Due on", "date"),
                   Column("Achieved at", "datetime"), Column("Evidence", "int")],
    "Certifications": [*PERSON, Column("Certification ID", "int"), Column("Certification"), Column("Status"),
                       Column("Earned at", "datetime"), Column("Expires at", "datetime")],
    # Keyed by Employee ID and Objective ID (see Objectives): tens of thousands of rows stay quick to write.
    "Evidence": [Column("Employee ID"), Column("Objective ID", "int"), Column("Timestamp", "datetime"),
                 Column("Verb"), Column("Activity name"), Column("Activity ID"), Column("Source"),
                 Column("Statement ID")],
    "Kudos": [*PERSON, Column("From"), Column("Message"), Column("Received at", "datetime")],
    "Totals": [*PERSON, Column("Email"), Column("Manager"), Column("Objectives", "int"),
               Column("Achieved", "int"),
               Column("In progress", "int"), Column("Not started", "int"), Column("Overdue", "int"),
               Column("Weighted progress", "percent"), Column("Learning hours", "hours"),
               Column("Certifications active", "int"), Column("Kudos received", "int"),
               Column("Period from", "date"), Column("Period to", "date")],
}


def _objectives(person: PersonReview) -> Iterator[list[Any]]:
    who = [person.employee_id, person.name, person.email, person.manager]
    if not person.goals:
        yield who
    for g in person.goals:
        yield [*who, g.goal_id, g.title, g.measure, g.target, g.unit, g.value, g.fraction,
               GOAL_STATUS_LABELS[g.status], g.weight, g.starts_on, g.due_on, naive_utc(g.achieved_at),
               len(g.evidence)]


def _certifications(person: PersonReview) -> Iterator[list[Any]]:
    for c in person.certifications:
        yield [person.employee_id, person.name, c.certification_id, c.title,
               CERTIFICATION_STATUS_LABELS[c.status], naive_utc(c.earned_at), naive_utc(c.expires_at)]


def _evidence(person: PersonReview) -> Iterator[list[Any]]:
    for g in person.goals:
        for e in g.evidence:
            yield [person.employee_id, g.goal_id, naive_utc(e.timestamp), e.verb, e.activity_name,
                   e.activity_id, e.source, e.statement_id]


def _kudos(person: PersonReview) -> Iterator[list[Any]]:
    for k in person.kudos:
        yield [person.employee_id, person.name, k.from_name, k.message, naive_utc(k.timestamp)]


def _totals(export: ReviewExport, person: PersonReview) -> list[Any]:
    t = person.totals
    return [person.employee_id, person.name, person.email, person.manager, t.goals, t.achieved,
            t.in_progress, t.not_started, t.overdue, t.weighted_fraction, hours(t.learning_seconds),
            t.certifications_active, t.kudos, export.period_from, export.period_to]


def _rows(export: ReviewExport) -> dict[str, list[list[Any]]]:
    rows: dict[str, list[list[Any]]] = {name: [] for name in SHEETS}
    for person in export.people:
        rows["Objectives"].extend(_objectives(person))
        rows["Certifications"].extend(_certifications(person))
        rows["Evidence"].extend(_evidence(person))
        rows["Kudos"].extend(_kudos(person))
        rows["Totals"].append(_totals(export, person))
    return rows


def _width(column: Column, index: int, rows: list[list[Any]]) -> int:
    if column.kind != "text":
        return max(WIDTHS[column.kind], len(column.header) + 3)
    longest = max((len(row[index]) for row in rows[:_WIDTH_SAMPLE]
                   if index < len(row) and isinstance(row[index], str)), default=0)
    return min(60, max(8, longest + 2, len(column.header) + 3))


Writer = Callable[[int, int, Any], Any]


def _writers(ws: Worksheet, columns: list[Column], formats: dict[str, Format]) -> list[Writer]:
    """A function per column that writes one value as a typed cell (None writes no cell).

    A date or datetime shows as one whatever its column; any other value takes its column's number format.
    """
    write_string, write_number, write_datetime = ws.write_string, ws.write_number, ws.write_datetime
    date_format, datetime_format = formats["date"], formats["datetime"]

    def text(row: int, col: int, value: Any) -> None:
        if type(value) is str:
            # write_string: text that starts with "=" is text here, never a formula.
            write_string(row, col, shorten(xml_safe(value), EXCEL_CELL_LIMIT))
        elif value is not None:
            other(row, col, value)

    def other(row: int, col: int, value: Any, cell_format: Format | None = None) -> None:
        if isinstance(value, str):
            write_string(row, col, shorten(xml_safe(str.__str__(value)), EXCEL_CELL_LIMIT))  # a str subclass
        elif isinstance(value, bool):
            ws.write_boolean(row, col, value, cell_format)
        elif isinstance(value, date):
            write_datetime(row, col, value, datetime_format if isinstance(value, datetime) else date_format)
        elif value is not None:
            write_number(row, col, value, cell_format)

    def typed(kind: str) -> Writer:
        cell_format = formats.get(kind)

        def write(row: int, col: int, value: Any) -> None:
            kind_of_value = type(value)
            if kind_of_value is int or kind_of_value is float:
                write_number(row, col, value, cell_format)
            elif kind_of_value is datetime:
                write_datetime(row, col, value, datetime_format)
            elif kind_of_value is date:
                write_datetime(row, col, value, date_format)
            elif value is not None:
                other(row, col, value, cell_format)

        return write

    return [text if column.kind == "text" else typed(column.kind) for column in columns]


def _sheet(workbook: Workbook, title: str, columns: list[Column], rows: list[list[Any]],
           formats: dict[str, Format]) -> None:
    """One worksheet: its header row, sizes, frozen pane and filter, then its rows in order."""
    ws = workbook.add_worksheet(title)
    for index, column in enumerate(columns):
        ws.set_column_pixels(index, index, _width(column, index, rows) * _DIGIT_PIXELS)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, len(rows), len(columns) - 1)
    for index, column in enumerate(columns):
        ws.write_string(0, index, column.header, formats["header"])
    writers = _writers(ws, columns, formats)
    indexes = range(len(columns))
    for number, row in enumerate(rows, start=1):
        # A row shorter than the columns (a person with no objectives) leaves its last cells empty.
        for index, write, value in zip(indexes, writers, row, strict=False):
            write(number, index, value)


def to_xlsx(export: ReviewExport) -> bytes:
    out = io.BytesIO()
    workbook = Workbook(out, _OPTIONS)
    workbook.set_properties({
        "title": f"Review export: {export.scope}",
        "subject": f"Period {iso_date(export.period_from) or 'open'} to {iso_date(export.period_to) or 'open'}",
        "author": "LRS",
        "created": naive_utc(export.generated_at),
    })
    formats = {kind: workbook.add_format({"num_format": pattern}) for kind, pattern in FORMATS.items()}
    formats["header"] = workbook.add_format(HEADER_STYLE)
    for title, rows in _rows(export).items():
        _sheet(workbook, title, SHEETS[title], rows, formats)
    workbook.close()
    return out.getvalue()
