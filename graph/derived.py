"""What the embedded store derives from its graph for the questions and keeps until the graph changes.

A question walks the same few steps again and again — a competency's developers, a course's resources through
its learning tasks, a competency's matches, the programs that include a course, the employers that demand an
occupation or need a competency, the nodes it names — and at ×16 each step is a string of look-ups into million-entry
dicts, scattered over a heap of several gigabytes. Kept, a step is one look-up into rows built together.
Every change of the graph (a committed write, a rollback, a reload, a clear) forgets all of them at once
(``EmbeddedStore._audited`` and ``_build``); the rows are built on the first question that wants them.

>>> derived = Derived()
>>> derived.matches[("comp:A", "EXACT_MATCH")] = []
>>> derived.clear()
>>> derived.matches, derived.supports, derived.developments, derived.nodes
({}, {}, {}, {})
"""

from __future__ import annotations

from graph.development import Development
from graph.records import Node
from graph.store import DemandRow, DevelopsRow, IncludesRow, MatchRow, NeedRow, RequirementRow, SupportRow


class Derived:
    """The rows kept between changes of the graph.

    ``developments``: each competency's developers in ``GraphReader.developers``' order (``graph.development``);
    ``develops``: the DEVELOPS rows of a course, its own and its learning tasks' (every question reads those of a
    program's curriculum, and the rankings of hundreds of programs');
    ``supports``: the SUPPORTS rows of a course (its own and its learning tasks') or of a learning task asked for
    itself, keyed by its id; ``matches``: the match rows of a competency for one relationship type; ``included``:
    the INCLUDES rows of a course; ``demands``: the DEMANDS rows of an occupation; ``needs``: the NEEDS rows of a
    competency (the DEMANDS and NEEDS grow with the population: every province's employers demand the same
    occupations and need the same competencies); ``requirements``: the REQUIRES rows of an occupation, its own and
    its tasks' (a ranking at ×16 reads those of 5,390 occupations, 297 k rows); ``nodes``: each node a question has
    read (None: no such node), holding the graph's own properties, which are replaced, never changed in place (a
    gaps answer at ×16 names about 500 nodes, and building each anew was a tenth of the question:
    bench/analysis.md, round 18).
    """

    __slots__ = (
        "demands",
        "developments",
        "develops",
        "included",
        "matches",
        "needs",
        "nodes",
        "requirements",
        "supports",
    )

    def __init__(self) -> None:
        self.developments: dict[str, Development] = {}
        self.develops: dict[str, list[DevelopsRow]] = {}
        self.supports: dict[str, list[SupportRow]] = {}
        self.matches: dict[tuple[str, str], list[MatchRow]] = {}
        self.included: dict[str, list[IncludesRow]] = {}
        self.demands: dict[str, list[DemandRow]] = {}
        self.needs: dict[str, list[NeedRow]] = {}
        self.nodes: dict[str, Node | None] = {}
        self.requirements: dict[str, list[RequirementRow]] = {}

    def clear(self) -> None:
        for name in self.__slots__:
            getattr(self, name).clear()
