"""People from CSV, the export every HR system can make: parsing and planning, as plain functions.

Columns (header row required; names are case-insensitive; only the first two are required):

| column        | meaning                                                                            |
|---------------|------------------------------------------------------------------------------------|
| employee_id   | the HR system's stable key; rows are matched on it                                 |
| name          | the person's name                                                                  |
| email         | their e-mail; it also becomes an identity (mailto:)                                |
| manager_id    | the employee_id of their manager (in the file or already in the directory)        |
| teams         | team names separated by ";" (the person's teams become exactly these)              |
| identities    | identities separated by ";": mailto:.., sha1:.., openid:.., account:<home>|<name>  |
| github        | a GitHub login (an account on https://github.com)                                  |

An import is all or nothing: every error is reported with its line, and nothing changes when there is one.
Identities are only added by imports (links made by admins are kept).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from lrs.emails import is_email
from lrs.people import identities
from lrs.people.identities import IdentityError, ParsedIdentity

COLUMNS = ("employee_id", "name", "email", "manager_id", "teams", "identities", "github")
REQUIRED = ("employee_id", "name")
MAX_ROWS = 100_000


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str

    def to_json(self) -> dict:
        return {"line": self.line, "column": self.column, "detail": self.message,
                "path": f"line {self.line}, column {self.column}"}


class ImportError_(ValueError):
    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} error(s) in the CSV")
        self.errors = errors


@dataclass
class PersonRow:
    line: int
    employee_id: str
    name: str
    email: str | None
    manager_id: str | None
    teams: list[str] | None
    identities: list[ParsedIdentity]


@dataclass
class Known:
    """What the directory holds now, as far as planning an import needs."""

    name: str
    email: str | None
    manager_id: str | None
    teams: set[str]
    identities: set[str]


@dataclass
class Plan:
    create: list[PersonRow] = field(default_factory=list)
    update: list[tuple[PersonRow, dict]] = field(default_factory=list)  # row, {field: (old, new)}
    unchanged: int = 0

    def summary(self) -> dict:
        return {
            "create": [{"employee_id": r.employee_id, "name": r.name, "line": r.line} for r in self.create],
            "update": [{"employee_id": r.employee_id, "line": r.line,
                        "changes": {k: {"from": v[0], "to": v[1]} for k, v in changes.items()}}
                       for r, changes in self.update],
            "unchanged": self.unchanged,
        }


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def parse(text: str) -> list[PersonRow]:
    """Rows of the CSV, each checked on its own; raises ImportError_ with every problem found."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if not reader.fieldnames:
        raise ImportError_([RowError(1, "header", "the file is empty or has no header row")])
    header = [name.strip().lower() for name in reader.fieldnames]
    errors = [RowError(1, name, f"unknown column {name!r}; columns are {', '.join(COLUMNS)}")
              for name in header if name not in COLUMNS]
    errors += [RowError(1, name, "required column is missing") for name in REQUIRED if name not in header]
    if errors:
        raise ImportError_(errors)
    reader.fieldnames = header
    rows: list[PersonRow] = []
    seen: dict[str, int] = {}
    for record in reader:
        line = reader.line_num
        if len(rows) >= MAX_ROWS:
            raise ImportError_([RowError(line, "row", f"an import holds at most {MAX_ROWS} rows")])
        if None in record:
            errors.append(RowError(line, "row", "the row has more fields than the header"))
            continue
        row, row_errors = _row(line, {k: (v or "").strip() for k, v in record.items()})
        errors.extend(row_errors)
        if row is None:
            continue
        if row.employee_id in seen:
            errors.append(RowError(line, "employee_id",
                                   f"employee_id {row.employee_id!r} is also on line {seen[row.employee_id]}"))
            continue
        seen[row.employee_id] = line
        rows.append(row)
    if errors:
        raise ImportError_(errors)
    return rows


def _row(line: int, values: dict[str, str]) -> tuple[PersonRow | None, list[RowError]]:
    errors = [RowError(line, name, "must not be empty") for name in REQUIRED if not values.get(name)]
    email = values.get("email") or None
    found: list[ParsedIdentity] = []
    if email:
        email = email.lower()
        if not is_email(email):
            errors.append(RowError(line, "email", f"{email!r} is not an e-mail address"))
        else:
            found.append(identities.parse(f"mailto:{email}"))
    for text in _split(values.get("identities", "")):
        try:
            found.append(identities.parse(text))
        except IdentityError as exc:
            errors.append(RowError(line, "identities", str(exc)))
    if values.get("github"):
        try:
            found.append(identities.github(values["github"]))
        except IdentityError as exc:
            errors.append(RowError(line, "github", str(exc)))
    if errors:
        return None, errors
    unique = list({identity.value: identity for identity in found}.values())
    teams = _split(values["teams"]) if "teams" in values else None
    return PersonRow(line, values["employee_id"], values["name"], email, values.get("manager_id") or None,
                     teams, unique), []


def plan(rows: list[PersonRow], current: dict[str, Known], owners: dict[str, str]) -> Plan:
    """What applying ``rows`` would change; raises ImportError_ for collisions, unknown managers, cycles.

    ``current`` maps employee_id to what the directory holds; ``owners`` maps identity values to the
    employee_id of the person who has them.
    """
    errors: list[RowError] = []
    in_file = {row.employee_id: row for row in rows}
    claimed: dict[str, PersonRow] = {}
    for row in rows:
        if row.manager_id is not None and row.manager_id not in in_file and row.manager_id not in current:
            errors.append(RowError(row.line, "manager_id", f"no person with employee_id {row.manager_id!r}"))
        if row.manager_id == row.employee_id:
            errors.append(RowError(row.line, "manager_id", "a person cannot be their own manager"))
        for identity in row.identities:
            owner = owners.get(identity.value)
            if owner is not None and owner != row.employee_id:
                errors.append(RowError(row.line, "identities",
                                       f"{identities.written(identity)} belongs to employee {owner} already"))
            other = claimed.setdefault(identity.value, row)
            if other is not row:
                errors.append(RowError(row.line, "identities",
                                       f"{identities.written(identity)} is also given on line {other.line}"))
    errors.extend(_cycles(rows, current))
    if errors:
        raise ImportError_(sorted(errors, key=lambda e: (e.line, e.column)))
    result = Plan()
    for row in rows:
        known = current.get(row.employee_id)
        if known is None:
            result.create.append(row)
            continue
        changes = _changes(row, known)
        if changes:
            result.update.append((row, changes))
        else:
            result.unchanged += 1
    return result


def _changes(row: PersonRow, known: Known) -> dict:
    changes: dict = {}
    for name, old, new in (("name", known.name, row.name), ("email", known.email, row.email),
                           ("manager_id", known.manager_id, row.manager_id)):
        if old != new:
            changes[name] = (old, new)
    if row.teams is not None and set(row.teams) != known.teams:
        changes["teams"] = (sorted(known.teams), sorted(row.teams))
    added = sorted(identities.written(i) for i in row.identities if i.value not in known.identities)
    if added:
        changes["identities"] = ([], added)
    return changes


def _cycles(rows: list[PersonRow], current: dict[str, Known]) -> list[RowError]:
    managers = {eid: known.manager_id for eid, known in current.items()}
    managers.update({row.employee_id: row.manager_id for row in rows})
    errors = []
    for row in rows:
        seen = {row.employee_id}
        boss = managers.get(row.employee_id)
        while boss is not None:
            if boss in seen:
                errors.append(RowError(row.line, "manager_id", "the managers form a cycle"))
                break
            seen.add(boss)
            boss = managers.get(boss)
    return errors
