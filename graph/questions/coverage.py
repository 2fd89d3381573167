"""Question 1, coverage: how much of R(O, L) program P develops, and at which levels.

Each required competency is covered (developed at or above the required level,
or either side level-agnostic), under-level (developed, but only below it) or
missing. The counts and ratios are given overall, per dimension (all four, even
when empty) and per typical work task (each task's own requirements, judged at
that task's own required level), optionally weighted by importance or demand.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from graph.errors import InvalidInputError
from graph.questions.development import Developed, Source
from graph.questions.facts import Facts
from graph.questions.headcount import Demand
from graph.questions.levels import assess, level_range
from graph.questions.matches import Matches
from graph.questions.model import COVERED, MISSING, UNDER_LEVEL, Answer, Options, names
from graph.questions.requirements import Requirement

WEIGHTS = ("importance", "demand")


@dataclass(frozen=True)
class Tally(Answer):
    """Counts of a set of required competencies by status; ratios are None when there is nothing to divide by."""

    total: int
    covered: int
    under_level: int
    missing: int
    ratio: float | None
    weighted_total: float | None = None
    weighted_covered: float | None = None
    weighted_ratio: float | None = None

    @classmethod
    def of(cls, statuses: Iterable[tuple[str, float | None]], weighted: bool) -> Tally:
        """Tally (status, weight) pairs.

        >>> Tally.of([("covered", 2.0), ("missing", 1.0), ("under_level", 1.0)], weighted=True).weighted_ratio
        0.5
        """
        pairs = list(statuses)
        tally = cls.counted(status for status, _ in pairs)
        if not weighted:
            return tally
        w_total = float(sum(w or 0 for _, w in pairs))
        w_covered = float(sum(w or 0 for s, w in pairs if s == COVERED))
        return cls(*tally.as_tuple()[:5], w_total, w_covered, _ratio(w_covered, w_total))

    @classmethod
    def counted(cls, statuses: Iterable[str]) -> Tally:
        """Tally statuses, unweighted.

        >>> Tally.counted(["covered", "missing", "covered"]).as_tuple()
        (3, 2, 0, 1, 0.6666666666666666)
        """
        counts = Counter(statuses)
        total = counts.total()
        return cls(total, counts[COVERED], counts[UNDER_LEVEL], counts[MISSING], _ratio(counts[COVERED], total))

    def as_tuple(self) -> tuple:
        return (self.total, self.covered, self.under_level, self.missing, self.ratio)


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class CompetencyCoverage(Answer):
    """One competency of R(O, L) and how P develops it."""

    competency: str
    name_zh: str | None
    name_en: str | None
    dimension: str | None
    kind: str | None
    status: str
    required_level: int | None
    developed_level: int | None
    essential: bool
    importance: float | None
    direct: bool
    tasks: list[str]
    weight: float | None
    developed_by: list[Source]


@dataclass(frozen=True)
class TaskCoverage(Answer):
    """The coverage of one typical work task's own requirements."""

    task: str
    name_zh: str | None
    name_en: str | None
    order: int | None
    tally: Tally
    covered: list[str]
    under_level: list[str]
    missing: list[str]


@dataclass(frozen=True)
class Coverage(Answer):
    """The answer to question 1."""

    program: str
    occupation: str
    level: int
    include_optional: bool
    close_match: bool
    weight: str | None
    courses: list[str]
    overall: Tally
    by_dimension: dict[str, Tally]
    by_task: list[TaskCoverage]
    competencies: list[CompetencyCoverage]

    def ids(self, status: str) -> list[str]:
        """The competencies with ``status``, in answer order."""
        return [c.competency for c in self.competencies if c.status == status]

    def get(self, competency: str) -> CompetencyCoverage:
        """The row of ``competency``; ``KeyError`` when it is not in R."""
        for row in self.competencies:
            if row.competency == competency:
                return row
        raise KeyError(competency)


@dataclass
class Setting:
    """The occupation side of a coverage question, read once and shared (e.g. by what-if's before and after)."""

    occupation: str
    level: int
    options: Options
    weight: str | None
    requirements: dict[str, Requirement]
    tasks: list[str]
    matches: Matches
    weights: dict[str, float] | None
    demand: Demand | None


def check_weight(weight: str | None) -> None:
    if weight is not None and weight not in WEIGHTS:
        raise InvalidInputError(f"weight must be one of {', '.join(WEIGHTS)} (or none), not {weight!r}")


def setting(
    facts: Facts, occupation: str, level: int, options: Options, weight: str | None, with_demand: bool = False
) -> Setting:
    """Read R(O, L), O's tasks, the matches of R and (for ``weight="demand"`` or ``with_demand``) the demand for O."""
    requirements = facts.required(occupation, level, options)
    tasks = facts.tasks(occupation, with_nodes=requirements)
    matches = facts.matches(requirements, options)
    demand = facts.demand([occupation], requirements) if weight == "demand" or with_demand else None
    weights = None
    if weight == "importance":
        low, high = level_range(facts.schema)  # importance shares the 1–5 scale; absent counts as its middle
        middle = (low + high) / 2
        weights = {c: float(r.importance if r.importance is not None else middle) for c, r in requirements.items()}
    elif weight == "demand":
        assert demand is not None
        weights = {c: float(demand.weight(c, [occupation])) for c in requirements}
    return Setting(occupation, level, options, weight, requirements, tasks, matches, weights, demand)


def score(facts: Facts, s: Setting, program: str, courses: list[str], developed: Developed) -> Coverage:
    """Coverage of the setting's R by ``developed`` (what ``courses`` develop)."""
    dimensions = facts.schema.enumeration("CompetencyDimensionScheme").notations
    info = facts.nodes(s.requirements)
    rows = []
    for c, req in s.requirements.items():
        status, level = developed.assess(c, req.level)
        node = info.get(c)
        props = node.props if node else {}
        rows.append(
            CompetencyCoverage(
                competency=c,
                name_zh=props.get("name_zh"),
                name_en=props.get("name_en"),
                dimension=props.get("dimension"),
                kind=props.get("kind"),
                status=status,
                required_level=req.level,
                developed_level=level,
                essential=req.essential,
                importance=req.importance,
                direct=req.direct,
                tasks=req.task_ids,
                weight=None if s.weights is None else s.weights[c],
                developed_by=developed.sources(c),
            )
        )
    rows.sort(key=lambda r: facts.dimension_order(r.competency))
    weighted = s.weights is not None
    by_dimension = {d: Tally.of(((r.status, r.weight) for r in rows if r.dimension == d), weighted) for d in dimensions}
    return Coverage(
        program=program,
        occupation=s.occupation,
        level=s.level,
        include_optional=s.options.include_optional,
        close_match=s.options.close_match,
        weight=s.weight,
        courses=sorted(courses),
        overall=Tally.of(((r.status, r.weight) for r in rows), weighted),
        by_dimension=by_dimension,
        by_task=_by_task(facts, s, developed, weighted),
        competencies=rows,
    )


def _by_task(facts: Facts, s: Setting, developed: Developed, weighted: bool) -> list[TaskCoverage]:
    per_task: dict[str, list[tuple[str, str, float | None]]] = {t: [] for t in s.tasks}
    for c, req in s.requirements.items():
        for task, task_level in req.tasks:
            status = assess(task_level, (src.level for src in developed.sources(c)))[0]
            per_task.setdefault(task, []).append((c, status, None if s.weights is None else s.weights[c]))
    info = facts.nodes(per_task)
    result = []
    for task, entries in per_task.items():
        zh, en = names(info.get(task))
        node = info.get(task)
        result.append(
            TaskCoverage(
                task=task,
                name_zh=zh,
                name_en=en,
                order=node.props.get("order") if node else None,
                tally=Tally.of(((st, w) for _, st, w in entries), weighted),
                covered=[c for c, st, _ in entries if st == COVERED],
                under_level=[c for c, st, _ in entries if st == UNDER_LEVEL],
                missing=[c for c, st, _ in entries if st == MISSING],
            )
        )
    return result


def coverage(
    facts: Facts, program: str, occupation: str, level: int | None, options: Options, weight: str | None
) -> Coverage:
    """Question 1 for ``program`` against ``occupation`` at ``level`` (None: the level P targets O at)."""
    check_weight(weight)
    facts.prefetch(program, occupation, options, demand=weight == "demand")
    facts.nodes([program, occupation])  # one read for both checks
    facts.expect([program], "Program")
    facts.expect([occupation], "Occupation")
    level = facts.level(program, occupation, level)
    s = setting(facts, occupation, level, options, weight)
    courses = [r.course for r in facts.curriculum(program)]
    return score(facts, s, program, courses, facts.developed(courses, s.matches))
