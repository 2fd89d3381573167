"""Question 2, gaps: the under-level and missing competencies of a coverage, ranked, with where to close them.

Ranking (most important first): the number of O's typical work tasks that need
the competency, then its importance (absent counts as the scale's middle), then
its demand weight (``headcount``), then its id.
The employers behind a gap NEED the competency or DEMAND O; the best
``max_employers`` are listed (those that NEED it first, then the larger headcount
demanded for O, then by id) and ``employer_count`` counts them all.
Candidates are courses and learning tasks outside P that develop the
competency (or a match of it) at or above the required level; the best
``max_candidates`` of each gap are listed (the competency itself before a match,
then the higher developed level, then by id) and ``candidate_count`` counts them
all. The bounds keep one answer the size of its neighbourhood: the same national
competency is developed by every province's programs, and the same occupation
demanded by every province's employers, so the full lists (and the reads behind
them) would grow with the population of the graph. The store chooses the
candidates (``GraphReader.developers``), so that only the listed ones are read;
only the listed employers' names are read.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

from graph.errors import InvalidInputError
from graph.questions.coverage import Coverage, Setting, score, setting
from graph.questions.facts import Facts
from graph.questions.headcount import Demand
from graph.questions.levels import level_range
from graph.questions.model import COVERED, Answer, Options, ResourceRef, names
from graph.records import Node
from graph.store import Wanted


@dataclass(frozen=True)
class EmployerInterest(Answer):
    """An employer behind a gap: it NEEDS the competency, or DEMANDS the occupation (or both)."""

    employer: str
    name_zh: str | None
    name_en: str | None
    needs: bool
    needs_level: int | None
    headcount: int | None


@dataclass(frozen=True)
class Candidate(Answer):
    """A course or learning task outside the program that would close a gap."""

    course: str | None
    learning_task: str | None
    name_zh: str | None
    name_en: str | None
    competency: str
    level: int | None
    programs: list[str]
    resources: list[ResourceRef]


@dataclass(frozen=True)
class Gap(Answer):
    """One under-level or missing competency."""

    rank: int
    competency: str
    name_zh: str | None
    name_en: str | None
    dimension: str | None
    status: str
    required_level: int | None
    developed_level: int | None
    importance: float | None
    tasks: list[str]
    demand: int
    employers: list[EmployerInterest]
    employer_count: int
    candidates: list[Candidate]
    candidate_count: int


@dataclass(frozen=True)
class Gaps(Answer):
    """The answer to question 2."""

    program: str
    occupation: str
    level: int
    include_optional: bool
    close_match: bool
    max_candidates: int
    max_employers: int
    gaps: list[Gap]

    def ids(self) -> list[str]:
        return [g.competency for g in self.gaps]


#: Candidates listed per gap unless asked otherwise.
MAX_CANDIDATES = 10
#: Employers listed per gap unless asked otherwise.
MAX_EMPLOYERS = 10


def gaps(
    facts: Facts,
    program: str,
    occupation: str,
    level: int | None,
    options: Options,
    max_candidates: int = MAX_CANDIDATES,
    max_employers: int = MAX_EMPLOYERS,
) -> Gaps:
    """Question 2 for ``program`` against ``occupation`` at ``level`` (None: the level P targets O at)."""
    for name, bound in [("max_candidates", max_candidates), ("max_employers", max_employers)]:
        if bound < 0:
            raise InvalidInputError(f"{name} must be 0 or more, not {bound}")
    facts.prefetch(program, occupation, options, demand=True)
    facts.nodes([program, occupation])
    facts.expect([program], "Program")
    facts.expect([occupation], "Occupation")
    level = facts.level(program, occupation, level)
    s = setting(facts, occupation, level, options, None, with_demand=True)
    courses = [r.course for r in facts.curriculum(program)]
    cov = score(facts, s, program, courses, facts.developed(courses, s.matches))
    return rank(facts, s, cov, max_candidates, max_employers)


def rank(
    facts: Facts, s: Setting, cov: Coverage, max_candidates: int = MAX_CANDIDATES, max_employers: int = MAX_EMPLOYERS
) -> Gaps:
    """The gaps of ``cov`` ranked, with employers and candidates."""
    assert s.demand is not None
    low, high = level_range(facts.schema)
    middle = (low + high) / 2
    open_ = [c for c in cov.competencies if c.status != COVERED]
    demand = {c.competency: s.demand.weight(c.competency, [s.occupation]) for c in open_}
    open_.sort(
        key=lambda c: (
            -len(c.tasks),
            -(c.importance if c.importance is not None else middle),
            -demand[c.competency],
            c.competency,
        )
    )
    open_ids = [c.competency for c in open_]
    behind = _EmployersBehind(s.demand, s.occupation, open_ids, max_employers)
    found = _candidates(facts, s, cov, open_ids, behind.listed, max_candidates)
    employer_nodes = facts.nodes(behind.listed)
    result = []
    for i, c in enumerate(open_, start=1):
        employers, employer_count = behind.of(c.competency, employer_nodes)
        result.append(
            Gap(
                rank=i,
                competency=c.competency,
                name_zh=c.name_zh,
                name_en=c.name_en,
                dimension=c.dimension,
                status=c.status,
                required_level=c.required_level,
                developed_level=c.developed_level,
                importance=c.importance,
                tasks=c.tasks,
                demand=demand[c.competency],
                employers=employers,
                employer_count=employer_count,
                candidates=found[c.competency][0],
                candidate_count=found[c.competency][1],
            )
        )
    return Gaps(
        cov.program,
        cov.occupation,
        cov.level,
        cov.include_optional,
        cov.close_match,
        max_candidates,
        max_employers,
        result,
    )


class _EmployersBehind:
    """Per open competency, the best ``limit`` employers behind it and how many there are (see ``_behind``);
    ``listed``: every employer listed under some gap, whose names are all that is read of them."""

    def __init__(self, demand: Demand, occupation: str, competencies: list[str], limit: int) -> None:
        self._demanders = demand.employers(occupation)
        by_headcount = sorted(self._demanders, key=lambda e: (-self._demanders[e], e))
        self._behind: dict[str, tuple[dict[str, int | None], list[str], int]] = {}
        for c in competencies:
            needers = demand.needed_by(c)
            self._behind[c] = (needers, *_behind(needers, self._demanders, by_headcount, limit))
        self.listed = sorted({e for _, best, _ in self._behind.values() for e in best})

    def of(self, competency: str, nodes: dict[str, Node]) -> tuple[list[EmployerInterest], int]:
        """The employers listed under ``competency``'s gap, named from ``nodes``, and how many there are."""
        needers, best, count = self._behind[competency]
        demanders = self._demanders
        listed = [
            EmployerInterest(e, *names(nodes.get(e)), e in needers, needers.get(e), demanders.get(e)) for e in best
        ]
        return listed, count


def _behind(
    needers: dict[str, int | None], demanders: dict[str, int], by_headcount: list[str], limit: int
) -> tuple[list[str], int]:
    """The best ``limit`` employers behind a gap, and how many there are: those that NEED the competency first,
    then the larger headcount demanded for the occupation, then by id. ``by_headcount``: ``demanders`` in that
    order, sorted once per question (the same ones stand behind every gap).

    >>> _behind({"e:N": 3}, {"e:A": 5, "e:B": 20, "e:N": 1}, ["e:B", "e:A", "e:N"], 2)
    (['e:N', 'e:B'], 3)
    """
    first = sorted(needers, key=lambda e: (-demanders.get(e, 0), e))[:limit]
    rest = itertools.islice((e for e in by_headcount if e not in needers), limit - len(first))
    return [*first, *rest], len(needers) + sum(1 for e in demanders if e not in needers)


def _candidates(
    facts: Facts, s: Setting, cov: Coverage, open_ids: list[str], also_read: Iterable[str], limit: int
) -> dict[str, tuple[list[Candidate], int]]:
    """Per open competency: the best ``limit`` courses / learning tasks outside the program that develop it
    (or a match) well enough, and how many there are in all.

    Only the kept candidates' programs, resources and names are read. ``also_read``: more nodes to read along
    with the candidates' (saving a read).
    """
    wanted = [Wanted(c, tuple(s.matches.equivalents(c)), s.requirements[c].level) for c in open_ids]
    also_read = list(also_read)
    facts.reader.prefetch_candidates(wanted, cov.courses, limit, also_read)
    developers = facts.reader.developers(wanted, cov.courses, limit)
    used = {r for d in developers.values() for r in d.best}
    courses = sorted({r.course for r in used if r.course is not None})
    tasks = sorted({r.learning_task for r in used if r.learning_task is not None})
    with_nodes = [*courses, *tasks, *also_read]
    programs: dict[str, set[str]] = {}
    for row in facts.reader.includes(courses=courses) if courses else []:
        programs.setdefault(row.course, set()).add(row.program)
    resources = facts.resources(courses, tasks, with_nodes=with_nodes)
    result: dict[str, tuple[list[Candidate], int]] = {}
    for c in open_ids:
        listed: list[Candidate] = []
        result[c] = (listed, developers[c].count)
        for r in developers[c].best:
            if r.learning_task is not None:
                refs = resources.of_learning_task(r.learning_task, r.course)
            else:
                refs = resources.of_course(r.course or "")
            zh, en = names(facts.node(r.learning_task or r.course or ""))
            on = sorted(programs.get(r.course or "", ()))
            listed.append(Candidate(r.course, r.learning_task, zh, en, r.competency, r.level, on, refs))
    return result
