"""What the Neo4j store keeps of earlier questions' reads, and how it knows the database has not changed since.

A program × occupation question on Neo4j reads its rows in two statements (``graph.neo4j_prefetch``), and
at ×16 those statements, not the engine, are most of its time: the heaviest gaps question spends 15 of its
19 ms in them (bench/analysis.md, rounds 9 and 10). The same rows — a program's curriculum, an occupation's
requirements, the developers of a competency — serve question after question until someone writes. But
the Browser's users and other processes write to the same database, so the store cannot know of a write by
watching its own.

The database tells it instead. Every transaction, a read one included, ends with a bookmark, and the
bookmark of a read names the last transaction committed when it committed (checked by the tests against
Neo4j 5.26: a write committed while a read runs changes the read's bookmark). Equal bookmarks, so, mean
that nothing was committed in between: a ``Generation`` holds rows read only by transactions that began
after its bookmark was seen and ended with that same bookmark, so all of them were read from one state.

A question reads through a ``Prefetched`` over the current generation's rows: what it prefetched and what its
primitives read by id (``graph.neo4j_store._Reader``). When its own transaction ends
with the generation's bookmark, its answer holds and what it read joins the generation. When the bookmark
differs, the database changed: the generation is dropped, and an answer that used its rows is asked again
(``Neo4jStore.read``). An answer read wholly from the database holds either way.

>>> keeper = Keeper(limit=100)
>>> first = keeper.current()
>>> ahead = first.view()
>>> ahead.put("tasks", ["occ:A"], [])
>>> keeper.settle(first, ahead, "b1")  # the first bookmark seen: nothing yet to keep the rows for
True
>>> second = keeper.current()
>>> ahead = second.view()
>>> ahead.put("tasks", ["occ:A"], [])
>>> keeper.settle(second, ahead, "b1"), keeper.current().rows.size
(True, 1)
>>> ahead = keeper.current().view()
>>> ahead.get("tasks", ["occ:A"])
[]
>>> keeper.settle(second, ahead, "b2"), keeper.current().rows.size  # a write came: the answer is asked again
(False, 0)

A server or proxy that gives no bookmark (an empty set) leaves nothing kept:

>>> for _ in range(2):
...     generation = keeper.current()
...     ahead = generation.view()
...     ahead.put("tasks", ["occ:A"], [])
...     keeper.settle(generation, ahead, frozenset())
True
True
>>> keeper.current().bookmark, keeper.current().rows.size
(None, 0)
"""

from __future__ import annotations

import threading
from typing import Any

from graph import collector
from graph.neo4j_prefetch import Prefetched

#: The ids and rows a store keeps unless told otherwise (``CHANJIAO_NEO4J_KEEP_ROWS``).
KEEP_ROWS = 1_000_000

#: Rows kept between two freezes of what the process holds: frozen, the collector no longer walks them
#: (``graph.collector``); a freeze also takes whatever the process made in between, so not after each question.
FREEZE_EVERY = 50_000


class Generation:
    """Rows read from one state of the database, the one its last committed transaction ``bookmark`` names
    (None: no bookmark seen yet, and nothing kept)."""

    __slots__ = ("bookmark", "rows")

    def __init__(self, bookmark: Any, rows: Prefetched | None = None) -> None:
        self.bookmark = bookmark
        self.rows = rows if rows is not None else Prefetched()

    def view(self) -> Prefetched:
        """A question's own rows, over this generation's when it has any to give."""
        return Prefetched(base=self.rows if self.bookmark is not None else None)


class Keeper:
    """The current generation of one store, shared by the threads asking questions of it.

    ``limit``: the ids and rows a generation may hold (0: nothing is kept). One that would grow past it lets the
    rows it kept first go, down to three quarters of the limit (so not at every question): a sweep of rankings
    at ×16 reads nearly a million, and starting again empty made every question after it read all of its rows
    again (bench/analysis.md, round 20).
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._current = Generation(None)
        self._lock = threading.Lock()
        self._unfrozen = 0  # rows kept since the last freeze

    def current(self) -> Generation:
        return self._current

    def settle(self, generation: Generation, ahead: Prefetched, bookmark: Any) -> bool:
        """Whether the answer a question read through ``ahead`` (a view of ``generation``) holds, now that its
        transaction ended with ``bookmark``; keeps what it read when the database is still that generation's."""
        bookmark = bookmark or None  # none given (an empty set): which state was read is unknown
        with self._lock:
            if bookmark is not None and bookmark == generation.bookmark:
                if self._current is generation:
                    self._keep(generation, ahead)
                return True
            if self._current is generation or self._current.bookmark != bookmark:
                self._current = self._start(bookmark)
            return not ahead.leaned

    def written(self, bookmark: Any) -> None:
        """Start a generation from the bookmark a write of this store committed with: a question begun after
        it that ends with the same bookmark read the state it left."""
        with self._lock:
            self._current = self._start(bookmark)

    def _start(self, bookmark: Any) -> Generation:
        """An empty generation of the state ``bookmark`` names: of none (keeping nothing) when no bookmark was
        given, or when this keeper keeps nothing."""
        return Generation((bookmark or None) if self.limit else None)

    def _keep(self, generation: Generation, ahead: Prefetched) -> None:
        if ahead.size > self.limit:
            return
        if generation.rows.size + ahead.size > self.limit:
            generation.rows.evict(max(self.limit * 3 // 4 - ahead.size, 0))
        generation.rows.merge(ahead)
        self._unfrozen += ahead.size
        if self._unfrozen >= FREEZE_EVERY:
            self._unfrozen = 0
            collector.freeze()
