"""A program at a glance: the occupations it TARGETS and the courses it INCLUDES.

Where a person or a front end starts before asking a question of a program: the
occupations to choose from (with the level each is targeted at) and the courses a
what-if can leave out. Targets come the highest level first (usually the program's
main aim), then by id; courses in the curriculum's order (``Facts.curriculum``, as the
curriculum map's rows: by semester, a course without one first, then by id). A course's
semester is the INCLUDES one, else the course's own; a course is required unless
INCLUDES says ``required`` false.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graph.questions.facts import Facts
from graph.questions.model import Answer, names

#: Properties of the program's node the summary names in fields of their own.
_NAMED = ("name_zh", "name_en")


@dataclass(frozen=True)
class ProgramTarget(Answer):
    """An occupation the program TARGETS, at the level it states (None: none stated)."""

    occupation: str
    name_zh: str | None
    name_en: str | None
    level: int | None


@dataclass(frozen=True)
class ProgramCourse(Answer):
    """A course the program INCLUDES."""

    course: str
    name_zh: str | None
    name_en: str | None
    semester: int | None
    required: bool
    hours: int | None
    category: str | None


@dataclass(frozen=True)
class ProgramSummary(Answer):
    """The answer: the program, its targets and its courses."""

    program: str
    name_zh: str | None
    name_en: str | None
    properties: dict[str, Any]
    targets: list[ProgramTarget]
    courses: list[ProgramCourse]


def summary(facts: Facts, program: str) -> ProgramSummary:
    """The summary of ``program``."""
    facts.expect([program], "Program")
    targets = facts.reader.targets([program])
    curriculum = facts.curriculum(program)
    nodes = facts.nodes([*(t.occupation for t in targets), *(r.course for r in curriculum)])
    listed_targets = sorted(
        (ProgramTarget(t.occupation, *names(nodes.get(t.occupation)), t.level) for t in targets),
        key=lambda t: (-(t.level or 0), t.occupation),
    )
    courses = []
    for row in curriculum:
        course = nodes.get(row.course)
        props = course.props if course is not None else {}
        semester = Facts.semester(row, course)
        hours, category = props.get("hours"), props.get("category")
        courses.append(ProgramCourse(row.course, *names(course), semester, row.required is not False, hours, category))
    node = facts.node(program)
    assert node is not None  # expect() found it
    properties = {k: v for k, v in node.props.items() if k not in _NAMED}
    return ProgramSummary(program, *names(node), properties, listed_targets, courses)
