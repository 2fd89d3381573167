"""D(P): what a set of courses develops, looked up through matches.

Examples
--------
>>> from graph.store import DevelopsRow as Row
>>> from graph.store import MatchRow
>>> from graph.questions.matches import Matches, EXACT
>>> rows = [Row("course:A", None, "comp:X", 2), Row("course:A", "lt:A-1", "comp:X2", 3)]
>>> developed = Developed(rows, Matches([MatchRow("comp:X", "comp:X2", EXACT)], close=False))
>>> developed.assess("comp:X", 3)
('covered', 3)
>>> [s.competency for s in developed.sources("comp:X")]
['comp:X', 'comp:X2']
>>> developed.assess("comp:Y", None)
('missing', None)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from graph.questions.levels import assess
from graph.questions.matches import Matches
from graph.questions.model import MISSING, Answer, sort_key
from graph.store import DevelopsRow


@dataclass(frozen=True)
class Source(Answer):
    """One DEVELOPS relationship that counts for a competency.

    ``competency`` is the competency it develops: the one asked about, or one that matches it.
    """

    course: str | None
    learning_task: str | None
    competency: str
    level: int | None


def _key(source: Source) -> tuple:
    return sort_key(source.course, source.learning_task, source.competency, source.level)


class Developed:
    """The DEVELOPS rows of some courses, with the matches to follow when asked about a competency."""

    def __init__(self, rows: Iterable[DevelopsRow], matches: Matches) -> None:
        self.matches = matches
        # Rows, made Sources and sorted only when asked for (``direct``, ``sources``): the rankings build one
        # Developed for each of thousands of programs, and only assess them.
        self._by_competency: dict[str, list[DevelopsRow]] = defaultdict(list)
        for row in set(rows):  # the same row twice (a learning task in two courses is two rows) counts once
            self._by_competency[row.competency].append(row)
        self._levels: dict[str, list[int | None]] = {}  # of each competency's sources, once assessed

    @property
    def competencies(self) -> list[str]:
        """The competencies developed directly (without following matches), sorted."""
        return sorted(self._by_competency)

    def direct(self, competency: str) -> list[Source]:
        """The rows that develop ``competency`` itself."""
        return sorted((Source(*row) for row in self._by_competency.get(competency, ())), key=_key)

    def sources(self, competency: str) -> list[Source]:
        """The rows that develop ``competency`` or something that matches it."""
        found = [Source(*row) for row in self._rows(competency)]
        return sorted(found, key=_key)

    def _rows(self, competency: str) -> list[DevelopsRow]:
        return [row for c in self.matches.equivalents(competency) for row in self._by_competency.get(c, ())]

    def assess(self, competency: str, required_level: int | None) -> tuple[str, int | None]:
        """(status, developed level) of a requirement of ``competency`` at ``required_level``."""
        if competency not in self._by_competency and not self.matches.linked(competency):
            # Nothing develops it and nothing counts as it: missing at one look. A ranking assesses the
            # requirements of thousands of occupations (124 k at ×16), nearly all of them such.
            return MISSING, None
        levels = self._levels.get(competency)
        if levels is None:  # the rankings and demand assess each competency for many occupations
            levels = self._levels[competency] = [row.level for row in self._rows(competency)]
        return assess(required_level, levels)
