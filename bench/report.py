"""The figures of a run: the machine, tables on standard output, the targets, JSON and bench/README.md."""

from __future__ import annotations

import os
import platform
import re
import subprocess
from pathlib import Path

import orjson

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"
README = BENCH / "README.md"
START, END = "<!-- figures:start -->", "<!-- figures:end -->"
INGEST_TARGET = {"sqlite": 5000, "postgresql": 3000}  # statements/s in batches of 50, on 2 cores
FLOOR_SHARE_TARGET = 0.40
SINGLE_TARGET = 500  # requests/s
QUERY_P95_TARGET_MS = 50.0
GROWTH_LIMIT = 1.5  # p95 at the largest size over p95 at the smallest: above this, the cost grows


def commit() -> str | None:
    """The commit the suite runs from, marked ``+changes`` when the tree differs from it."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=BENCH, capture_output=True, text=True, check=False).stdout.strip()

    head = git("rev-parse", "--short", "HEAD")
    return f"{head}{'+changes' if git('status', '--porcelain', '--untracked-files=no') else ''}" if head else None


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory_kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal:"))
    return {"cpus": os.cpu_count(), "cpu_model": cpu, "memory_gib": round(memory_kib / 2**20, 1),
            "python": platform.python_version(), "system": f"{platform.system()} {platform.release()}",
            "load_average_at_start": [round(v, 2) for v in os.getloadavg()]}


def targets(kind: str, result: dict) -> list[dict]:
    """Each target of the issue for one database: the figure, the target, met or not, by how much."""
    checks: list[dict] = []

    def check(name: str, value: float | None, target: float, higher_is_better: bool = True) -> None:
        if value is None:
            return
        met = value >= target if higher_is_better else value < target
        checks.append({"target": name, "value": value, "goal": target, "met": met,
                       "ratio": round(value / target, 2) if target else None})

    ingest = result.get("ingest", {})
    if "batch" in ingest:
        check("ingest, batches of 50 (statements/s)", ingest["batch"]["statements_per_s"], INGEST_TARGET[kind])
        check("ingest / floor, batches of 50", result["floor_share"]["batch"], FLOOR_SHARE_TARGET)
    if "single" in ingest:
        check("single statements (requests/s)", ingest["single"]["requests_per_s"], SINGLE_TARGET)
    progress = result.get("progress", {})
    if "engine_statements_per_s" in progress and "batch" in ingest:  # it keeps up with what the server takes
        check("progress engine vs HTTP ingest (statements/s)", progress["engine_statements_per_s"],
              ingest["batch"]["statements_per_s"])
    sizes = result.get("queries", [])
    if sizes:
        largest = sizes[-1]
        for name, figures in largest["filters"].items():
            check(f"GET {name} p95 at {largest['statements']:,} (ms)", figures["p95_ms"], QUERY_P95_TARGET_MS,
                  higher_is_better=False)
        if len(sizes) > 1:
            for name, figures in largest["filters"].items():
                growth = round(figures["p95_ms"] / sizes[0]["filters"][name]["p95_ms"], 2)
                check(f"GET {name} p95 growth {sizes[0]['statements']:,} → {largest['statements']:,}", growth,
                      GROWTH_LIMIT, higher_is_better=False)
        check(f"wrong answers at {largest['statements']:,}",
              sum(size["answers_wrong"] for size in sizes), 1, higher_is_better=False)
    return checks


def _table(rows: list[list], header: list[str]) -> str:
    cells = [header] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |" for row in cells]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def tables(report: dict) -> str:
    """The figures as Markdown tables (printed, and put into bench/README.md)."""
    out = []
    for kind, result in report["databases"].items():
        out.append(f"### {kind}\n")
        if "error" in result:
            out.append(f"Not run: {result['error']}\n")
            continue
        rows = []
        for name, figures in result.get("ingest", {}).items():
            floor = result["floor"][name]
            rows.append([name, figures["batch"], figures["clients"], f"{figures['statements_per_s']:,}",
                         f"{figures['requests_per_s']:,}", figures["p50_ms"], figures["p95_ms"], figures["p99_ms"],
                         f"{floor['statements_per_s']:,}", f"{result['floor_share'][name]:.0%}",
                         figures.get("server_cpu_us_per_statement", ""),
                         figures.get("client_cpu_us_per_statement", "")])
        if rows:
            out.append(_table(rows, ["ingest", "batch", "clients", "statements/s", "requests/s", "p50 ms",
                                     "p95 ms", "p99 ms", "floor statements/s", "of floor",
                                     "server CPU µs/statement", "client CPU µs/statement"]) + "\n")
        for size in result.get("queries", []):
            rows = [[name, f["requests"], f["p50_ms"], f["p95_ms"], f["p99_ms"]] for name, f in size["filters"].items()]
            more = size["more"]
            rows.append([f"more to the end ({more['statements']:,} statements, {more['pages']} pages)",
                         more["pages"], more["p50_ms"], more["p95_ms"], more["p99_ms"]])
            out.append(f"GET /statements at {size['statements']:,} statements (loaded at "
                       f"{size['load']['statements_per_s']:,}/s); answers checked: {size['answers_checked']}, "
                       f"wrong: {size['answers_wrong']}\n")
            out.append(_table(rows, ["filter", "requests", "p50 ms", "p95 ms", "p99 ms"]) + "\n")
        if "memory" in result:
            memory = result["memory"]
            out.append(f"Server peak RSS (VmHWM): master {memory['master_mib']} MiB, workers "
                       f"{', '.join(str(w) for w in memory['workers_mib'])} MiB, total {memory['total_mib']} MiB\n")
        if "progress" in result:
            progress = result["progress"]
            out.append("Progress engine: " + (progress["error"] if "error" in progress else
                       f"{progress['engine_statements_per_s']:,} statements/s with {progress['people']:,} people "
                       f"and {progress['active_goals']:,} active goals (in-process ingest "
                       f"{progress['ingest_statements_per_s']:,}/s)") + "\n")
        checks = result.get("targets", [])
        if checks:
            rows = [[c["target"], c["value"], c["goal"], "met" if c["met"] else "MISSED", c["ratio"]] for c in checks]
            out.append(_table(rows, ["target", "value", "goal", "", "value / goal"]) + "\n")
    formats = report.get("review_formats")
    if formats:
        if "error" in formats:
            out.append(f"### Review exports\n\nNot run: {formats['error']}\n")
        else:
            rows = [[name, f["seconds"], f["cpu_seconds"], f"{f['bytes']:,}", f["budget_seconds"]]
                    for name, f in formats["formats"].items()]
            out.append(f"### Review exports ({formats['people']:,} people)\n")
            out.append(_table(rows, ["format", "seconds", "CPU seconds", "bytes", "budget s"]) + "\n")
    return "\n".join(out)


def write_json(report: dict, stamp: str) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{stamp}.json"
    data = orjson.dumps(report, option=orjson.OPT_INDENT_2)
    path.write_bytes(data)
    (RESULTS / "latest.json").write_bytes(data)
    return path


def update_readme(report: dict) -> None:
    """Replace the figures section of bench/README.md with this run's."""
    m = report["machine"]
    section = "\n".join([
        START,
        f"Latest run: {report['started']}, commit {report.get('commit')}, `{report['command']}`",
        "",
        f"Machine: {m['cpus']} CPUs ({m['cpu_model']}), {m['memory_gib']} GiB, Python {m['python']}, "
        f"{m['system']}; load average at start {', '.join(map(str, m['load_average_at_start']))}.",
        "",
        tables(report),
        END,
    ])
    text = README.read_text() if README.exists() else f"# Benchmarks\n\n{START}\n{END}\n"
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.DOTALL)
    README.write_text(pattern.sub(lambda _: section, text))
