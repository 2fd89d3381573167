"""Question 3, the curriculum map: P's courses × competencies (with developed levels) and × typical work tasks.

Rows are P's courses in semester order; competency columns are grouped by
dimension (the ontology's order), then by id. A cell is a course that
develops the column's competency, directly or through its learning tasks, with
the highest level it states. Given an occupation O, the columns also hold every
competency of R(O, L) with its required level and coverage status, and a course
that develops only a match of a required competency gets a cell naming the
match (``via``). The task map pairs each course with the typical work tasks its
learning tasks derive from.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from graph.questions.coverage import Coverage, score, setting
from graph.questions.development import Developed, Source
from graph.questions.facts import Facts
from graph.questions.matches import Matches
from graph.questions.model import Answer, Options, names, sort_key
from graph.records import Node
from graph.store import IncludesRow, LearningTaskRow


@dataclass(frozen=True)
class MapRow(Answer):
    """A course of the program."""

    course: str
    name_zh: str | None
    name_en: str | None
    category: str | None
    hours: int | None
    semester: int | None
    required: bool | None


@dataclass(frozen=True)
class MapColumn(Answer):
    """A competency: developed by the program, required by the occupation, or both."""

    competency: str
    name_zh: str | None
    name_en: str | None
    dimension: str | None
    required: bool
    required_level: int | None
    status: str | None


@dataclass(frozen=True)
class MapCell(Answer):
    """Course × competency: the highest level the course develops it at (None: level-agnostic only)."""

    course: str
    competency: str
    level: int | None
    direct: bool
    learning_tasks: list[str]
    via: list[str]


@dataclass(frozen=True)
class TaskColumn(Answer):
    """A typical work task."""

    task: str
    name_zh: str | None
    name_en: str | None
    order: int | None


@dataclass(frozen=True)
class TaskCell(Answer):
    """Course × typical work task: the course's learning tasks derived from the task."""

    course: str
    task: str
    learning_tasks: list[str]


@dataclass(frozen=True)
class CurriculumMap(Answer):
    """The answer to question 3: sparse matrices (rows, columns, cells) ready to render."""

    program: str
    occupation: str | None
    level: int | None
    include_optional: bool
    close_match: bool
    rows: list[MapRow]
    columns: list[MapColumn]
    cells: list[MapCell]
    task_columns: list[TaskColumn]
    task_cells: list[TaskCell]

    def grid(self, agnostic: int | str = "✓") -> list[list[int | str | None]]:
        """The course × competency matrix: a level, ``agnostic`` for a level-agnostic cell, None for none.

        >>> m = CurriculumMap("p", None, None, False, False, [MapRow("c1", *[None] * 6)],
        ...     [MapColumn("x", None, None, None, False, None, None)], [MapCell("c1", "x", 2, True, [], [])], [], [])
        >>> m.grid()
        [[2]]
        """
        at = {(c.course, c.competency): c.level for c in self.cells}
        return [
            [
                (agnostic if at[key] is None else at[key]) if (key := (r.course, col.competency)) in at else None
                for col in self.columns
            ]
            for r in self.rows
        ]

    def table(self) -> list[list[str]]:
        """The matrix as text rows for CSV/XLSX: a header of competency ids, then one row per course."""
        header = ["course", "name_zh", *(c.competency for c in self.columns)]
        body = [
            [r.course, r.name_zh or "", *("" if v is None else str(v) for v in values)]
            for r, values in zip(self.rows, self.grid(), strict=True)
        ]
        return [header, *body]


def curriculum_map(
    facts: Facts, program: str, occupation: str | None, level: int | None, options: Options
) -> CurriculumMap:
    """Question 3 for ``program`` (against ``occupation`` at ``level`` when given)."""
    facts.prefetch(program, occupation, options)
    facts.nodes([program] if occupation is None else [program, occupation])
    facts.expect([program], "Program")
    cov: Coverage | None = None
    included = facts.curriculum(program)
    courses = [r.course for r in included]
    if occupation is not None:
        facts.expect([occupation], "Occupation")
        level = facts.level(program, occupation, level)
        s = setting(facts, occupation, level, options, None)
        matches = s.matches
        developed = facts.developed(courses, matches)
        cov = score(facts, s, program, courses, developed)
        tasks = s.tasks
    else:
        level = None
        matches = Matches([], close=False)
        developed = facts.developed(courses, matches)
    learning = facts.learning_tasks(courses)
    if occupation is None:
        tasks = sorted({r.task for r in learning if r.task is not None})
    required = [c.competency for c in cov.competencies] if cov else []
    # Required competencies that no course develops are columns too, and need their names.
    info = facts.nodes([*courses, *developed.competencies, *required, *tasks])
    if occupation is None:
        tasks.sort(key=lambda t: sort_key(info[t].props.get("order") if t in info else None, t))
    rows = [_row(r, info.get(r.course)) for r in included]
    columns = _columns(facts, developed, cov, info)
    return CurriculumMap(
        program=program,
        occupation=occupation,
        level=level,
        include_optional=options.include_optional,
        close_match=options.close_match,
        rows=rows,
        columns=columns,
        cells=_cells(rows, columns, developed, cov),
        task_columns=[TaskColumn(t, *names(info.get(t)), _order(info.get(t))) for t in tasks],
        task_cells=_task_cells(rows, tasks, learning),
    )


def _order(node: Node | None) -> int | None:
    return node.props.get("order") if node is not None else None


def _row(included: IncludesRow, node: Node | None) -> MapRow:
    props = node.props if node is not None else {}
    return MapRow(
        included.course,
        props.get("name_zh"),
        props.get("name_en"),
        props.get("category"),
        props.get("hours"),
        Facts.semester(included, node),
        included.required,
    )


def _columns(facts: Facts, developed: Developed, cov: Coverage | None, info: dict[str, Node]) -> list[MapColumn]:
    required = {c.competency: c for c in cov.competencies} if cov else {}
    columns = []
    for c in sorted(set(developed.competencies) | set(required)):
        props = info[c].props if c in info else {}
        req = required.get(c)
        columns.append(
            MapColumn(
                competency=c,
                name_zh=props.get("name_zh"),
                name_en=props.get("name_en"),
                dimension=props.get("dimension"),
                required=req is not None,
                required_level=req.required_level if req else None,
                status=req.status if req else None,
            )
        )
    columns.sort(key=lambda col: facts.dimension_order(col.competency))
    return columns


def _cells(rows: list[MapRow], columns: list[MapColumn], developed: Developed, cov: Coverage | None) -> list[MapCell]:
    in_rows = {r.course for r in rows}
    cells = []
    for col in columns:
        # A required column counts matches (as coverage does); any other column only itself.
        sources = developed.sources(col.competency) if col.required else developed.direct(col.competency)
        by_course: dict[str, list[Source]] = defaultdict(list)
        for src in sources:
            if src.course is not None and src.course in in_rows:
                by_course[src.course].append(src)
        for course, found in by_course.items():
            own = [s for s in found if s.competency == col.competency]
            counted = own or found
            cells.append(
                MapCell(
                    course=course,
                    competency=col.competency,
                    level=max((s.level for s in counted if s.level is not None), default=None),
                    direct=any(s.learning_task is None for s in counted),
                    learning_tasks=sorted({s.learning_task for s in counted if s.learning_task is not None}),
                    via=[] if own else sorted({s.competency for s in found}),
                )
            )
    position = {r.course: i for i, r in enumerate(rows)}
    column_position = {c.competency: i for i, c in enumerate(columns)}
    cells.sort(key=lambda cell: (position[cell.course], column_position[cell.competency]))
    return cells


def _task_cells(rows: list[MapRow], tasks: list[str], learning: list[LearningTaskRow]) -> list[TaskCell]:
    wanted = set(tasks)
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in learning:
        if r.task in wanted:
            found[(r.course, r.task)].add(r.learning_task)
    position = {t: i for i, t in enumerate(tasks)}
    cells = [TaskCell(course, task, sorted(lts)) for (course, task), lts in found.items()]
    row_position = {r.course: i for i, r in enumerate(rows)}
    cells.sort(key=lambda c: (row_position[c.course], position[c.task]))
    return cells
