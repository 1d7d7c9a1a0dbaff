"""A deterministic statement generator: a seeded, realistic mix of agents, verbs, activities with definitions,
results, contexts with registrations and context activities, some SubStatements and StatementRefs."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

VERBS = ["http://adlnet.gov/expapi/verbs/" + v for v in
         ("completed", "attempted", "passed", "failed", "answered", "experienced", "launched", "progressed")]
TYPES = ["http://adlnet.gov/expapi/activities/" + t for t in ("course", "lesson", "assessment", "media", "question")]
PLATFORMS = ["Moodle", "Canvas", "course player", "micro-learning app"]


class Generator:
    def __init__(self, seed: int = 7, agents: int = 2000, activities: int = 500, registrations: int = 5000):
        self.random = random.Random(seed)
        self.agents = [{"objectType": "Agent", "name": f"Learner {n}", "mbox": f"mailto:learner{n}@example.com"}
                       if n % 3 else
                       {"objectType": "Agent", "account": {"homePage": "https://lms.example.com", "name": f"u{n}"}}
                       for n in range(agents)]
        self.activities = [f"https://lms.example.com/activities/{n}" for n in range(activities)]
        self.courses = [f"https://lms.example.com/courses/{n}" for n in range(max(1, activities // 25))]
        self.registrations = [str(uuid.UUID(int=self.random.getrandbits(128), version=4)) for _ in range(registrations)]
        self.start = datetime(2026, 1, 1, tzinfo=UTC)
        self.ids: list[str] = []

    def _activity(self, iri: str) -> dict:
        n = int(iri.rsplit("/", 1)[1])
        return {"objectType": "Activity", "id": iri, "definition": {
            "name": {"en-US": f"Activity {n}", "de-DE": f"Aktivität {n}"},
            "type": TYPES[n % len(TYPES)]}}

    def statement(self) -> dict:
        r = self.random
        statement_id = str(uuid.UUID(int=r.getrandbits(128), version=4))
        moment = self.start + timedelta(seconds=r.randrange(0, 300 * 86400), milliseconds=r.randrange(1000))
        activity = r.choice(self.activities)
        statement: dict = {
            "id": statement_id,
            "actor": r.choice(self.agents),
            "verb": {"id": r.choice(VERBS), "display": {"en-US": "did"}},
            "object": self._activity(activity),
            "timestamp": moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "context": {
                "registration": r.choice(self.registrations),
                "platform": r.choice(PLATFORMS),
                "contextActivities": {"parent": [{"id": r.choice(self.courses)}],
                                      "grouping": [{"id": "https://lms.example.com"}]},
            },
        }
        if r.random() < 0.6:
            raw = r.randrange(0, 101)
            statement["result"] = {"score": {"raw": raw, "min": 0, "max": 100, "scaled": raw / 100},
                                   "success": raw >= 50, "completion": True, "duration": f"PT{r.randrange(1, 3600)}S"}
        kind = r.random()
        if kind < 0.03 and self.ids:
            statement["object"] = {"objectType": "StatementRef", "id": r.choice(self.ids)}
            statement["context"].pop("platform")
        elif kind < 0.06:
            statement["object"] = {"objectType": "SubStatement", "actor": r.choice(self.agents),
                                   "verb": {"id": r.choice(VERBS)}, "object": self._activity(r.choice(self.activities))}
            statement["context"].pop("platform")
        self.ids.append(statement_id)
        return statement

    def statements(self, count: int) -> Iterator[dict]:
        for _ in range(count):
            yield self.statement()

    def batches(self, count: int, size: int) -> Iterator[list[dict]]:
        batch: list[dict] = []
        for statement in self.statements(count):
            batch.append(statement)
            if len(batch) == size:
                yield batch
                batch = []
        if batch:
            yield batch
