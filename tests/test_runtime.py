"""Long-running processes set CPython's collector for batches of parsed statements (lrs.runtime)."""

from __future__ import annotations

import gc

import pytest

from lrs import runtime


@pytest.fixture
def collector():
    """Put the collector back as the test found it."""
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_tune_collector_freezes_what_the_process_holds_and_collects_young_objects_less_often(collector):
    kept = [{"kept": n} for n in range(100)]
    runtime.tune_collector()
    assert gc.get_freeze_count() >= len(kept)
    assert gc.get_threshold()[0] == runtime.YOUNG


def test_the_worker_tunes_its_collector(collector, runner):
    gc.set_threshold(700, 10, 10)
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert gc.get_threshold()[0] == runtime.YOUNG
