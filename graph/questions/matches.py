"""Cross-framework alignment: which competencies count as the same one (EXACT_MATCH) or close (CLOSE_MATCH).

SKOS semantics, both directions: ``skos:exactMatch`` is symmetric and
transitive, so EXACT_MATCH links competencies into classes of equivalents;
``skos:closeMatch`` is symmetric but not transitive, so CLOSE_MATCH (when asked
for) adds the classes one CLOSE_MATCH step away from a class, and no further.

Examples
--------
>>> from graph.store import MatchRow as Row
>>> rows = [Row("a", "b", EXACT), Row("b", "c", EXACT), Row("c", "d", CLOSE), Row("d", "e", CLOSE)]
>>> sorted(Matches(rows, close=False).equivalents("a"))
['a', 'b', 'c']
>>> sorted(Matches(rows, close=True).equivalents("a"))
['a', 'b', 'c', 'd']
>>> sorted(Matches(rows, close=True).equivalents("z"))
['z']
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from graph.store import GraphReader, MatchRow

EXACT = "EXACT_MATCH"
CLOSE = "CLOSE_MATCH"


class Matches:
    """The EXACT_MATCH classes and CLOSE_MATCH links among the competencies gathered so far."""

    def __init__(self, rows: Iterable[MatchRow], close: bool) -> None:
        self.close = close
        self._parent: dict[str, str] = {}
        links: list[tuple[str, str]] = []
        for row in rows:
            if row.kind == EXACT:
                self._union(row.competency, row.other)
            elif close:
                links.append((row.competency, row.other))
        self._members: dict[str, set[str]] = defaultdict(set)
        for node in list(self._parent):
            self._members[self._find(node)].add(node)
        self._close: dict[str, set[str]] = defaultdict(set)
        for a, b in links:
            ra, rb = self._find(a), self._find(b)
            self._close[ra].add(rb)
            self._close[rb].add(ra)
        self._cache: dict[str, frozenset[str]] = {}

    def _find(self, node: str) -> str:
        parent = self._parent.setdefault(node, node)
        while parent != self._parent[parent]:
            self._parent[parent] = self._parent[self._parent[parent]]
            parent = self._parent[parent]
        self._parent[node] = parent
        return parent

    def _union(self, a: str, b: str) -> None:
        ra, rb = self._find(a), self._find(b)
        if ra != rb:
            self._parent[max(ra, rb)] = min(ra, rb)

    def _class(self, root: str) -> set[str]:
        return self._members.get(root) or {root}

    def linked(self, competency: str) -> bool:
        """Whether a match gathered names ``competency``: if not, it is its only equivalent."""
        return competency in self._parent

    def equivalents(self, competency: str) -> frozenset[str]:
        """``competency`` and everything that counts as it (itself included)."""
        found = self._cache.get(competency)
        if found is None:
            root = self._find(competency) if self.linked(competency) else competency
            members = set(self._class(root))
            for other in self._close.get(root, ()):
                members |= self._class(other)
            found = self._cache[competency] = frozenset(members)
        return found


def gather(reader: GraphReader, competencies: Iterable[str], close: bool) -> Matches:
    """Read the matches of ``competencies`` through ``reader``: whole EXACT_MATCH classes, and with ``close``
    the classes one CLOSE_MATCH away. One query per step of distance (usually one or two)."""
    rows: list[MatchRow] = []
    seen = set(competencies)

    def exact_closure(frontier: set[str]) -> None:
        while frontier:
            found = reader.matches(sorted(frontier), (EXACT,))
            rows.extend(found)
            frontier = {r.other for r in found} - seen
            seen.update(frontier)

    exact_closure(set(seen))
    if close:
        found = reader.matches(sorted(seen), (CLOSE,))
        rows.extend(found)
        fresh = {r.other for r in found} - seen
        seen.update(fresh)
        exact_closure(fresh)
    return Matches(rows, close)
