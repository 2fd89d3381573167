"""Reading what a question needs, through one ``GraphReader``: checked ids, cached nodes, R, D and demand.

Everything here runs inside ``GraphStore.read``, so one question sees one state
of the graph. Stores return rows in no particular order: whatever is listed is
sorted (and sums are taken in sorted order), so answers never depend on it.
"""

from __future__ import annotations

from collections.abc import Iterable

from graph.errors import InvalidInputError, NotFoundError
from graph.questions.development import Developed
from graph.questions.headcount import Demand, current
from graph.questions.levels import check_level, level_range
from graph.questions.matches import Matches, gather
from graph.questions.model import Options, ResourceRef, sort_key
from graph.questions.requirements import Requirement, required, required_levels
from graph.records import Node
from graph.store import DevelopsRow, GraphReader, IncludesRow, LearningTaskRow, RequirementRow, SupportRow
from ontology.schema import Schema


class Facts:
    """A question's view of the graph: the reader's primitives plus checks and caches."""

    def __init__(self, reader: GraphReader, schema: Schema) -> None:
        self.reader = reader
        self.schema = schema
        self._nodes: dict[str, Node | None] = {}

    def prefetch(self, program: str, occupation: str | None, options: Options, demand: bool = False) -> None:
        """Tell the store what a program × occupation question reads first (see ``GraphReader.prefetch``)."""
        self.reader.prefetch([program], [] if occupation is None else [occupation], demand, options.close_match)

    # -- nodes

    def nodes(self, ids: Iterable[str]) -> dict[str, Node]:
        """The nodes among ``ids`` that exist (fetched once each per question)."""
        ids = list(dict.fromkeys(ids))
        wanted = [i for i in ids if i not in self._nodes]
        if wanted:
            found = self.reader.nodes(wanted)
            for node_id in wanted:
                self._nodes[node_id] = found.get(node_id)
        return {i: n for i in ids if (n := self._nodes[i]) is not None}

    def dimension_order(self, competency: str) -> tuple[int, str]:
        """Sort key for competencies: the ontology's dimension order, then id (fetched nodes only)."""
        dimensions = self.schema.enumeration("CompetencyDimensionScheme").notations
        node = self._nodes.get(competency)
        dimension = node.props.get("dimension") if node is not None else None
        return (dimensions.index(dimension) if dimension in dimensions else len(dimensions), competency)

    def node(self, node_id: str) -> Node | None:
        if node_id in self._nodes:  # answers name their rows one by one: a heavy gaps answer ~100 times
            return self._nodes[node_id]
        return self.nodes([node_id]).get(node_id)

    def expect(self, ids: Iterable[str], label: str) -> None:
        """Raise ``NotFoundError`` naming every one of ``ids`` that is not a ``label`` node of the graph."""
        ids = list(dict.fromkeys(ids))
        found = self.nodes(ids)
        wrong = []
        for node_id in ids:
            node = found.get(node_id)
            if node is None:
                wrong.append(repr(node_id))
            elif node.label != label:
                article = "an" if node.label[0] in "AEIOU" else "a"
                wrong.append(f"{node_id!r} (it is {article} {node.label})")
        if wrong:
            raise NotFoundError(f"no {label} {', '.join(wrong)} in the graph")

    # -- programs

    def curriculum(self, program: str) -> list[IncludesRow]:
        """The INCLUDES rows of ``program``, in semester order (the semester of INCLUDES, else the course's)."""
        rows = self.reader.includes(programs=[program])
        courses = self.nodes(r.course for r in rows if r.semester is None)  # read only when INCLUDES lacks it
        return sorted(rows, key=lambda r: sort_key(self.semester(r, courses.get(r.course)), r.course))

    @staticmethod
    def semester(row: IncludesRow | None, course: Node | None) -> int | None:
        if row is not None and row.semester is not None:
            return row.semester
        return None if course is None else course.props.get("semester")

    def level(self, program: str | None, occupation: str, level: int | None) -> int:
        """``level`` checked, or, when None, the level at which ``program`` TARGETS ``occupation``."""
        if level is not None:
            return check_level(self.schema, level)
        if program is not None:
            for target in self.reader.targets([program]):
                if target.occupation == occupation and target.level is not None:
                    return target.level
        low, high = level_range(self.schema)
        raise InvalidInputError(
            f"give a level from {low} to {high}: {program!r} does not target {occupation!r} at a stated level"
            if program
            else f"give a level from {low} to {high}"
        )

    def learning_tasks(self, courses: Iterable[str]) -> list[LearningTaskRow]:
        return sorted(self.reader.learning_tasks(courses), key=lambda r: sort_key(*r))

    # -- requirements and development

    def required(self, occupation: str, level: int, options: Options) -> dict[str, Requirement]:
        return required(self.reader.requirements([occupation]), level, options.include_optional)

    def required_by(self, occupations: dict[str, int], options: Options) -> dict[str, dict[str, Requirement]]:
        """R(o, level) for each occupation → level, in one read."""
        rows = self._requirement_rows(occupations)
        return {o: required(rows[o], occupations[o], options.include_optional) for o in sorted(occupations)}

    def levels_required_by(self, occupations: dict[str, int], options: Options) -> dict[str, dict[str, int | None]]:
        """Each competency of R(o, level) with its required level, for each occupation → level, in one read:
        what a ranking tallies (``requirements.required_levels``)."""
        rows = self._requirement_rows(occupations)
        return {o: required_levels(rows[o], occupations[o], options.include_optional) for o in sorted(occupations)}

    def _requirement_rows(self, occupations: Iterable[str]) -> dict[str, list[RequirementRow]]:
        rows: dict[str, list[RequirementRow]] = {o: [] for o in occupations}
        for row in self.reader.requirements(list(rows)):
            rows[row.occupation].append(row)
        return rows

    def tasks(self, occupation: str, with_nodes: Iterable[str] = ()) -> list[str]:
        """The typical work tasks of ``occupation``, by their ``order`` then id.

        The tasks' nodes are read in one go with the nodes ``with_nodes`` (saving a read).
        """
        ids = [r.task for r in self.reader.tasks([occupation])]
        nodes = self.nodes([*ids, *with_nodes])
        return sorted(set(ids), key=lambda t: sort_key(nodes[t].props.get("order") if t in nodes else None, t))

    def matches(self, competencies: Iterable[str], options: Options) -> Matches:
        return gather(self.reader, competencies, options.close_match)

    def develops(self, courses: Iterable[str]) -> list[DevelopsRow]:
        courses = list(courses)
        return self.reader.develops(courses=courses) if courses else []

    def developed(self, courses: Iterable[str], matches: Matches, extra: Iterable[DevelopsRow] = ()) -> Developed:
        return Developed([*self.develops(courses), *extra], matches)

    # -- demand

    def demand(
        self,
        occupations: Iterable[str] | None,
        competencies: Iterable[str] | None,
        *,
        year: int | None = None,
        region: str | None = None,
        industry: str | None = None,
    ) -> Demand:
        """Current demand (see ``headcount.current``) for ``occupations`` and NEEDS of ``competencies``
        (None: all), from employers in ``region`` / ``industry``."""
        occupations = None if occupations is None else list(occupations)
        competencies = None if competencies is None else list(competencies)
        demands = (
            [] if occupations == [] else self.reader.demands(occupations=occupations, region=region, industry=industry)
        )
        needs = (
            [] if competencies == [] else self.reader.needs(competencies=competencies, region=region, industry=industry)
        )
        return Demand(current(demands, year), needs)

    # -- delivery

    def resources(
        self, courses: Iterable[str], learning_tasks: Iterable[str] = (), with_nodes: Iterable[str] = ()
    ) -> Resources:
        """The resources of ``courses`` (and of their learning tasks) and of ``learning_tasks``.

        Two reads: what SUPPORTS them, and the resources' nodes, read together with the nodes ``with_nodes``.
        """
        courses, learning_tasks = list(courses), list(learning_tasks)
        rows = self.reader.supports(courses, learning_tasks) if courses or learning_tasks else []
        nodes = self.nodes([*(r.resource for r in rows), *with_nodes])
        return Resources(rows, nodes)


class Resources:
    """Which resources support which courses and learning tasks.

    A course is taught with its own resources and its learning tasks'; a learning
    task with its own and its course's.
    """

    def __init__(self, rows: Iterable[SupportRow], nodes: dict[str, Node]) -> None:
        self._own: dict[str, dict[str, ResourceRef]] = {}  # course or learning task → its own resources
        self._tasks: dict[str, dict[str, None]] = {}  # course → its learning tasks that have resources
        for row in rows:
            if row.course is not None and row.learning_task is not None:
                self._tasks.setdefault(row.course, {})[row.learning_task] = None
            target = row.learning_task if row.learning_task is not None else row.course
            self._own.setdefault(target or "", {})[row.resource] = ResourceRef.of(nodes[row.resource])

    def _merge(self, targets: Iterable[str | None]) -> list[ResourceRef]:
        found: dict[str, ResourceRef] = {}
        for target in targets:
            found.update(self._own.get(target or "", {}))
        return [found[i] for i in sorted(found)]

    def of_course(self, course: str) -> list[ResourceRef]:
        return self._merge([course, *self._tasks.get(course, ())])

    def of_learning_task(self, learning_task: str, course: str | None) -> list[ResourceRef]:
        return self._merge([learning_task, course])
