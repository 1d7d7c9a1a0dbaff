"""How the formats show values: numbers, percentages, dates, labels, and text made safe for spreadsheets."""

from __future__ import annotations

import re
from datetime import date, datetime

from lrs.reviews.data import GoalReview, as_utc

GOAL_STATUS_LABELS = {"not_started": "Not started", "in_progress": "In progress", "achieved": "Achieved",
                      "overdue": "Overdue"}
CERTIFICATION_STATUS_LABELS = {"active": "Active", "expiring": "Expiring", "expired": "Expired",
                               "revoked": "Revoked", "not_earned": "Not earned"}
MEASURE_LABELS = {"count": "Statements", "distinct_activities": "Different activities",
                  "duration": "Learning time", "all_activities": "All listed activities"}

# A spreadsheet reads a cell starting with one of these as a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Control characters that XML 1.0 (so XLSX) cannot hold.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def number(value: float) -> str:
    """A number as plain text: no exponent, no trailing ".0", at most four decimals."""
    value = round(float(value), 4)
    if value == int(value):
        return str(int(value))
    return f"{value:.4f}".rstrip("0").rstrip(".")


def percent(fraction: float) -> float:
    """A fraction as a percentage rounded to one decimal (0.625 -> 62.5)."""
    return round(fraction * 100, 1)


def iso_date(day: date | None) -> str:
    return day.isoformat() if day is not None else ""


def utc_date(moment: datetime | None) -> date | None:
    """The UTC calendar day of a moment."""
    return as_utc(moment).date() if moment is not None else None


def naive_utc(moment: datetime | None) -> datetime | None:
    """A moment as a naive UTC datetime (spreadsheets know no time zones)."""
    return as_utc(moment).replace(tzinfo=None) if moment is not None else None


def defuse_formula(text: str | None) -> str:
    """Text a spreadsheet will not evaluate: a leading ' when it would otherwise start a formula."""
    if not text:
        return ""
    return "'" + text if text.startswith(_FORMULA_START) else text


def xml_safe(text: str) -> str:
    """Text without the control characters XML 1.0 forbids (tab, newline and carriage return stay)."""
    return _ILLEGAL_XML.sub("", text) if _ILLEGAL_XML.search(text) else text


def shorten(text: str, limit: int) -> str:
    """At most ``limit`` characters, the cut marked with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def hours(seconds: float) -> float:
    return round(seconds / 3600, 2)


def progress_text(goal: GoalReview) -> str:
    """A goal's value against its target for people to read: "7 / 10 statements", durations in hours."""
    if goal.unit == "seconds":
        return f"{number(hours(goal.value))} / {number(hours(goal.target))} h"
    return f"{number(goal.value)} / {number(goal.target)} {goal.unit}"
