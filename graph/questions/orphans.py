"""Question 4, orphans and redundancy.

Against R: the union of R(O, L) over the occupation asked about, or else over
every occupation P TARGETS (each at the level given, or else at its TARGETS
level, or else at the top level when the target states none):

* orphan courses: P's courses that develop nothing in R (matches followed as in coverage; any level counts);
* redundancy: competencies that ``threshold`` or more of P's courses develop (a course counts once, whether it
  develops the competency directly or through its learning tasks; matches are not merged here);
* untaught tasks: typical work tasks of those occupations from which none of P's learning tasks is DERIVED_FROM.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from graph.errors import InvalidInputError
from graph.questions.facts import Facts
from graph.questions.levels import check_level, level_range
from graph.questions.model import Answer, Options, names, sort_key


@dataclass(frozen=True)
class OrphanCourse(Answer):
    """A course of P that develops nothing the occupations require."""

    course: str
    name_zh: str | None
    name_en: str | None
    required: bool | None
    develops: list[str]


@dataclass(frozen=True)
class Redundancy(Answer):
    """A competency that many of P's courses develop."""

    competency: str
    name_zh: str | None
    name_en: str | None
    courses: list[str]


@dataclass(frozen=True)
class UntaughtTask(Answer):
    """A typical work task with no learning task of P derived from it."""

    task: str
    name_zh: str | None
    name_en: str | None
    occupation: str
    order: int | None


@dataclass(frozen=True)
class Orphans(Answer):
    """The answer to question 4."""

    program: str
    occupations: dict[str, int]
    threshold: int
    orphan_courses: list[OrphanCourse]
    redundant: list[Redundancy]
    untaught_tasks: list[UntaughtTask]


def orphans(
    facts: Facts, program: str, occupation: str | None, level: int | None, options: Options, threshold: int
) -> Orphans:
    """Question 4 for ``program``, against ``occupation`` or all P's targets."""
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 2:
        raise InvalidInputError(f"threshold must be a whole number of courses, 2 or more, not {threshold!r}")
    facts.prefetch(program, occupation, options)
    facts.nodes([program] if occupation is None else [program, occupation])
    facts.expect([program], "Program")
    if occupation is not None:
        facts.expect([occupation], "Occupation")
        occupations = {occupation: facts.level(program, occupation, level)}
    else:
        occupations = _targets(facts, program, level)
    required = facts.required_by(occupations, options)
    wanted = sorted({c for r in required.values() for c in r})
    matches = facts.matches(wanted, options)
    needed = {e for c in wanted for e in matches.equivalents(c)}

    included = facts.curriculum(program)
    courses = [r.course for r in included]
    per_course: dict[str, set[str]] = defaultdict(set)
    for row in facts.develops(courses):
        per_course[row.course or ""].add(row.competency)  # rows from a program's courses always name the course
    developers: dict[str, set[str]] = defaultdict(set)
    for course, competencies in per_course.items():
        for c in competencies:
            developers[c].add(course)

    task_rows = facts.reader.tasks(occupations)
    taught = {r.task for r in facts.learning_tasks(courses) if r.task is not None}
    info = facts.nodes([*courses, *developers, *(r.task for r in task_rows)])
    orphan_courses = [
        OrphanCourse(r.course, *names(info.get(r.course)), r.required, sorted(per_course.get(r.course, ())))
        for r in included
        if not per_course.get(r.course, set()) & needed
    ]
    redundant = [
        Redundancy(c, *names(info.get(c)), sorted(found)) for c, found in developers.items() if len(found) >= threshold
    ]
    redundant.sort(key=lambda r: (-len(r.courses), r.competency))
    untaught = [
        UntaughtTask(r.task, *names(info.get(r.task)), r.occupation, _order(info, r.task))
        for r in task_rows
        if r.task not in taught
    ]
    untaught.sort(key=lambda t: sort_key(t.occupation, t.order, t.task))
    return Orphans(program, dict(sorted(occupations.items())), threshold, orphan_courses, redundant, untaught)


def _order(info: dict, task: str) -> int | None:
    node = info.get(task)
    return node.props.get("order") if node is not None else None


def _targets(facts: Facts, program: str, level: int | None) -> dict[str, int]:
    if level is not None:
        check_level(facts.schema, level)
    top = level_range(facts.schema)[1]
    found = {t.occupation: level or t.level or top for t in facts.reader.targets([program])}
    if not found:
        raise InvalidInputError(f"{program!r} targets no occupation: name the occupation to compare it with")
    return found
