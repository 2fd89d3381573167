"""Co-research, research uptake (共创科研成果): what school–enterprise projects added to teaching, and which of a
program's gaps a running project could close.

* **Projects**: every ResearchProject, with who takes part (schools, employers, master's studios),
  what it YIELDS (resources, learning tasks) and what it CULTIVATES (competencies, at levels).
* **Added to courses**, per course (any program's; ``in_program`` marks P's): the yielded resources
  that SUPPORT the course or one of its learning tasks, the yielded learning tasks it HAS, and the
  competencies those learning tasks DEVELOP there (with their levels).
* **Running** on a day (default today): its start date ≤ the day ≤ its end date; a missing start or
  end leaves that side open.
* **P's gaps**: against R = the union of R(O, L) over the occupation given, or else every occupation
  P TARGETS (each at the level given, else its TARGETS level, else the top level); a competency needed
  by several counts at the highest level any of them requires. Status as in coverage: the under-level
  and missing ones are the gaps.
* **Offers**: a project offers to close gap c when it CULTIVATES c or a competency that counts as c
  (EXACT_MATCH always, CLOSE_MATCH on request), or a learning task it YIELDS DEVELOPS one, at a level
  satisfying the requirement (at or above it, or either side level-agnostic). ``coverable`` lists the
  gaps with an offer from a running project.

Examples
--------
>>> from graph.questions import demo_questions
>>> r = demo_questions().research_uptake("program:IRAM", "csco:6-31-07-03", 3, on="2026-06-01")
>>> r.coverable, [(c.course, c.learning_tasks) for c in r.projects[0].courses]
(['comp:P-15'], [('course:IR-305', ['lt:IR-305-3'])])
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from graph.errors import InvalidInputError
from graph.questions.facts import Facts
from graph.questions.levels import check_level, level_range, satisfies
from graph.questions.matches import Matches
from graph.questions.model import COVERED, Answer, Options, names, sort_key
from graph.store import DevelopsRow, PlacementRow, ResearchRow

CULTIVATES, YIELDS, PARTICIPATES_IN = "CULTIVATES", "YIELDS", "PARTICIPATES_IN"


@dataclass(frozen=True)
class CompetencyLevel(Answer):
    """A competency at a level (None: level-agnostic), and the learning task that develops it, if any."""

    competency: str
    level: int | None
    learning_task: str | None = None


@dataclass(frozen=True)
class CourseUptake(Answer):
    """What one project added to one course."""

    course: str
    name_zh: str | None
    name_en: str | None
    in_program: bool
    resources: list[str]
    learning_tasks: list[str]
    competencies: list[CompetencyLevel]


@dataclass(frozen=True)
class ProjectUptake(Answer):
    """A research project: who, when, under which agreement, what it yields and where that went."""

    project: str
    name_zh: str | None
    name_en: str | None
    start_date: str | None
    end_date: str | None
    running: bool
    ownership: str | None
    ownership_note: str | None
    schools: list[str]
    employers: list[str]
    studios: list[str]
    resources: list[str]
    learning_tasks: list[str]
    cultivates: list[CompetencyLevel]
    courses: list[CourseUptake]
    could_cover: list[str]


@dataclass(frozen=True)
class Offer(Answer):
    """How a project could close a gap: it CULTIVATES ``competency``, or its ``learning_task`` DEVELOPS it."""

    project: str
    running: bool
    via: str  # "cultivates" or "learning_task"
    learning_task: str | None
    competency: str
    level: int | None


@dataclass(frozen=True)
class GapOffers(Answer):
    """A gap of P and the projects that could close it."""

    competency: str
    name_zh: str | None
    name_en: str | None
    dimension: str | None
    status: str
    required_level: int | None
    developed_level: int | None
    occupations: list[str]
    offers: list[Offer]


@dataclass(frozen=True)
class ResearchUptake(Answer):
    """The answer to the research-uptake question."""

    program: str
    occupations: dict[str, int]
    on: str
    include_optional: bool
    close_match: bool
    projects: list[ProjectUptake]
    gaps: list[GapOffers]
    coverable: list[str]


def as_day(on: date | str | None) -> date:
    """The day asked about: a date, ISO text (YYYY-MM-DD) or None for today.

    >>> as_day("2026-06-01")
    datetime.date(2026, 6, 1)
    """
    if on is None:
        return date.today()
    if isinstance(on, date):
        return on
    try:
        return date.fromisoformat(str(on).strip())
    except ValueError:
        raise InvalidInputError(f"the day must be a date written as YYYY-MM-DD, not {on!r}") from None


def running(start: str | None, end: str | None, day: date) -> bool:
    """Whether a project with these ISO dates runs on ``day`` (a missing date leaves that side open).

    >>> running("2025-09-01", None, date(2030, 1, 1)), running("2025-09-01", "2026-01-31", date(2026, 2, 1))
    (True, False)
    """
    text = day.isoformat()
    return (start is None or start <= text) and (end is None or text <= end)


def research_uptake(
    facts: Facts, program: str, occupation: str | None, level: int | None, options: Options, on: date | str | None
) -> ResearchUptake:
    """Research uptake for ``program``, its gaps against ``occupation`` (or all its targets), on day ``on``."""
    day = as_day(on)
    facts.nodes([program] if occupation is None else [program, occupation])
    facts.expect([program], "Program")
    if occupation is not None:
        facts.expect([occupation], "Occupation")
        occupations = {occupation: facts.level(program, occupation, level)}
    else:
        occupations = _targets(facts, program, level)
    courses = [r.course for r in facts.curriculum(program)]

    # The projects and their links.
    project_ids = sorted(facts.reader.projects())
    links = sorted(set(facts.reader.research(project_ids)) if project_ids else set(), key=lambda r: sort_key(*r))
    info = facts.nodes([*project_ids, *(r.other for r in links)])
    label = {i: n.label for i, n in info.items()}
    props = {p: info[p].props if p in info else {} for p in project_ids}
    runs = {p: running(props[p].get("start_date"), props[p].get("end_date"), day) for p in project_ids}
    yielded = {r.other for r in links if r.relation == YIELDS}
    yielded_tasks = {i for i in yielded if label.get(i) == "LearningTask"}

    # P's gaps, and the developments that could close them.
    gaps, matches = _gaps(facts, occupations, courses, options)
    wanted = {c: matches.equivalents(c) for c in gaps}
    everything = sorted({e for group in wanted.values() for e in group})
    found = facts.reader.develops(competencies=everything) if yielded_tasks and everything else []
    developments = [r for r in found if r.learning_task in yielded_tasks]
    offers: dict[str, list[Offer]] = defaultdict(list)
    for c, (required, _, _, _) in gaps.items():
        for r in links:
            if r.relation == CULTIVATES and r.other in wanted[c] and satisfies(required, r.level):
                offers[c].append(Offer(r.project, runs[r.project], "cultivates", None, r.other, r.level))
        for r in links:
            if r.relation != YIELDS or r.other not in yielded_tasks:
                continue
            for d in developments:
                if d.learning_task == r.other and d.competency in wanted[c] and satisfies(required, d.level):
                    offers[c].append(Offer(r.project, runs[r.project], "learning_task", r.other, d.competency, d.level))
    for c in offers:
        offers[c] = sorted(set(offers[c]), key=lambda o: sort_key(o.project, o.via, o.learning_task, o.competency))

    # Where the yields went: one read for every project's resources and learning tasks, one for what
    # those learning tasks develop in their courses.
    placements = sorted(set(facts.reader.placements(sorted(yielded))) if yielded else set(), key=lambda r: sort_key(*r))
    hosting = sorted({r.course for r in placements if r.course is not None and r.item in yielded_tasks})
    taught = [r for r in facts.develops(hosting) if r.learning_task in yielded_tasks]
    gap_nodes = facts.nodes([*gaps, *(r.course for r in placements if r.course is not None)])
    projects = [
        _project(
            facts,
            Yields(p, props[p], runs[p], [r for r in links if r.project == p], label),
            placements,
            taught,
            set(courses),
            sorted((c for c, found in offers.items() if any(o.project == p for o in found)), key=facts.dimension_order),
        )
        for p in project_ids
    ]
    gap_rows = []
    for c in sorted(gaps, key=facts.dimension_order):
        required, developed, status, needed_by = gaps[c]
        node = gap_nodes.get(c)
        gap_rows.append(
            GapOffers(
                c,
                *names(node),
                node.props.get("dimension") if node else None,
                status,
                required,
                developed,
                needed_by,
                offers.get(c, []),
            )
        )
    coverable = [g.competency for g in gap_rows if any(o.running for o in g.offers)]
    return ResearchUptake(
        program,
        dict(sorted(occupations.items())),
        day.isoformat(),
        options.include_optional,
        options.close_match,
        projects,
        gap_rows,
        coverable,
    )


def _targets(facts: Facts, program: str, level: int | None) -> dict[str, int]:
    """Every occupation ``program`` TARGETS, at ``level``, else the TARGETS level, else the top level."""
    if level is not None:
        check_level(facts.schema, level)
    top = level_range(facts.schema)[1]
    found = {t.occupation: level or t.level or top for t in facts.reader.targets([program])}
    if not found:
        raise InvalidInputError(f"{program!r} targets no occupation: name the occupation to compare it with")
    return found


Gap = tuple[int | None, int | None, str, list[str]]


def _gaps(
    facts: Facts, occupations: dict[str, int], courses: list[str], options: Options
) -> tuple[dict[str, Gap], Matches]:
    """Competency → (required level, developed level, status, occupations needing it) for P's gaps, and the
    matches read for R."""
    required_by = facts.required_by(occupations, options)
    merged: dict[str, list[tuple[str, int | None]]] = defaultdict(list)
    for occupation, requirements in required_by.items():
        for c, req in requirements.items():
            merged[c].append((occupation, req.level))
    matches = facts.matches(sorted(merged), options)
    developed = facts.developed(courses, matches)
    gaps: dict[str, Gap] = {}
    for c in sorted(merged):
        levels = [lv for _, lv in merged[c] if lv is not None]
        required = max(levels) if levels else None
        status, level = developed.assess(c, required)
        if status != COVERED:
            gaps[c] = (required, level, status, sorted(o for o, _ in merged[c]))
    return gaps, matches


@dataclass(frozen=True)
class Yields:
    """One project as read: its properties, whether it runs, its links, and the labels of what they reach."""

    project: str
    props: dict[str, Any]
    running: bool
    links: list[ResearchRow]
    label: dict[str, str]

    def linked(self, relation: str, node_label: str | None = None) -> list[str]:
        found = {r.other for r in self.links if r.relation == relation}
        return sorted(i for i in found if node_label is None or self.label.get(i) == node_label)


def _project(
    facts: Facts,
    y: Yields,
    placements: list[PlacementRow],
    taught: list[DevelopsRow],
    inside: set[str],
    could_cover: list[str],
) -> ProjectUptake:
    """One project's answer: participants, yields, where the yields went, which gaps it could close."""
    items = set(y.linked(YIELDS))
    tasks = set(y.linked(YIELDS, "LearningTask"))
    per_course: dict[str, dict[str, set[str]]] = defaultdict(lambda: {"resources": set(), "learning_tasks": set()})
    for row in placements:
        if row.item not in items or row.course is None:
            continue  # a resource for a learning task that is in no course has reached no course (yet)
        per_course[row.course]["learning_tasks" if row.item in tasks else "resources"].add(row.item)
    course_nodes = facts.nodes(per_course)
    course_rows = [
        CourseUptake(
            course=c,
            name_zh=names(course_nodes.get(c))[0],
            name_en=names(course_nodes.get(c))[1],
            in_program=c in inside,
            resources=sorted(found["resources"]),
            learning_tasks=sorted(found["learning_tasks"]),
            competencies=sorted(
                {
                    CompetencyLevel(d.competency, d.level, d.learning_task)
                    for d in taught
                    if d.course == c and d.learning_task in found["learning_tasks"]
                },
                key=lambda x: sort_key(x.learning_task, x.competency, x.level),
            ),
        )
        for c, found in per_course.items()
    ]
    course_rows.sort(key=lambda row: (not row.in_program, row.course))
    p = y.props
    return ProjectUptake(
        project=y.project,
        name_zh=p.get("name_zh"),
        name_en=p.get("name_en"),
        start_date=p.get("start_date"),
        end_date=p.get("end_date"),
        running=y.running,
        ownership=p.get("ownership"),
        ownership_note=p.get("ownership_note"),
        schools=y.linked(PARTICIPATES_IN, "School"),
        employers=y.linked(PARTICIPATES_IN, "Employer"),
        studios=y.linked(PARTICIPATES_IN, "MasterStudio"),
        resources=y.linked(YIELDS, "Resource"),
        learning_tasks=sorted(tasks),
        cultivates=sorted(
            (CompetencyLevel(r.other, r.level) for r in y.links if r.relation == CULTIVATES),
            key=lambda x: sort_key(x.competency, x.level),
        ),
        courses=course_rows,
        could_cover=could_cover,
    )
