"""The shape of a review export: plain, typed, JSON-able data with no database and no Flask.

``lrs.reviews.build`` fills it from the database; ``lrs.reviews.formats`` renders it. Datetimes are UTC: a
naive datetime is taken as UTC (the form the LRS stores), an aware one is converted. In JSON a date is
``YYYY-MM-DD`` and a datetime is RFC 3339 in UTC with milliseconds (``2026-03-01T09:30:00.000Z``), as
elsewhere in the LRS.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from typing import Any

MEASURES = ("count", "distinct_activities", "duration", "all_activities")
UNITS = ("statements", "activities", "seconds")
GOAL_STATUSES = ("not_started", "in_progress", "achieved", "overdue")
CERTIFICATION_STATUSES = ("active", "expiring", "expired", "revoked", "not_earned")
# A certification that still holds: "expiring" is active with its expiry near.
HELD_CERTIFICATION_STATUSES = frozenset({"active", "expiring"})


def _check(value: str, allowed: tuple[str, ...], where: str) -> None:
    if value not in allowed:
        raise ValueError(f"{where} is {value!r}; expected one of {', '.join(allowed)}")


def as_utc(moment: datetime) -> datetime:
    """The same instant as an aware UTC datetime (a naive one is taken to be UTC already)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def format_datetime(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    moment = as_utc(moment)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_datetime(text: str | None) -> datetime | None:
    if text is None:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00")).astimezone(UTC)


def format_date(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def parse_date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text is not None else None


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    """A statement that counted towards a goal."""

    statement_id: str
    timestamp: datetime
    verb: str
    activity_id: str | None
    activity_name: str | None
    source: str

    def to_json(self) -> dict[str, Any]:
        return {"statement_id": self.statement_id, "timestamp": format_datetime(self.timestamp),
                "verb": self.verb, "activity_id": self.activity_id, "activity_name": self.activity_name,
                "source": self.source}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EvidenceItem:
        return cls(statement_id=data["statement_id"], timestamp=parse_datetime(data["timestamp"]),  # type: ignore[arg-type]
                   verb=data["verb"], activity_id=data["activity_id"], activity_name=data["activity_name"],
                   source=data["source"])


@dataclass(frozen=True, slots=True)
class GoalReview:
    """One goal (an objective, in review terms) with its progress. ``fraction`` is in [0, 1]."""

    goal_id: int
    title: str
    measure: str
    target: float
    unit: str
    value: float
    fraction: float
    status: str
    weight: float
    starts_on: date | None
    due_on: date | None
    achieved_at: datetime | None
    evidence: list[EvidenceItem]

    def __post_init__(self) -> None:
        _check(self.measure, MEASURES, f"goal {self.goal_id} measure")
        _check(self.unit, UNITS, f"goal {self.goal_id} unit")
        _check(self.status, GOAL_STATUSES, f"goal {self.goal_id} status")

    def to_json(self) -> dict[str, Any]:
        return {"goal_id": self.goal_id, "title": self.title, "measure": self.measure, "target": self.target,
                "unit": self.unit, "value": self.value, "fraction": self.fraction, "status": self.status,
                "weight": self.weight, "starts_on": format_date(self.starts_on),
                "due_on": format_date(self.due_on), "achieved_at": format_datetime(self.achieved_at),
                "evidence": [item.to_json() for item in self.evidence]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GoalReview:
        return cls(goal_id=data["goal_id"], title=data["title"], measure=data["measure"],
                   target=data["target"], unit=data["unit"], value=data["value"], fraction=data["fraction"],
                   status=data["status"], weight=data["weight"], starts_on=parse_date(data["starts_on"]),
                   due_on=parse_date(data["due_on"]), achieved_at=parse_datetime(data["achieved_at"]),
                   evidence=[EvidenceItem.from_json(item) for item in data["evidence"]])


@dataclass(frozen=True, slots=True)
class CertificationReview:
    certification_id: int
    title: str
    status: str
    earned_at: datetime | None
    expires_at: datetime | None

    def __post_init__(self) -> None:
        _check(self.status, CERTIFICATION_STATUSES, f"certification {self.certification_id} status")

    def to_json(self) -> dict[str, Any]:
        return {"certification_id": self.certification_id, "title": self.title, "status": self.status,
                "earned_at": format_datetime(self.earned_at), "expires_at": format_datetime(self.expires_at)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CertificationReview:
        return cls(certification_id=data["certification_id"], title=data["title"], status=data["status"],
                   earned_at=parse_datetime(data["earned_at"]), expires_at=parse_datetime(data["expires_at"]))


@dataclass(frozen=True, slots=True)
class KudosReview:
    from_name: str
    message: str
    timestamp: datetime

    def to_json(self) -> dict[str, Any]:
        return {"from_name": self.from_name, "message": self.message,
                "timestamp": format_datetime(self.timestamp)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KudosReview:
        return cls(from_name=data["from_name"], message=data["message"],
                   timestamp=parse_datetime(data["timestamp"]))  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Totals:
    """A person's figures for the period. ``weighted_fraction`` is the weight-weighted mean goal fraction."""

    goals: int
    achieved: int
    in_progress: int
    not_started: int
    overdue: int
    weighted_fraction: float
    learning_seconds: float
    certifications_active: int
    kudos: int

    @classmethod
    def compute(cls, goals: list[GoalReview], certifications: list[CertificationReview],
                kudos: list[KudosReview], learning_seconds: float = 0.0) -> Totals:
        """Totals derived from the lists (learning time is not derivable from them, so it is passed in)."""
        counts = dict.fromkeys(GOAL_STATUSES, 0)
        for goal in goals:
            counts[goal.status] += 1
        weight = sum(goal.weight for goal in goals)
        mean = sum(goal.weight * goal.fraction for goal in goals) / weight if weight else 0.0
        held = sum(1 for c in certifications if c.status in HELD_CERTIFICATION_STATUSES)
        return cls(goals=len(goals), achieved=counts["achieved"], in_progress=counts["in_progress"],
                   not_started=counts["not_started"], overdue=counts["overdue"],
                   weighted_fraction=round(mean, 4), learning_seconds=learning_seconds,
                   certifications_active=held, kudos=len(kudos))

    def to_json(self) -> dict[str, Any]:
        return {"goals": self.goals, "achieved": self.achieved, "in_progress": self.in_progress,
                "not_started": self.not_started, "overdue": self.overdue,
                "weighted_fraction": self.weighted_fraction, "learning_seconds": self.learning_seconds,
                "certifications_active": self.certifications_active, "kudos": self.kudos}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Totals:
        return cls(**{field.name: data[field.name] for field in fields(cls)})


@dataclass(frozen=True, slots=True)
class PersonReview:
    person_id: int
    employee_id: str
    name: str
    email: str | None
    manager: str | None
    goals: list[GoalReview]
    certifications: list[CertificationReview]
    kudos: list[KudosReview]
    totals: Totals

    def to_json(self) -> dict[str, Any]:
        return {"person_id": self.person_id, "employee_id": self.employee_id, "name": self.name,
                "email": self.email, "manager": self.manager, "goals": [g.to_json() for g in self.goals],
                "certifications": [c.to_json() for c in self.certifications],
                "kudos": [k.to_json() for k in self.kudos], "totals": self.totals.to_json()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PersonReview:
        return cls(person_id=data["person_id"], employee_id=data["employee_id"], name=data["name"],
                   email=data["email"], manager=data["manager"],
                   goals=[GoalReview.from_json(g) for g in data["goals"]],
                   certifications=[CertificationReview.from_json(c) for c in data["certifications"]],
                   kudos=[KudosReview.from_json(k) for k in data["kudos"]],
                   totals=Totals.from_json(data["totals"]))


@dataclass(frozen=True, slots=True)
class ReviewExport:
    """Everything one export holds; ``scope`` says whom it covers ("team Platform", "person Ada Lovelace")."""

    period_from: date | None
    period_to: date | None
    generated_at: datetime
    scope: str
    people: list[PersonReview]

    def to_json(self) -> dict[str, Any]:
        return {"period_from": format_date(self.period_from), "period_to": format_date(self.period_to),
                "generated_at": format_datetime(self.generated_at), "scope": self.scope,
                "people": [person.to_json() for person in self.people]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ReviewExport:
        return cls(period_from=parse_date(data["period_from"]), period_to=parse_date(data["period_to"]),
                   generated_at=parse_datetime(data["generated_at"]), scope=data["scope"],  # type: ignore[arg-type]
                   people=[PersonReview.from_json(p) for p in data["people"]])
