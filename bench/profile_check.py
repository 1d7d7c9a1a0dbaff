"""The cost of checking statements against every template of a tenant's profiles, compared with ingest.

    python -m bench.profile_check [--statements 5000] [--batch 50]

Ingest here is the in-process write path (validation, profile check, store, commit) on a fresh SQLite file,
which is the cheaper side of the comparison (no HTTP): the ratio it prints is an upper bound.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from bench.generator import Generator
from tests.profiles.samples import code_review, micro_learning

KINDS_CR = ["opened", "commented", "reviewed", "approved", "requested-changes", "merged"]
KINDS_ML = ["started", "answered", "completed", "shared"]


def mixed(count: int, seed: int = 11) -> list[dict]:
    """Generated statements, with one in three claiming one of the project's profiles."""
    generator = Generator(seed)
    out = []
    for n, statement in enumerate(generator.statements(count)):
        if n % 6 == 0:
            statement = code_review(KINDS_CR[n % len(KINDS_CR)])
        elif n % 6 == 3:
            statement = micro_learning(KINDS_ML[n % len(KINDS_ML)])
        out.append(statement)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--statements", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=50)
    args = parser.parse_args()

    from lrs import create_app
    from lrs.extensions import db
    from lrs.profiles.service import builtin_profiles, compiled
    from lrs.tenancy.credentials import get_or_create_tenant
    from lrs.xapi.service import Writer, store_statements

    statements = mixed(args.statements)
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(folder) / 'bench.db'}",
                          "SECRET_KEY": "bench", "LRS_PROGRESS_INLINE": False})
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            tenant = get_or_create_tenant(db.session, "bench")
            db.session.commit()
            index = compiled(db.session, tenant.id, tenant.profiles_revision).index
            templates = sum(len(d.get("templates", ())) for d in builtin_profiles())

            started = time.perf_counter()
            for statement in statements:
                index.validate(statement, profiles=index.claimed_profiles(statement))
            claimed_us = (time.perf_counter() - started) / len(statements) * 1e6

            started = time.perf_counter()
            for statement in statements:
                index.validate(statement)
            all_us = (time.perf_counter() - started) / len(statements) * 1e6

            writer = Writer(tenant.id, None, {"objectType": "Agent", "mbox": "mailto:bench@example.com"}, False)
            started = time.perf_counter()
            for start in range(0, len(statements), args.batch):
                store_statements(db.session, writer, statements[start:start + args.batch], "1.0.3")
            ingest_us = (time.perf_counter() - started) / len(statements) * 1e6

    result = {
        "statements": len(statements), "templates": templates, "batch": args.batch,
        "check_claimed_us_per_statement": round(claimed_us, 1),
        "check_all_templates_us_per_statement": round(all_us, 1),
        "ingest_us_per_statement": round(ingest_us, 1),
        "check_share_of_ingest": round(claimed_us / ingest_us, 3),
        "all_templates_share_of_ingest": round(all_us / ingest_us, 3),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
