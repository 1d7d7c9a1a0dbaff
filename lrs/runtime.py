"""How the LRS's long-running processes (``lrs serve`` workers, ``lrs worker``) set CPython's collector.

Statements are JSON parsed into many dicts and lists. At CPython's default thresholds (700, 10, 10) the
collector runs a young collection every 700 new containers, and full ones, over every object the process
holds, whenever enough have survived: while a batch of thousands of parsed statements is alive, that
happened several times per batch, each time walking the whole heap again. On this project's machine the
progress engine applied 6,000-8,000 statements/s on PostgreSQL at the defaults and 10,000-15,000/s with
the setting below (``bench/progress_engine.py``).

So a process, once started, freezes what it has made so far (the application, its models, the modules:
they live as long as the process, and no collection walks them again), and collects young objects every
``YOUNG`` new containers. Parsed statements hold no reference cycles (reference counting frees them), so
the rarer collections leave little garbage waiting: memory stays flat (``make soak``).
"""

from __future__ import annotations

import gc

YOUNG = 10_000


def tune_collector() -> None:
    """Call once the process has loaded what it keeps for its whole life."""
    gc.freeze()
    gc.set_threshold(YOUNG, 10, 10)
