"""XLSX: one sheet per section (Objectives, Certifications, Evidence, Kudos, Totals), typed cells.

Dates and datetimes are Excel dates (UTC, since Excel has no time zones), numbers are numbers, progress is a
fraction shown as a percentage; each sheet has a bold, frozen, filterable header row and sized columns.
Written in openpyxl's write-only mode, so thousands of people stay fast and small in memory.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

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

# Number formats set on a column's cells; numbers, dates and datetimes keep openpyxl's own ("General",
# "yyyy-mm-dd", "yyyy-mm-dd h:mm:ss"), which cost no cell of our own per value.
FORMATS = {"percent": "0.0%", "hours": "0.00"}
WIDTHS = {"int": 9, "number": 11, "percent": 11, "hours": 10, "date": 12, "datetime": 17}
EXCEL_CELL_LIMIT = 32_767
_WIDTH_SAMPLE = 500  # rows looked at to size a text column


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


def _width(column: Column, index: int, rows: list[list[Any]]) -> float:
    if column.kind != "text":
        return max(WIDTHS[column.kind], len(column.header) + 3)
    longest = max((len(row[index]) for row in rows[:_WIDTH_SAMPLE]
                   if index < len(row) and isinstance(row[index], str)), default=0)
    return min(60, max(8, longest + 2, len(column.header) + 3))


class _Sheet:
    """A write-only worksheet that turns plain values into typed cells for its columns."""

    def __init__(self, workbook: Workbook, title: str, columns: list[Column], rows: list[list[Any]]):
        self.ws = workbook.create_sheet(title)
        self.converters = [self._converter(column) for column in columns]
        for index, column in enumerate(columns):
            self.ws.column_dimensions[get_column_letter(index + 1)].width = _width(column, index, rows)
        self.ws.freeze_panes = "A2"
        self.ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(1, len(rows) + 1)}"
        self.ws.append([self._header(column.header) for column in columns])

    def _header(self, text: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.ws, value=text)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="305496")
        cell.alignment = Alignment(vertical="center")
        return cell

    def _text(self, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        value = shorten(xml_safe(value), EXCEL_CELL_LIMIT)
        if not value.startswith("="):
            return value
        cell = WriteOnlyCell(self.ws, value=value)
        cell.data_type = "s"  # text that starts with "=" is text here, never a formula
        return cell

    def _converter(self, column: Column) -> Callable[[Any], Any]:
        if column.kind == "text":
            return self._text
        number_format = FORMATS.get(column.kind)
        if number_format is None:
            return _same

        def typed(value: Any) -> Any:
            if value is None:
                return None
            cell = WriteOnlyCell(self.ws, value=value)
            cell.number_format = number_format
            return cell

        return typed

    def write(self, rows: Iterable[list[Any]]) -> None:
        converters = list(enumerate(self.converters))
        append = self.ws.append
        for row in rows:
            append([convert(row[i]) for i, convert in converters if i < len(row)])


def _same(value: Any) -> Any:
    return value


def to_xlsx(export: ReviewExport) -> bytes:
    workbook = Workbook(write_only=True)
    workbook.properties.title = f"Review export: {export.scope}"
    workbook.properties.subject = (f"Period {iso_date(export.period_from) or 'open'} to "
                                   f"{iso_date(export.period_to) or 'open'}")
    workbook.properties.creator = "LRS"
    workbook.properties.created = naive_utc(export.generated_at)
    for title, rows in _rows(export).items():
        _Sheet(workbook, title, SHEETS[title], rows).write(rows)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
