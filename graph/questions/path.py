"""Question 9, learning path: courses that close a learner's gaps for an occupation, in prerequisite order.

1. Gaps: R(O, L) minus what the profile holds at or above the required level
   (matches followed as in coverage; a profile entry without a level holds any level).
2. Candidates: courses anywhere in the graph (or in the program, when given)
   that develop a gap (or a match), directly or through a learning task, at or
   above the required level.
3. Prerequisites: taking a course means taking every course PREREQUISITE_OF it,
   transitively — unless the profile already holds everything a prerequisite
   develops (and it develops something), in which case it and what lies before it
   are skipped. Prerequisites are followed across the whole graph, also when a
   program is given.
4. Greedy weighted set cover: repeatedly take the course whose addition (itself
   plus the prerequisites not yet on the path) closes the most open gaps per hour
   (ties: more gaps, fewer hours, id). A course whose hours are unknown (absent
   or 0) costs the median hours of the courses considered that state theirs (1
   if none does). Then picks whose gaps the rest of the path closes anyway are
   dropped, latest first. Every step lists the gaps it closes; ``reason`` says
   whether the cover picked it or a pick needs it as a prerequisite.
5. Order: topological by PREREQUISITE_OF (ties: semester, then id); a cycle is an
   ``InvalidInputError`` naming it. Gaps no candidate closes are listed as uncloseable.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import networkx as nx

from graph.errors import InvalidInputError
from graph.questions.development import Developed
from graph.questions.facts import Facts
from graph.questions.levels import check_level, satisfies
from graph.questions.model import COVERED, Answer, Options, ResourceRef, names
from graph.records import Node
from graph.store import DevelopsRow


@dataclass(frozen=True)
class LearnerGap(Answer):
    """A required competency the learner does not hold at the required level."""

    competency: str
    name_zh: str | None
    name_en: str | None
    dimension: str | None
    status: str
    required_level: int | None
    held_level: int | None
    closed_by: list[str]


@dataclass(frozen=True)
class PathStep(Answer):
    """One course of the path."""

    step: int
    course: str
    name_zh: str | None
    name_en: str | None
    hours: int | None
    semester: int | None
    reason: str  # "gap" or "prerequisite"
    closes: list[str]
    prerequisites: list[str]
    resources: list[ResourceRef]


@dataclass(frozen=True)
class LearningPath(Answer):
    """The answer to question 9."""

    occupation: str
    level: int
    program: str | None
    include_optional: bool
    close_match: bool
    held: list[str]
    gaps: list[LearnerGap]
    steps: list[PathStep]
    uncloseable: list[str]
    total_hours: int
    hours_unknown: list[str]

    def courses(self) -> list[str]:
        return [s.course for s in self.steps]


def check_profile(facts: Facts, profile: Mapping[str, int | None]) -> dict[str, int | None]:
    """The profile checked: every key a competency of the graph, every level valid or None."""
    if not isinstance(profile, Mapping):
        raise InvalidInputError("the profile must map competency ids to levels")
    checked = {
        c: None if lv is None else check_level(facts.schema, lv, f"the level of {c!r}") for c, lv in profile.items()
    }
    facts.expect(checked, "Competency")
    return dict(sorted(checked.items()))


def learning_path(
    facts: Facts,
    profile: Mapping[str, int | None],
    occupation: str,
    level: int,
    program: str | None,
    options: Options,
) -> LearningPath:
    """Question 9."""
    check_level(facts.schema, level)
    facts.nodes([occupation, *([program] if program else []), *profile])
    facts.expect([occupation], "Occupation")
    if program is not None:
        facts.expect([program], "Program")
    held_levels = check_profile(facts, profile)
    requirements = facts.required(occupation, level, options)
    matches = facts.matches([*requirements, *held_levels], options)
    holding = Developed([DevelopsRow(None, None, c, lv) for c, lv in held_levels.items()], matches)
    assessed = {c: holding.assess(c, r.level) for c, r in requirements.items()}
    gaps = [c for c, (status, _) in assessed.items() if status != COVERED]

    # Candidates and what each closes.
    reach = sorted({e for c in gaps for e in matches.equivalents(c)})
    rows = facts.reader.develops(competencies=reach) if reach else []
    semesters: dict[str, int | None] = {}
    if program is not None:
        included = facts.curriculum(program)
        scope = {r.course for r in included}
        rows = [r for r in rows if r.course in scope]
        semesters = {r.course: r.semester for r in included}
    closes: dict[str, set[str]] = {}
    for row in rows:
        if row.course is None:
            continue  # a learning task outside any course cannot be enrolled in
        for c in gaps:
            if row.competency in matches.equivalents(c) and satisfies(requirements[c].level, row.level):
                closes.setdefault(row.course, set()).add(c)
    walk = _Prerequisites(facts, held_levels, options)
    walk.explore(sorted(closes))
    info = facts.nodes([*walk.visited, *requirements])
    chosen, path = _cover(sorted(closes), closes, _costs(walk.visited, info), walk.closure)
    order = _order(path, walk.edges, info, semesters)
    resources = facts.resources(order)
    closed_by: dict[str, list[str]] = {c: [] for c in gaps}
    for course in order:
        for c in sorted(closes.get(course, ())):
            closed_by[c].append(course)
    steps = []
    for i, course in enumerate(order, start=1):
        node = info.get(course)
        props = node.props if node else {}
        steps.append(
            PathStep(
                step=i,
                course=course,
                name_zh=props.get("name_zh"),
                name_en=props.get("name_en"),
                hours=props.get("hours"),
                semester=semesters.get(course) or props.get("semester"),
                reason="gap" if course in chosen else "prerequisite",
                closes=sorted(closes.get(course, ())),
                prerequisites=sorted(b for b, a in walk.edges if a == course and b in path),
                resources=resources.of_course(course),
            )
        )
    gaps.sort(key=facts.dimension_order)
    learner_gaps = []
    for c in gaps:
        node = info.get(c)
        status, held = assessed[c]
        learner_gaps.append(
            LearnerGap(
                c,
                *names(node),
                node.props.get("dimension") if node else None,
                status,
                requirements[c].level,
                held,
                closed_by[c],
            )
        )
    return LearningPath(
        occupation=occupation,
        level=level,
        program=program,
        include_optional=options.include_optional,
        close_match=options.close_match,
        held=sorted((c for c, (status, _) in assessed.items() if status == COVERED), key=facts.dimension_order),
        gaps=learner_gaps,
        steps=steps,
        uncloseable=[c for c in gaps if not closed_by[c]],
        total_hours=sum(s.hours or 0 for s in steps),
        hours_unknown=[s.course for s in steps if not s.hours],
    )


def _costs(courses: Iterable[str], info: dict[str, Node]) -> dict[str, float]:
    hours = {c: info[c].props.get("hours") if c in info else None for c in courses}
    known = sorted(h for h in hours.values() if h)
    default = statistics.median_low(known) if known else 1
    return {c: float(h or default) for c, h in hours.items()}


def _cover(
    candidates: list[str],
    closes: dict[str, set[str]],
    cost: dict[str, float],
    closure: Callable[[Iterable[str]], set[str]],
) -> tuple[list[str], list[str]]:
    """Greedy weighted set cover of every closeable gap, where taking a course means taking its ``closure``
    (itself and the prerequisites it needs); then without the picks the rest of the path makes redundant.
    Returns the picks and the whole path.

    >>> no_prerequisites = set
    >>> closes = {"a": {"x", "y"}, "b": {"x"}, "c": {"y", "z"}}
    >>> _cover(["a", "b", "c"], closes, dict.fromkeys("abc", 1), no_prerequisites)
    (['a', 'c'], ['a', 'c'])
    >>> _cover(["big", "s1", "s2"], {"big": {"x", "y", "z"}, "s1": {"x"}, "s2": {"y", "z"}},
    ...        {"big": 10, "s1": 1, "s2": 1}, no_prerequisites)
    (['s2', 's1'], ['s1', 's2'])
    >>> needs = {"s2": {"s2", "pre"}}  # s2 needs a 20-hour prerequisite: big is cheaper now
    >>> _cover(["big", "s1", "s2"], {"big": {"x", "y", "z"}, "s1": {"x"}, "s2": {"y", "z"}},
    ...        {"big": 10, "s1": 1, "s2": 1, "pre": 20}, lambda cs: set().union(*(needs.get(c, {c}) for c in cs)))
    (['big'], ['big'])
    """

    def closed(courses: Iterable[str]) -> set[str]:
        return set().union(*(closes.get(c, set()) for c in courses))

    wanted = closed(candidates)
    alone = {course: closure([course]) for course in candidates}  # each pick's own closure, asked once
    open_, path, chosen = set(wanted), set(), []
    while open_:
        options = []
        for course in candidates:
            if course in path:
                continue
            added = alone[course] - path
            gained = closed(added) & open_
            if gained:
                hours = sum(cost[c] for c in added)
                options.append(((-len(gained) / hours, -len(gained), hours, course), course, added, gained))
        _, course, added, gained = min(options)
        chosen.append(course)
        path |= added
        open_ -= gained
    for course in reversed(list(chosen)):
        trial = [c for c in chosen if c != course]
        trial_path = closure(trial)
        if closed(trial_path) >= wanted:
            chosen, path = trial, trial_path
    return chosen, sorted(path)


class _Prerequisites:
    """The PREREQUISITE_OF edges upstream of some courses, and which of those courses the learner has mastered."""

    def __init__(self, facts: Facts, profile: dict[str, int | None], options: Options) -> None:
        self.facts, self.profile, self.options = facts, profile, options
        self.edges: set[tuple[str, str]] = set()
        self.mastered: set[str] = set()
        self.visited: set[str] = set()
        self._before: dict[str, set[str]] = {}  # each course's direct prerequisites, of ``edges``

    def explore(self, courses: list[str]) -> None:
        """Walk back from ``courses``, one query per step, not past a mastered course."""
        frontier = sorted(set(courses) - self.visited)
        self.visited |= set(frontier)
        while frontier:
            found = self.facts.reader.prerequisites(frontier)
            for r in found:
                self.edges.add((r.before, r.after))
                self._before.setdefault(r.after, set()).add(r.before)
            fresh = sorted({r.before for r in found} - self.visited)
            self.visited |= set(fresh)
            self.mastered |= set(fresh) - set(self._lacking(fresh))
            frontier = [c for c in fresh if c not in self.mastered]

    def closure(self, courses: Iterable[str]) -> set[str]:
        """``courses`` and the (explored) prerequisites they need, transitively, short of mastered ones."""
        path, stack = set(courses), list(courses)
        while stack:
            for b in self._before.get(stack.pop(), ()):
                if b not in path and b not in self.mastered:
                    path.add(b)
                    stack.append(b)
        return path

    def _lacking(self, courses: list[str]) -> list[str]:
        """The ``courses`` whose developed competencies the learner does not all hold (or that develop nothing)."""
        if not courses:
            return []
        rows = self.facts.develops(courses)
        matches = self.facts.matches({r.competency for r in rows}, self.options)
        holding = Developed([DevelopsRow(None, None, c, lv) for c, lv in self.profile.items()], matches)

        own: dict[str | None, list[DevelopsRow]] = {}
        for r in rows:
            own.setdefault(r.course, []).append(r)

        def mastered(course: str) -> bool:
            mine = own.get(course, ())
            return bool(mine) and all(holding.assess(r.competency, r.level)[0] == COVERED for r in mine)

        return [c for c in courses if not mastered(c)]


def _order(path: Iterable[str], edges: set[tuple[str, str]], info: dict, semesters: dict[str, int | None]) -> list[str]:
    graph = nx.DiGraph()
    graph.add_nodes_from(sorted(path))  # sorted, so the cycle named is the same on every run and store
    graph.add_edges_from(sorted(edges))
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        cycle = None
    if cycle:
        loop = " → ".join([*(a for a, _ in cycle), cycle[0][0]])
        raise InvalidInputError(f"the prerequisites of the path form a cycle: {loop}; fix PREREQUISITE_OF")

    def key(course: str) -> tuple[bool, int, str]:
        node = info.get(course)
        semester = semesters.get(course) or (node.props.get("semester") if node else None)
        return (semester is None, semester or 0, course)

    return [c for c in nx.lexicographical_topological_sort(graph, key=key) if c in path]
