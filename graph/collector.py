"""Pausing Python's garbage collector while long-lived objects are made, process-wide.

The embedded graph is millions of long-lived objects (1.0 M at ×1, 13.7 M at ×16), and each collection of
the oldest generation walked them all: 0.5 s at ×1, 6.4 s at ×16, during whichever request set it off —
that request and every other one on the worker waited (bench/analysis.md, "Miss 2"). So the store builds
its graph (loads, writes, indexes) inside ``paused(freeze=True)``: the collector does not walk the growing
graph again and again (40 % of an ESCO write into an empty store), and once built the graph is frozen
(``gc.freeze``): never walked again, still freed by reference counting when it goes. A check
(``graph.validation``) runs inside ``paused()``: it makes a record and a dict for each of 166 k ESCO items,
and after a store's freeze the oldest generation is little besides them, so it came 4–5 times per check. A load
(``loaders.pipeline``) checks and writes in one pause, or the batch the check made was walked twice before the
write began.

What is frozen is kept until unfrozen if it later dies as part of a reference cycle. So the young
generations are collected before the pause (earlier garbage is not frozen), nothing is frozen unless a
freezing block succeeded, and the store breaks its own cycles when it lets go of them. Cyclic garbage that
other threads make during a pause is frozen with it: collecting it first would walk everything just built
once more (0.47 s of a 2.3 s ESCO write). The collector is process-wide: blocks of several stores, checks
or threads nest, and the last one to end freezes (when asked) and resumes the collector — unless it was
disabled before the first began.

A process on Neo4j holds no graph, but its modules, schema and driver are long-lived too (60 k objects), and
a collection of the oldest generation walking them took 11–26 ms; the Neo4j store ``freeze``s them when it
opens.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.RLock()  # re-entrant: a finalizer that gc.collect runs may write to a store
_depth = 0  # how many blocks are running (in any thread)
_resume = False  # whether the collector was enabled before the outermost block
_freeze = False  # whether a block asking to freeze has succeeded during this pause


@contextmanager
def paused(freeze: bool = False) -> Iterator[None]:
    """Run the block with the collector paused; with ``freeze``, freeze what exists once the pause ends,
    if the block succeeded."""
    global _depth, _resume, _freeze
    with _lock:
        if _depth == 0:
            _resume = gc.isenabled()
            _freeze = False
            gc.collect(1)
            gc.disable()
        _depth += 1
    succeeded = False
    try:
        yield
        succeeded = True
    finally:
        with _lock:
            _depth -= 1
            _freeze = _freeze or (freeze and succeeded)
            if _depth == 0:
                if _freeze:
                    gc.freeze()
                if _resume:
                    gc.enable()


def freeze() -> None:
    """Freeze what the process holds now, as a freezing block ending here would (after the outermost one, if
    blocks are running)."""
    with paused(freeze=True):
        pass
