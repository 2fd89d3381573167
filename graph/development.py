"""One competency's developers kept in the order ``GraphReader.developers`` chooses them, so that the embedded
store picks and counts a gap's candidates at the cost of the ones it lists, not of all there are.

The same national competency is developed by every province's courses: at ×16 a gaps question's wanted
competencies have ≈ 190 developers where ×1 has 12, and walking them all to count them made the
question's cost follow the population of the graph (bench/analysis.md, round 7). Kept sorted, the rows
that reach a level are a prefix (and the level-agnostic tail), counted by bisection; a program's own
courses are subtracted by looking up the ones that develop the competency.

>>> rows = [DevelopsRow("c:B", None, "k", 3), DevelopsRow("c:A", None, "k", None), DevelopsRow("c:C", None, "k", 5)]
>>> d = Development(rows)
>>> [r.course for r in d.satisfying(4)], d.count(4, set()), d.count(3, {"c:C"}), d.count(None, {"c:A"})
(['c:C', 'c:A'], 2, 2, 2)
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Set

from graph.questions.levels import satisfies
from graph.questions.model import sort_key
from graph.store import DevelopsRow


def order(row: DevelopsRow) -> tuple:
    """``GraphReader.developers``' order among the developers of one competency, or of its matches:
    the higher level first, a level-agnostic development after any level, then by the ids."""
    return (_rank(row.level), sort_key(*row))


def _rank(level: int | None) -> float:
    """Where a developed level comes in ``order``: ascending -5, …, -1, then inf for no level."""
    return -level if level is not None else math.inf


class Development:
    """The distinct DEVELOPS rows of one competency, in ``order``."""

    __slots__ = ("_agnostic", "_by_course", "_levels", "rows")

    def __init__(self, rows: Iterable[DevelopsRow]) -> None:
        # dict.fromkeys: a row reached twice (two parallel relationships) is one developer.
        self.rows = sorted(dict.fromkeys(rows), key=order)
        self._levels = [_rank(r.level) for r in self.rows]  # ascending, as the rows are
        self._agnostic = bisect_left(self._levels, math.inf)  # where the level-agnostic rows start
        self._by_course: dict[str | None, list[int | None]] = {}
        for r in self.rows:
            self._by_course.setdefault(r.course, []).append(r.level)

    def satisfying(self, level: int | None) -> list[DevelopsRow]:
        """The rows whose development satisfies a requirement at ``level`` (None: any), in order."""
        if level is None:
            return self.rows
        return self.rows[: self._reaching(level)] + self.rows[self._agnostic :]

    def count(self, level: int | None, outside: Set[str]) -> int:
        """How many rows satisfy ``level`` and belong to no course in ``outside``."""
        n = len(self.rows) if level is None else self._reaching(level) + len(self.rows) - self._agnostic
        for course in self._by_course.keys() & outside:
            n -= sum(1 for developed in self._by_course[course] if satisfies(level, developed))
        return n

    def _reaching(self, level: int) -> int:
        """How many rows state a level of ``level`` or more (they come first)."""
        return bisect_right(self._levels, -level)
