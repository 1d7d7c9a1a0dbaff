"""Turning payload values into statement values: text, numbers, booleans, durations, timestamps, UUIDs.

Each function takes the value and the payload location it came from (for the EventError that names it).
"""

from __future__ import annotations

import json
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from lrs.plugin_host.base import EventError, SourcePlugin
from lrs.xapi import formats
from lrs.xapi.validation import type_name

TYPES = ("string", "number", "integer", "boolean")
DURATION_UNITS = {"seconds": Decimal(1), "milliseconds": Decimal("0.001"), "minutes": Decimal(60)}
TIMESTAMP_UNITS = {"seconds": Decimal(1), "milliseconds": Decimal("0.001")}
_TRUE, _FALSE = {"true", "yes", "1"}, {"false", "no", "0"}


def as_text(value: Any, where: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    raise EventError(f"{where} is {type_name(value)}, which cannot be written as text", where)


def as_number(value: Any, where: str) -> int | float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            pass
        else:
            if number.is_finite():
                whole = number == number.to_integral_value() and "." not in value
                return int(number) if whole else float(number)
    raise EventError(f"{where} is {_shown(value)}, not a number", where)


def convert(value: Any, kind: str, where: str) -> Any:
    """The ``type`` option of ``$path``: string, number, integer or boolean."""
    if kind == "string":
        return as_text(value, where)
    if kind == "number":
        return as_number(value, where)
    if kind == "integer":
        number = as_number(value, where)
        if number != int(number):
            raise EventError(f"{where} is {number}, not a whole number", where)
        return int(number)
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise EventError(f"{where} is {_shown(value)}, not a boolean (true/false, yes/no, 1/0)", where)


def duration(value: Any, unit: str, where: str) -> str:
    """An ISO 8601 duration from a number of seconds, milliseconds or minutes (or one already written)."""
    if isinstance(value, str) and formats.is_duration(value):
        return value
    amount = Decimal(str(as_number(value, where))) * DURATION_UNITS[unit]
    if amount < 0:
        raise EventError(f"{where} is negative: a duration cannot be", where)
    hours, rest = divmod(amount, 3600)
    minutes, seconds = divmod(rest, 60)
    out = "PT" + (f"{int(hours)}H" if hours else "") + (f"{int(minutes)}M" if minutes else "")
    if seconds or out == "PT":
        out += f"{_plain(seconds)}S"
    return out


def timestamp(value: Any, unit: str, where: str) -> str:
    """An ISO 8601 timestamp from a Unix time in seconds or milliseconds (or one already written)."""
    if isinstance(value, str) and formats.parse_timestamp(value, allow_space=False) is not None:
        return value
    try:
        micros = int(Decimal(str(as_number(value, where))) * TIMESTAMP_UNITS[unit] * 1_000_000)
        moment = formats.from_micros(micros)
    except EventError:
        raise EventError(f"{where} is {_shown(value)}, neither an ISO 8601 timestamp nor a Unix time",
                         where) from None
    except (OverflowError, OSError, ValueError) as exc:
        raise EventError(f"{where} is {_shown(value)}, out of the range of timestamps", where) from exc
    return formats.format_timestamp(moment)


def registration(value: Any, where: str) -> str:
    """A UUID as is (lower-cased), anything else as a stable UUID derived from its text (uuid5)."""
    key = as_text(value, where)
    if formats.is_uuid(key):
        return str(uuid.UUID(key))
    return SourcePlugin.statement_id("mapping/uuid", key)


def scaled(raw: float, low: float, high: float, where: str) -> float:
    """(raw - min) / (max - min); ``where`` names the max."""
    if high <= low:
        raise EventError(f"cannot scale a score whose max ({high}) is not above its min ({low})", where)
    return (raw - low) / (high - low)


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f")


def _shown(value: Any) -> str:
    return repr(value) if isinstance(value, str | int | float) else type_name(value)
