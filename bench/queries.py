"""GET /statements at a given store size: latency per filter, every answer checked against the ground truth.

Each filter is asked for several values (chosen once, so that the same queries run at every store size),
each value several times, newest first with the server's default page (100 statements); every value holds
at least a page of statements already at the smallest size, so the result size is the same at every size.
An answer is right when its statements are exactly the newest matching ones, in order, and ``more`` is
given exactly when more match. Following ``more`` walks a large result (a course, with related
activities) to its end; the statements must come back each once, in order.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

import orjson
import requests

from bench.ingest import HEADERS, percentiles
from bench.truth import ACTIVITY, AGENT, REGISTRATION, RELATED_ACTIVITY, RELATED_AGENT, VERB, Truth, ifi
from lrs.xapi import formats

PAGE = 100  # LRS_STATEMENT_PAGE_SIZE, the default page
WINDOW = 100  # statements in a since/until window


@dataclass(frozen=True)
class Query:
    filter: str
    params: dict[str, str]
    dims: tuple[str, ...] = ()
    value: str = ""
    window: tuple[int, int] | None = None  # since_us, until_us

    def expected(self, truth: Truth) -> list[int]:
        if self.window is not None:
            return truth.window(*self.window)
        return truth.matching(self.dims, self.value)


def _stamp(micros: int) -> str:
    return formats.format_timestamp(formats.from_micros(micros))


def choose(truth: Truth, agents: list[dict], per_filter: int, seed: int = 5) -> list[Query]:
    """``per_filter`` values of each filter, each matching at least a page of the statements loaded so far."""
    rng = random.Random(seed)
    by_ifi = {ifi(agent): {k: v for k, v in agent.items() if k != "name"} for agent in agents}

    def pick(values: list[str]) -> list[str]:
        return rng.sample(values, min(per_filter, len(values)))

    def agent_param(value: str) -> str:
        return orjson.dumps(by_ifi[value]).decode()

    agents_ok = [v for v in truth.values(AGENT, PAGE) if v in by_ifi]
    courses = [v for v in truth.values(RELATED_ACTIVITY, PAGE) if "/courses/" in v]
    queries = [Query("agent", {"agent": agent_param(v)}, (AGENT,), v) for v in pick(agents_ok)]
    queries += [Query("verb", {"verb": v}, (VERB,), v) for v in pick(truth.values(VERB, PAGE))]
    queries += [Query("activity", {"activity": v}, (ACTIVITY,), v) for v in pick(truth.values(ACTIVITY, PAGE))]
    queries += [Query("registration", {"registration": v}, (REGISTRATION,), v)
                for v in pick(truth.values(REGISTRATION, PAGE))]
    queries += [Query("related_activities", {"activity": v, "related_activities": "true"},
                      (ACTIVITY, RELATED_ACTIVITY), v) for v in pick(courses)]
    queries += [Query("related_agents", {"agent": agent_param(v), "related_agents": "true"},
                      (AGENT, RELATED_AGENT), v) for v in pick(agents_ok)]
    for start in sorted(rng.sample(range(len(truth) - WINDOW - 1), per_filter)):
        since, until = truth.stored_us[start], truth.stored_us[start + WINDOW]
        queries.append(Query("since_until", {"since": _stamp(since), "until": _stamp(until)},
                             window=(since, until)))
    return queries


class Checker:
    """Counts answers and the wrong ones, keeping the first few differences to report."""

    def __init__(self, truth: Truth):
        self.truth = truth
        self.checked = 0
        self.wrong: list[str] = []

    def page(self, query: Query, body: dict, expected: list[int]) -> None:
        self.checked += 1
        got = [s["id"] for s in body["statements"]]
        want = [self.truth.ids[p] for p in reversed(expected[-PAGE:])]
        has_more = bool(body["more"])
        if got != want or has_more != (len(expected) > PAGE):
            self.wrong.append(f"{query.filter} {query.params}: {len(got)} statements, more={has_more}; "
                              f"expected {len(want)} of {len(expected)}")


def _get(session: requests.Session, url: str, params: dict | None = None) -> tuple[dict, float]:
    started = time.perf_counter()
    response = session.get(url, params=params, headers=HEADERS)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"GET {response.url} answered {response.status_code}: {response.text[:500]}")
    return orjson.loads(response.content), elapsed


def run_queries(base_url: str, auth: tuple[str, str], truth: Truth, queries: list[Query], rounds: int) -> dict:
    """Latency per filter over ``rounds`` passes of every query (after one warm-up pass), and the checks."""
    checker = Checker(truth)
    latencies: dict[str, list[float]] = {}
    expected = [query.expected(truth) for query in queries]
    with requests.Session() as session:
        session.auth = auth
        for round_number in range(rounds + 1):
            for query, matching in zip(queries, expected, strict=True):
                body, elapsed = _get(session, f"{base_url}/xapi/statements", query.params)
                checker.page(query, body, matching)
                if round_number:  # the first pass warms the caches
                    latencies.setdefault(query.filter, []).append(elapsed)
        follow = next(q for q in queries if q.filter == "related_activities")
        more = follow_more(session, base_url, truth, follow, checker)
    filters = {name: {"requests": len(samples), **percentiles(samples)} for name, samples in latencies.items()}
    return {"statements": len(truth), "filters": filters, "more": more, "answers_checked": checker.checked,
            "answers_wrong": len(checker.wrong), "first_wrong": checker.wrong[:5]}


def follow_more(session: requests.Session, base_url: str, truth: Truth, query: Query, checker: Checker) -> dict:
    """Follow ``more`` from the first page to the end; every statement once, newest first."""
    expected = [truth.ids[p] for p in reversed(query.expected(truth))]
    got: list[str] = []
    latencies: list[float] = []
    body, elapsed = _get(session, f"{base_url}/xapi/statements", query.params)
    while True:
        latencies.append(elapsed)
        got.extend(s["id"] for s in body["statements"])
        if not body["more"]:
            break
        body, elapsed = _get(session, base_url + body["more"])
    checker.checked += 1
    if got != expected:
        checker.wrong.append(f"following more for {query.params}: {len(got)} statements, expected "
                             f"{len(expected)}")
    return {"filter": query.filter, "statements": len(got), "pages": len(latencies),
            "seconds": round(sum(latencies), 2), **percentiles(latencies)}
