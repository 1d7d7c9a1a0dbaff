"""Progress engine throughput with 10,000 people and 50,000 active goals, against ingest in the same run.

    python -m bench.progress_engine [--people 10000] [--goals-per-person 5] [--statements 20000] [--database URL]

Ingest is the in-process write path (validation, profile check, store, commit) in batches of 50, with the
engine off; the engine then catches up on the same statements, in batches of 2,000 as ``lrs worker``
does. Both rates are statements per second; the process sets its collector as the server's
processes and ``lrs worker`` do (``lrs.runtime``).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import orjson

from bench.generator import VERBS, Generator


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--goals-per-person", type=int, default=5)
    parser.add_argument("--statements", type=int, default=20_000)
    parser.add_argument("--database", default=None, help="SQLAlchemy URL (default: a fresh SQLite file)")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from lrs import create_app
    from lrs.extensions import db
    from lrs.models import Goal, Identity, Person
    from lrs.people.identities import from_agent
    from lrs.progress.engine import ProgressEngine
    from lrs.runtime import tune_collector
    from lrs.tenancy.credentials import get_or_create_tenant
    from lrs.xapi.service import Writer, store_statements

    tune_collector()  # as ``lrs serve`` workers and ``lrs worker`` do

    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{Path(folder) / 'bench.db'}"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "LRS_PROGRESS_INLINE": False})
        generator = Generator(seed=3, agents=args.people)
        with app.app_context():
            upgrade()
            tenant = get_or_create_tenant(db.session, f"bench-{int(time.time())}")
            now = datetime.now(UTC).replace(tzinfo=None)
            people = [{"tenant_id": tenant.id, "employee_id": f"E{n}", "name": f"Learner {n}", "created": now}
                      for n in range(args.people)]
            db.session.execute(db.insert(Person), people)
            ids = list(db.session.scalars(db.select(Person.id).where(Person.tenant_id == tenant.id)
                                          .order_by(Person.id)))
            identities, goals = [], []
            for person_id, agent in zip(ids, generator.agents, strict=True):
                identity = from_agent(agent)
                identities.append({"tenant_id": tenant.id, "person_id": person_id, "value": identity.value,
                                   "agent_hash": identity.agent_hash, "agent": orjson.dumps(identity.agent).decode()})
                for k in range(args.goals_per_person):
                    rule = {"match": {"verbs": [VERBS[(person_id + k) % len(VERBS)]]},
                            "measure": {"kind": "count", "target": 5}}
                    goals.append({"tenant_id": tenant.id, "person_id": person_id, "title": f"goal {k}",
                                  "description": "", "weight": 1.0, "rule": orjson.dumps(rule).decode(),
                                  "created": now})
            db.session.execute(db.insert(Identity), identities)
            db.session.execute(db.insert(Goal), goals)
            db.session.commit()
            engine = ProgressEngine(db.session)
            while engine.catch_up():  # start from the end of whatever the database holds
                db.session.commit()
            db.session.commit()

            writer = Writer(tenant.id, None, {"objectType": "Agent", "mbox": "mailto:bench@example.com"}, False)
            batches = list(generator.batches(args.statements, 50))
            started = time.perf_counter()
            for batch in batches:
                store_statements(db.session, writer, batch, "1.0.3")
            ingest = args.statements / (time.perf_counter() - started)

            started = time.perf_counter()
            applied = 0
            while True:
                done = engine.catch_up(batch=2000)
                db.session.commit()
                if not done:
                    break
                applied += done
            engine_rate = applied / (time.perf_counter() - started)
            evidence = db.session.scalar(db.text("select count(*) from goal_evidence"))

    print(json.dumps({
        "database": url.split(":")[0], "people": args.people, "active_goals": len(goals),
        "statements": args.statements, "applied": applied, "evidence_rows": evidence,
        "ingest_statements_per_s": round(ingest), "engine_statements_per_s": round(engine_rate),
        "engine_keeps_up": engine_rate >= ingest,
    }, indent=2))


if __name__ == "__main__":
    main()
