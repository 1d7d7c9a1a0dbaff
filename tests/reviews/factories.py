"""Realistic review exports for tests and benchmarks: deterministic for a seed, any number of people."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta

from lrs.reviews.data import (
    CertificationReview,
    EvidenceItem,
    GoalReview,
    KudosReview,
    PersonReview,
    ReviewExport,
    Totals,
)

PERIOD_FROM = date(2026, 1, 1)
PERIOD_TO = date(2026, 6, 30)
GENERATED_AT = datetime(2026, 5, 15, 8, 30, tzinfo=UTC)

FIRST = ["Ada", "Grace", "Alan", "Katherine", "Zoë", "José", "Margaret", "Linus", "Chloé", "Björn",
         "Frances", "Edsger", "Barbara", "Søren", "Radia", "Niklaus", "Hedy", "Dennis", "Anaïs", "Tim"]
LAST = ["Lovelace", "Hopper", "Turing", "Johnson", "Müller", "García", "Hamilton", "Torvalds", "Dubois",
        "Ångström", "Allen", "Dijkstra", "Liskov", "Kierkegaard", "Perlman", "Wirth", "Lamarr", "Ritchie",
        "Nin", "Berners-Lee"]
TOPICS = ["Kubernetes security", "incident response", "accessible front ends", "PostgreSQL tuning",
          "threat modelling", "data protection (GDPR)", "code review", "observability", "Rust basics",
          "leading retrospectives", "public speaking", "cloud cost control"]
VERBS = ["http://adlnet.gov/expapi/verbs/completed", "http://adlnet.gov/expapi/verbs/passed",
         "http://adlnet.gov/expapi/verbs/attempted", "https://w3id.org/xapi/dod-isd/verbs/reviewed"]
SOURCES = ["moodle", "github", "caliper", "xapi"]
CERTIFICATIONS = ["Certified Kubernetes Administrator", "First aid at work", "ISO 27001 awareness",
                  "AWS Solutions Architect", "Fire warden"]
KUDOS = ["Thanks for the clear incident write-up!", "Great pairing session on the billing bug.",
         "Your talk on observability was excellent, \"must watch\" for the team."]
# (measure, unit, target, title template)
MEASURES = [("count", "statements", 10.0, "Complete 10 lessons on {}"),
            ("distinct_activities", "activities", 5.0, "Work through 5 modules about {}"),
            ("duration", "seconds", 36_000.0, "Spend 10 hours learning {}"),
            ("all_activities", "activities", 4.0, "Finish every part of the {} path")]


def _moment(rng: random.Random, start: date, end: date) -> datetime:
    days = rng.randrange(max(1, (end - start).days))
    return datetime.combine(start + timedelta(days=days), time(9), UTC) + timedelta(
        seconds=rng.randrange(8 * 3600), milliseconds=rng.randrange(1000))


def evidence_item(rng: random.Random) -> EvidenceItem:
    topic = rng.randrange(40)
    return EvidenceItem(statement_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                        timestamp=_moment(rng, PERIOD_FROM, GENERATED_AT.date()), verb=rng.choice(VERBS),
                        activity_id=f"https://lms.example.org/courses/{topic}/lessons/{rng.randrange(12)}",
                        activity_name=f"Lesson {rng.randrange(12)} of course {topic}",
                        source=rng.choice(SOURCES))


def goal_review(rng: random.Random, goal_id: int, *, evidence: int = 10, title: str | None = None,
                status: str | None = None) -> GoalReview:
    measure, unit, target, template = rng.choice(MEASURES)
    value = float(round(rng.uniform(0, target * 1.2))) if rng.random() > 0.15 else 0.0
    starts_on = PERIOD_FROM + timedelta(days=rng.randrange(30))
    due_on = starts_on + timedelta(days=rng.randrange(60, 180))
    if status is None:
        today = GENERATED_AT.date()
        status = ("achieved" if value >= target else "overdue" if due_on < today
                  else "not_started" if value == 0 else "in_progress")
    items = sorted((evidence_item(rng) for _ in range(evidence)), key=lambda item: item.timestamp)
    return GoalReview(goal_id=goal_id, title=title or template.format(rng.choice(TOPICS)), measure=measure,
                      target=target, unit=unit, value=value, fraction=min(1.0, value / target), status=status,
                      weight=float(rng.choice([1, 1, 2, 3])), starts_on=starts_on, due_on=due_on,
                      achieved_at=items[-1].timestamp if status == "achieved" and items else None,
                      evidence=items)


# Days from the export's generation to a certification's expiry, by status.
_EXPIRY_DAYS = {"active": (120, 700), "expiring": (5, 60), "expired": (-300, -1), "revoked": (30, 400)}


def certification_review(rng: random.Random, certification_id: int,
                         status: str | None = None) -> CertificationReview:
    status = status or rng.choice(["active", "active", "expiring", "expired", "revoked", "not_earned"])
    title = CERTIFICATIONS[(certification_id - 1) % len(CERTIFICATIONS)]
    if status == "not_earned":
        return CertificationReview(certification_id, title, status, earned_at=None, expires_at=None)
    expires = GENERATED_AT + timedelta(days=rng.randint(*_EXPIRY_DAYS[status]), hours=rng.randrange(24))
    return CertificationReview(certification_id, title, status, earned_at=expires - timedelta(days=730),
                               expires_at=expires)


def person_review(rng: random.Random, person_id: int, *, name: str | None = None, goals: int = 5,
                  evidence: int = 10, certifications: int = 2, kudos: int = 2,
                  goal_titles: list[str] | None = None) -> PersonReview:
    name = name or f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    titles = goal_titles or [None] * goals
    goal_list = [goal_review(rng, person_id * 100 + n, evidence=evidence, title=title)
                 for n, title in enumerate(titles, start=1)]
    certs = [certification_review(rng, n + 1) for n in range(certifications)]
    praise = [KudosReview(from_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}", message=rng.choice(KUDOS),
                          timestamp=_moment(rng, PERIOD_FROM, GENERATED_AT.date())) for _ in range(kudos)]
    seconds = sum(g.value for g in goal_list if g.unit == "seconds") + rng.randrange(20) * 1800.0
    slug = "".join(ch for ch in name.lower() if ch.isascii() and ch.isalpha())[:20] or "person"
    return PersonReview(person_id=person_id, employee_id=f"E{person_id:05d}", name=name,
                        email=f"{slug}.{person_id}@example.org", manager=rng.choice([None, "Grace Hopper"]),
                        goals=goal_list, certifications=certs, kudos=praise,
                        totals=Totals.compute(goal_list, certs, praise, learning_seconds=seconds))


def sample_export(people: int = 3, goals: int = 5, evidence: int = 10, *, seed: int = 1,
                  scope: str = "team Platform", names: list[str] | None = None) -> ReviewExport:
    """An export of ``people`` people with ``goals`` goals each and ``evidence`` items per goal."""
    rng = random.Random(seed)
    chosen = names or [None] * people
    return ReviewExport(period_from=PERIOD_FROM, period_to=PERIOD_TO, generated_at=GENERATED_AT, scope=scope,
                        people=[person_review(rng, n, name=name, goals=goals, evidence=evidence)
                                for n, name in enumerate(chosen, start=1)])


def export_of(*people: PersonReview, scope: str = "team Platform") -> ReviewExport:
    return ReviewExport(period_from=PERIOD_FROM, period_to=PERIOD_TO, generated_at=GENERATED_AT, scope=scope,
                        people=list(people))
