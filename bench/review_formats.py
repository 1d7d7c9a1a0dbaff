"""The time each review-export format takes for a generated export, printed as JSON.

    python -m bench.review_formats [--people 1000] [--goals 5] [--evidence 10] [--formats csv,json,xlsx,pdf]

Budgets for 1,000 people with 5 goals and 10 evidence items each: CSV, JSON, XLSX under 10 s; PDF under 60 s.
"seconds" is wall-clock time, "cpu_seconds" the process's CPU time: on a shared machine the second says more
about the code, the first about what a user waits for.
"""

from __future__ import annotations

import argparse
import json
import time

from lrs.reviews.formats import FORMATS
from tests.reviews.factories import sample_export

BUDGET_SECONDS = {"csv": 10.0, "json": 10.0, "xlsx": 10.0, "pdf": 60.0}


def measure(name: str, export, repeat: int) -> dict:  # type: ignore[no-untyped-def]
    best: dict = {}
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        output = FORMATS[name].render(export)
        result = {"seconds": round(time.perf_counter() - wall, 3),
                  "cpu_seconds": round(time.process_time() - cpu, 3), "bytes": len(output)}
        if not best or result["seconds"] < best["seconds"]:
            best = result
    best["budget_seconds"] = BUDGET_SECONDS[name]
    best["within_budget"] = best["seconds"] < BUDGET_SECONDS[name]
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--goals", type=int, default=5, help="goals per person")
    parser.add_argument("--evidence", type=int, default=10, help="evidence items per goal")
    parser.add_argument("--formats", default="csv,json,xlsx,pdf")
    parser.add_argument("--repeat", type=int, default=1, help="runs per format; the fastest is reported")
    args = parser.parse_args()

    started = time.perf_counter()
    export = sample_export(args.people, args.goals, args.evidence)
    report = {"people": args.people, "goals_per_person": args.goals, "evidence_per_goal": args.evidence,
              "build_seconds": round(time.perf_counter() - started, 3), "formats": {}}
    for name in args.formats.split(","):
        report["formats"][name] = measure(name.strip(), export, args.repeat)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
