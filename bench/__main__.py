"""The benchmark suite: ingest over HTTP and its floor, queries at size, progress, exports, server memory.

    python -m bench [--database sqlite|postgresql|both] [--statements 100000] [--readme]

Per database, on a fresh database: ``lrs serve`` (gunicorn, inline progress off) takes batches of 50 and
single statements from concurrent clients; the floor inserts the same rows straight into the database;
the loader then fills another tenant to 100,000 statements and to ``--statements``, and GET /statements is
measured at each size with every answer checked; the server's peak memory is read at the end. The
progress engine and review exports run as their own benchmarks (``bench.progress_engine``,
``bench.review_formats``). Figures are printed as tables and written to bench/results/ as JSON.
PostgreSQL: a database created and dropped on ``LRS_BENCH_POSTGRES_URL``
(default postgresql+psycopg://postgres@127.0.0.1:5432/postgres).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

import lrs  # noqa: F401  (SQLite pragmas on connect, as in the server)
from bench import report
from bench.databases import analyze, fresh_database, postgres_reachable
from bench.ingest import floor, http_ingest
from bench.loader import Loader
from bench.queries import choose, run_queries
from bench.server import Server, create_credential

QUERY_START = 100_000  # the smaller store of the "does the cost grow" comparison


def _json_of(command: list[str], timeout: float) -> dict:
    """Run a benchmark module and read the JSON object it prints last."""
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    start = done.stdout.rfind("\n{")
    if done.returncode != 0 or "{" not in done.stdout:
        return {"error": f"{' '.join(command[2:])} exited {done.returncode}: {done.stderr.strip()[-400:]}"}
    return json.loads(done.stdout[start + 1 if start >= 0 else done.stdout.index("{"):])


def run_database(kind: str, args: argparse.Namespace) -> dict:
    result: dict = {}
    with tempfile.TemporaryDirectory(prefix=f"bench-{kind}-") as folder:
        workdir = Path(folder)
        with fresh_database(kind, workdir) as url:
            ingest_credential = create_credential(url, workdir, "bench-ingest")
            query_credential = create_credential(url, workdir, "bench-query")
            with Server(url, workdir, args.workers, args.threads) as server:
                print(f"[{kind}] HTTP ingest", file=sys.stderr)
                result["ingest"] = {
                    "batch": _measured(server, lambda: http_ingest(
                        server.base_url, ingest_credential.auth, statements=args.ingest, batch=50,
                        clients=args.clients, seed=11)),
                    "single": _measured(server, lambda: http_ingest(
                        server.base_url, ingest_credential.auth, statements=args.singles, batch=1,
                        clients=args.clients, seed=12)),
                }
                print(f"[{kind}] floor", file=sys.stderr)
                result["floor"] = {
                    "batch": floor(url, statements=args.ingest, batch=50, threads=args.clients, seed=11),
                    "single": floor(url, statements=args.singles, batch=1, threads=args.clients, seed=12),
                }
                result["floor_share"] = {name: round(result["ingest"][name]["statements_per_s"]
                                                     / result["floor"][name]["statements_per_s"], 3)
                                         for name in result["ingest"]}
                result["queries"] = _queries(kind, url, server, query_credential, args)
                result["memory"] = server.peak_memory()
        if not args.skip_progress:
            print(f"[{kind}] progress engine", file=sys.stderr)
            progress_dir = workdir / "progress"
            progress_dir.mkdir()
            with fresh_database(kind, progress_dir) as url:
                result["progress"] = _json_of([sys.executable, "-m", "bench.progress_engine", "--database", url,
                                               "--statements", str(args.progress_statements)], timeout=3600)
    result["targets"] = report.targets(kind, result)
    return result


def _measured(server: Server, run: Callable[[], dict]) -> dict:
    """A run's figures with the CPU time the server and this process (the clients) used per statement."""
    server_cpu, client_cpu = server.cpu_seconds(), time.process_time()
    figures = run()
    statements = figures["statements"]
    return {**figures, "server_cpu_us_per_statement": round((server.cpu_seconds() - server_cpu) / statements * 1e6),
            "client_cpu_us_per_statement": round((time.process_time() - client_cpu) / statements * 1e6)}


def _queries(kind: str, url: str, server: Server, credential, args: argparse.Namespace) -> list[dict]:
    engine = sa.create_engine(url)
    loader = Loader(engine, credential.tenant, credential_key=credential.key)
    sizes = sorted({min(QUERY_START, args.statements), args.statements})
    chosen = None
    found = []
    for size in sizes:
        print(f"[{kind}] loading to {size:,} statements", file=sys.stderr)
        load = loader.load(size - len(loader.truth))
        analyze(engine)
        chosen = chosen or choose(loader.truth, loader.generator.agents, args.values)
        print(f"[{kind}] queries at {size:,}", file=sys.stderr)
        found.append({**run_queries(server.base_url, credential.auth, loader.truth, chosen, args.rounds),
                      "load": load})
    engine.dispose()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--statements", type=int, default=100_000, help="store size for the queries")
    parser.add_argument("--ingest", type=int, default=20_000, help="statements sent in batches of 50")
    parser.add_argument("--singles", type=int, default=3_000, help="statements sent one per request")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker")
    parser.add_argument("--values", type=int, default=20, help="values asked per filter")
    parser.add_argument("--rounds", type=int, default=3, help="times each query is asked")
    parser.add_argument("--progress-statements", type=int, default=20_000)
    parser.add_argument("--skip-progress", action="store_true", help="leave out the progress engine")
    parser.add_argument("--skip-exports", action="store_true", help="leave out the review exports")
    parser.add_argument("--readme", action="store_true", help="record the figures in bench/README.md")
    args = parser.parse_args()

    started = datetime.now(UTC)
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    run = {"started": started.strftime("%Y-%m-%d %H:%M UTC"), "commit": report.commit(), "machine": report.machine(),
           "command": "python -m bench " + shlex.join(sys.argv[1:]), "arguments": vars(args), "databases": {}}
    for kind in kinds:
        if kind == "postgresql" and not postgres_reachable():
            run["databases"][kind] = {"error": "PostgreSQL is not reachable (LRS_BENCH_POSTGRES_URL)"}
            continue
        run["databases"][kind] = run_database(kind, args)
    if not args.skip_exports:
        print("review exports", file=sys.stderr)
        run["review_formats"] = _json_of([sys.executable, "-m", "bench.review_formats"], timeout=1800)
    run["load_average_at_end"] = [round(v, 2) for v in os.getloadavg()]
    path = report.write_json(run, started.strftime("%Y%m%d-%H%M%S"))
    print(report.tables(run))
    print(f"\nJSON: {path}")
    if args.readme:
        report.update_readme(run)
        print(f"Figures recorded in {report.README}")


if __name__ == "__main__":
    main()
