"""The soak's verdict (``bench.soak.flatness``) on made-up readings: no server, no database."""

from __future__ import annotations

from collections.abc import Callable

from bench.soak import Request, Sample, flatness, per_minute, slope_per_minute

SECONDS = 600.0


def samples(rss: Callable[[float], float]) -> list[Sample]:
    return [Sample(float(at), rss(at), at / 4) for at in range(0, 601, 12)]


def requests(latency: Callable[[float], float]) -> list[Request]:
    """Ten requests a second; ``latency(at)`` seconds each, one in ten taking three times as long."""
    return [Request(at / 10, "batch", latency(at / 10) * (3 if at % 10 == 0 else 1), 200, True, 30)
            for at in range(int(SECONDS * 10))]


def test_steady_memory_and_latency_are_flat():
    verdict = flatness(samples(lambda at: 400.0), requests(lambda at: 0.020), SECONDS)
    assert verdict["flat"] and not verdict["reasons"]
    assert verdict["warmup_s"] == 60
    assert verdict["rss_growth"] == 0 and verdict["rss_slope_mib_per_min"] == 0


def test_the_warm_up_is_left_out():
    """Memory that grows during the first minute only, and slow first requests, do not count."""
    verdict = flatness(samples(lambda at: 300.0 + min(at, 60)), requests(lambda at: 0.5 if at < 60 else 0.02),
                       SECONDS)
    assert verdict["flat"], verdict["reasons"]


def test_memory_growing_by_a_tenth_is_not_flat():
    verdict = flatness(samples(lambda at: 400.0 + at / 5), requests(lambda at: 0.020), SECONDS)
    assert not verdict["flat"]
    assert verdict["rss_growth"] > 0.10
    assert verdict["rss_slope_mib_per_min"] == 12.0
    assert "memory" in verdict["reasons"][0]


def test_p95_growing_by_half_is_not_flat_unless_by_a_few_milliseconds():
    growing = flatness(samples(lambda at: 400.0), requests(lambda at: 0.020 + at / 10_000), SECONDS)
    assert not growing["flat"] and "p95" in growing["reasons"][0]
    assert growing["p95_last_ms"] > 1.5 * growing["p95_first_ms"]
    noise = flatness(samples(lambda at: 400.0), requests(lambda at: 0.0005 + at / 500_000), SECONDS)
    assert noise["p95_growth"] > 0.5 and noise["flat"]


def test_a_short_run_warms_up_for_a_fifth_of_it():
    verdict = flatness([Sample(float(at), 400.0, 0.0) for at in (0, 12, 24, 36, 48, 60)],
                       [Request(at / 10, "single", 0.01, 200, True, 1) for at in range(600)], 60.0)
    assert verdict["warmup_s"] == 12 and verdict["flat"]


def test_per_minute_rows():
    rows = per_minute(samples(lambda at: 400.0), requests(lambda at: 0.020), SECONDS)
    assert [row["minute"] for row in rows] == list(range(1, 11))
    assert all(row["requests"] == 600 and row["statements"] == 18_000 for row in rows)
    assert rows[0]["server_cpu_percent"] == 25 and rows[0]["rss_mib"] == 400


def test_slope_of_a_line():
    assert slope_per_minute([(0.0, 1.0), (60.0, 3.0), (120.0, 5.0)]) == 2.0
    assert slope_per_minute([(0.0, 1.0)]) == 0.0
