"""CSV for HR import: one row per person and objective, with stable columns (see lrs/reviews/README.md).

A person with no objectives in the period still gets one row, its objective columns empty. RFC 4180 quoting,
CRLF line ends; text columns that a spreadsheet would read as a formula get a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from lrs.reviews.data import GoalReview, PersonReview, ReviewExport
from lrs.reviews.formats.values import defuse_formula, iso_date, number, percent, utc_date

# The contract with HR tools: append new columns at the end, never rename or reorder these.
CSV_COLUMNS = (
    "employee_id", "name", "email", "manager", "period_from", "period_to",
    "objective_id", "objective", "measure", "target", "unit", "progress_value", "progress_percent",
    "status", "weight", "starts_on", "due_on", "achieved_on", "evidence_count",
    "certifications_active", "kudos_received",
)
_OBJECTIVE_COLUMNS = 13  # objective_id .. evidence_count


def _objective(goal: GoalReview, text: Callable[[str | None], str]) -> list[str]:
    return [str(goal.goal_id), text(goal.title), goal.measure, number(goal.target), goal.unit,
            number(goal.value), number(percent(goal.fraction)), goal.status, number(goal.weight),
            iso_date(goal.starts_on), iso_date(goal.due_on), iso_date(utc_date(goal.achieved_at)),
            str(len(goal.evidence))]


def _plain(value: str | None) -> str:
    return value or ""


def person_rows(export: ReviewExport, person: PersonReview, guard_formulas: bool = True) -> list[list[str]]:
    """The CSV rows (without header) for one person."""
    text = defuse_formula if guard_formulas else _plain
    head = [text(person.employee_id), text(person.name), text(person.email), text(person.manager),
            iso_date(export.period_from), iso_date(export.period_to)]
    tail = [str(person.totals.certifications_active), str(person.totals.kudos)]
    if not person.goals:
        return [head + [""] * _OBJECTIVE_COLUMNS + tail]
    return [head + _objective(goal, text) + tail for goal in person.goals]


def to_csv(export: ReviewExport, *, guard_formulas: bool = True) -> str:
    """The export as CSV text (UTF-8 when encoded; add a BOM if Excel is to open it directly)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for person in export.people:
        writer.writerows(person_rows(export, person, guard_formulas))
    return out.getvalue()
