"""Employer demand as numbers: headcounts per occupation and a demand weight per competency.

Which DEMANDS count: those of the year asked for; with no year, each
employer's latest year for each occupation (DEMANDS is keyed by year, and
adding up a 2025 and a 2026 figure for the same posts would count people twice).

The demand weight of a competency c, over the demanded occupations that require c:

    weight(c) = Σ headcount(e, o) over the demands (e, o) with c in R(o)
              + Σ max(1, Σ_o headcount(e, o)) over the employers e that NEED c

so every person to be hired into an occupation that requires c counts once, and an
employer that names c explicitly (NEEDS) counts its people for those occupations a
second time — or as one person when it hires for none of them.

Examples
--------
>>> from graph.store import DemandRow as D, NeedRow as N
>>> rows = [D("emp:A", "occ:1", 12, 2025, 3), D("emp:A", "occ:1", 20, 2026, 3), D("emp:B", "occ:1", 5, 2026, 3)]
>>> rows = current(rows)  # emp:A's 2026 figure replaces its 2025 one
>>> demand = Demand(rows, [N("emp:A", "comp:X", 3), N("emp:C", "comp:X", 2)])
>>> demand.headcount("occ:1")
25
>>> demand.weight("comp:X", ["occ:1"])  # 25 people, + emp:A's 20 again, + 1 for emp:C
46
>>> demand.weight("comp:Y", ["occ:1"])
25
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from graph.store import DemandRow, NeedRow


def current(rows: Iterable[DemandRow], year: int | None = None) -> list[DemandRow]:
    """The DEMANDS rows that count: those of ``year``, or each (employer, occupation)'s latest year."""
    rows = list(rows)
    if year is not None:
        return sorted(r for r in rows if r.year == year)
    latest: dict[tuple[str, str], DemandRow] = {}
    for row in rows:
        key = (row.employer, row.occupation)
        if key not in latest or row.year > latest[key].year:
            latest[key] = row
    return sorted(latest.values())


class Demand:
    """Current DEMANDS and NEEDS rows, indexed."""

    def __init__(self, demands: Iterable[DemandRow], needs: Iterable[NeedRow]) -> None:
        self._by_occupation: dict[str, dict[str, int]] = defaultdict(dict)
        self._levels: dict[str, list[int | None]] = defaultdict(list)
        for row in demands:
            self._by_occupation[row.occupation][row.employer] = row.headcount
            self._levels[row.occupation].append(row.level)
        self._needs: dict[str, dict[str, int | None]] = defaultdict(dict)
        for need in sorted(needs, key=lambda n: (n.employer, n.competency, n.level or 0)):
            self._needs[need.competency][need.employer] = need.level

    @property
    def occupations(self) -> list[str]:
        """The occupations with demand, sorted."""
        return sorted(self._by_occupation)

    @property
    def needed(self) -> list[str]:
        """The competencies some employer NEEDS, sorted."""
        return sorted(self._needs)

    def employers(self, occupation: str) -> dict[str, int]:
        """Employer → headcount demanded for ``occupation``."""
        return dict(sorted(self._by_occupation.get(occupation, {}).items()))

    def headcount(self, occupation: str) -> int:
        return sum(self._by_occupation.get(occupation, {}).values())

    def level(self, occupation: str) -> int | None:
        """The highest level the demands for ``occupation`` state (None: none states one)."""
        return max((lv for lv in self._levels.get(occupation, ()) if lv is not None), default=None)

    def needed_by(self, competency: str) -> dict[str, int | None]:
        """Employer → the level at which it NEEDS ``competency``."""
        return dict(sorted(self._needs.get(competency, {}).items()))

    def weight(self, competency: str, occupations: Iterable[str]) -> int:
        """The demand weight of ``competency`` given the demanded ``occupations`` that require it."""
        occupations = list(occupations)
        people = sum(self.headcount(o) for o in occupations)
        for employer in self._needs.get(competency, {}):
            own = sum(self._by_occupation.get(o, {}).get(employer, 0) for o in occupations)
            people += max(1, own)
        return people
