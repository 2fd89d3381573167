"""One round trip, on Neo4j, for what a program × occupation question reads first.

A question asks its store a handful of primitives one after the other: the
program's targets and curriculum, what the curriculum develops, the
occupation's requirements and tasks, the matches of the required competencies,
the nodes of all of them (and, for gaps, the employers' demand). On Neo4j each
primitive is a round trip of about a millisecond for a few rows, so the round
trips, not the reads, are the cost of a question (bench/analysis.md, Miss 4).

``prefetch_query`` nests the primitives' *own* Cypher — the same text, its
``$ids`` bound to what the previous step returned — as subqueries of one
statement, so the rows are exactly those the primitives would return.
``Prefetched`` keeps them per id; the reader answers a later primitive call from
them when every id it asks for was prefetched, and asks the database otherwise.
"""

from __future__ import annotations

import functools
import textwrap
from collections import deque
from collections.abc import Callable, Iterable
from operator import attrgetter
from typing import Any

from graph.cypher import QuestionQueries
from graph.records import Node
from graph.store import (
    DemandRow,
    Developers,
    DevelopsRow,
    IncludesRow,
    MatchRow,
    NeedRow,
    RequirementRow,
    SupportRow,
    TargetRow,
    TaskRow,
)

#: The steps of matches the prefetch reads, the required competencies' own being the first. The engine follows
#: EXACT_MATCH until a step finds nothing new, and alignments are hub and spoke (every framework matched to
#: ESCO): from a spoke, the hub is one step away, the other spokes two, and the third step finds nothing new.
#: A longer chain is read on, one statement per step, by ``gather``.
MATCH_STEPS = 3


def _bound(query: str, **variables: str) -> str:
    """``query`` with each parameter ``$name`` of ``variables`` read from that variable instead."""
    for name, variable in variables.items():
        query = query.replace(f"${name}", variable)
    return query


def _collected(name: str, inputs: str, query: str, columns: str) -> str:
    """A subquery collecting the rows of ``query`` (run over ``inputs``) as one list ``name``, empty for none."""
    inner = textwrap.indent(query, "    ")
    return f"CALL ({inputs}) {{\n  CALL ({inputs}) {{\n{inner}\n  }}\n  RETURN collect([{columns}]) AS {name}\n}}"


def _distinct(name: str, inputs: str, expression: str) -> str:
    """A subquery giving the distinct non-null values of ``expression`` (over ``x``) as the list ``name``."""
    return f"CALL ({inputs}) {{\n  {expression}\n  RETURN collect(DISTINCT x) AS {name}\n}}"


#: The variables of each step of matches after the first: the ids it reads, and their matches.
_MATCH_STEP_NAMES = [(f"matchIds{step}", f"matches{step}") for step in range(1, MATCH_STEPS)]


def _match_steps(q: QuestionQueries) -> list[str]:
    """The subqueries reading the matches of the required competencies (``competencyIds``), then of what each
    step found that no step before had read, ``MATCH_STEPS`` steps in all."""
    parts = [_collected("matches", "competencyIds", _bound(q.matches, ids="competencyIds"), "competency, other, kind")]
    read, previous = ["competencyIds"], "matches"
    for ids, found in _MATCH_STEP_NAMES:
        unread = " AND ".join(f"NOT x IN {r}" for r in read)
        parts += [
            _distinct(ids, ", ".join([previous, *read]), f"UNWIND {previous} AS m WITH m[1] AS x WHERE {unread}"),
            _collected(found, ids, _bound(q.matches, ids=ids), "competency, other, kind"),
        ]
        read, previous = [*read, ids], found
    return parts


@functools.cache
def prefetch_query(q: QuestionQueries, demand: bool) -> str:
    """The statement reading a program × occupation question's first primitives at once.

    Parameters: ``$programs``, ``$occupations``, ``$kinds`` (the match types the question follows), and with ``demand``
    ``$employers``, ``$region``, ``$industry`` (all null).
    """
    parts = [
        "WITH $programs AS programIds, $occupations AS occupationIds",
        _collected("targets", "programIds", _bound(q.targets, ids="programIds"), "program, occupation, level"),
        _collected(
            "includes",
            "programIds",
            _bound(q.includes_of_programs, ids="programIds"),
            "program, course, semester, required",
        ),
        _distinct("courseIds", "includes", "UNWIND includes AS r WITH r[1] AS x"),
        _collected("develops", "courseIds", _bound(q.develops_of_courses, ids="courseIds"), "course, rows"),
        _collected("requirements", "occupationIds", _bound(q.requirements, ids="occupationIds"), "occupation, rows"),
        _collected("tasks", "occupationIds", _bound(q.tasks, ids="occupationIds"), "occupation, task"),
        _distinct("competencyIds", "requirements", "UNWIND requirements AS r UNWIND r[1] AS row WITH row[1] AS x"),
        *_match_steps(q),
        _distinct(
            "nodeIds",
            "programIds, occupationIds, tasks, competencyIds",
            "UNWIND programIds + occupationIds + [t IN tasks | t[1]] + competencyIds AS x WITH x",
        ),
        _collected("nodes", "nodeIds", _bound(q.nodes, ids="nodeIds"), "label, props"),
    ]
    columns = "targets, includes, courseIds, develops, requirements, tasks, competencyIds, matches"
    columns += "".join(f", {ids}, {found}" for ids, found in _MATCH_STEP_NAMES)
    columns += ", nodeIds, nodes"
    if demand:
        demands = _bound(q.demands_from.of_targets, occupations="occupationIds")
        needs = _bound(q.needs_from.of_targets, competencies="competencyIds")
        parts += [
            _collected("demands", "occupationIds", demands, "employer, occupation, headcount, year, level"),
            _collected("needs", "competencyIds", needs, "employer, competency, level"),
        ]
        columns += ", demands, needs"
    return "\n".join([*parts, f"RETURN {columns}"])


@functools.cache
def candidates_query(q: QuestionQueries) -> str:
    """The statement reading a question's candidates and what it shows of them at once: the developers
    (``GraphReader.developers``), the programs including their courses, what supports those courses (and
    their learning tasks) and learning tasks, and the nodes of the resources, of the courses and learning tasks
    and of ``$nodes``.
    Parameters: ``$wanted``, ``$outside``, ``$limit`` (as ``developers`` takes them), ``$nodes``."""
    parts = [
        "WITH $nodes AS extraIds",
        _collected("developers", "", q.developers, "competency, best, count"),
        _distinct("courseIds", "developers", "UNWIND developers AS d UNWIND d[1] AS r WITH r[0] AS x"),
        _distinct("taskIds", "developers", "UNWIND developers AS d UNWIND d[1] AS r WITH r[1] AS x"),
        _collected(
            "includes",
            "courseIds",
            _bound(q.includes_of_courses, ids="courseIds"),
            "program, course, semester, required",
        ),
        _collected(
            "courseSupports",
            "courseIds",
            _bound(q.supports_of_courses, ids="courseIds"),
            "course, learning_task, resource",
        ),
        _collected(
            "taskSupports",
            "taskIds",
            _bound(q.supports_of_learning_tasks, ids="taskIds"),
            "course, learning_task, resource",
        ),
        _distinct(
            "nodeIds",
            "courseSupports, taskSupports, courseIds, taskIds, extraIds",
            "UNWIND [s IN courseSupports + taskSupports | s[2]] + courseIds + taskIds + extraIds AS x WITH x",
        ),
        _collected("nodes", "nodeIds", _bound(q.nodes, ids="nodeIds"), "label, props"),
    ]
    columns = "developers, courseIds, taskIds, includes, courseSupports, taskSupports, nodeIds, nodes"
    return "\n".join([*parts, f"RETURN {columns}"])


#: The field naming the id a row of each primitive belongs to (the matches of every kind: ``competency``).
_BELONGS_TO = {
    "targets": "program",
    "includes": "program",
    "includes_of_courses": "course",
    "develops": "course",
    "requirements": "occupation",
    "tasks": "occupation",
    "demands": "occupation",
    "needs": "competency",
    "supports_of_courses": "course",
    "supports_of_learning_tasks": "learning_task",
    "nodes": "id",
}


def _belongs_to(primitive: str) -> Callable[[Any], str]:
    """The id a row of ``primitive`` belongs to."""
    return attrgetter("competency" if primitive.startswith(matches_of("")) else _BELONGS_TO[primitive])


def matches_of(kind: str) -> str:
    """The name ``Prefetched`` keeps the matches of one kind under."""
    return f"matches {kind}"


def to_developers(found: Iterable[list[Any]]) -> dict[str, Developers]:
    """The rows of the ``developers`` query (``competency, best, count``) as ``GraphReader.developers`` answers."""
    return {c: Developers([DevelopsRow(*row) for row in best], count) for c, best, count in found}


def _size(rows: list[Any] | None) -> int:
    """What an id's rows count in ``Prefetched.size``: the id and each row (nothing when not read)."""
    return 0 if rows is None else len(rows) + 1


class Prefetched:
    """Rows of primitives read ahead, per primitive and id: ``get`` gives them when every id asked is there.

    Over a ``base`` (the rows earlier questions kept, ``graph.neo4j_kept``), an id not read here is looked
    up there, and ``leaned`` says whether an answer came from it. What is read here stays here: ``merge``
    adds it to the base once the question's answer is known to hold.

    >>> kept = Prefetched()
    >>> kept.put("tasks", ["occ:A"], [TaskRow("occ:A", "task:1")])
    >>> ahead = Prefetched(base=kept)
    >>> ahead.put("tasks", ["occ:B"], [])
    >>> ahead.get("tasks", ["occ:B"]), ahead.leaned
    ([], False)
    >>> ahead.get("tasks", ["occ:A", "occ:B"]), ahead.get("tasks", ["occ:C"]), ahead.leaned
    ([TaskRow(occupation='occ:A', task='task:1')], None, True)
    >>> kept.merge(ahead)
    >>> kept.get("tasks", ["occ:B"]), kept.size
    ([], 3)

    Rows read again take the place of the first, in the rows and in their size; ``missing`` says which ids a
    question still has to read:

    >>> again = Prefetched(base=kept)
    >>> again.put("tasks", ["occ:A", "occ:C"], [TaskRow("occ:A", "task:1")])
    >>> again.put("tasks", ["occ:A", "occ:C"], [TaskRow("occ:A", "task:1")])
    >>> again.size, again.missing("tasks", ["occ:A", "occ:B", "occ:C", "occ:D"])
    (3, ['occ:D'])
    >>> kept.merge(again)
    >>> kept.size
    4

    ``evict`` lets the rows merged first go (occ:B's, then occ:C's) down to a size, and the rest when that is not
    enough (occ:A's were put, not merged):

    >>> kept.evict(2)
    >>> kept.size, kept.missing("tasks", ["occ:A", "occ:B", "occ:C"])
    (2, ['occ:B', 'occ:C'])
    >>> kept.evict(1)
    >>> kept.size, kept.missing("tasks", ["occ:A"])
    (0, ['occ:A'])
    """

    def __init__(self, base: Prefetched | None = None) -> None:
        self._rows: dict[str, dict[str, list[Any]]] = {}
        self._developers: dict[tuple[Any, ...], dict[str, Developers]] = {}
        self._done: set[tuple[Any, ...]] = set()
        #: Each primitive and id in the order ``merge`` first kept it: ``evict`` lets the oldest go first.
        self._order: deque[tuple[str, str]] = deque()
        self._base = base
        #: Whether an answer came from the base.
        self.leaned = False
        #: Ids and rows kept here (a measure of memory).
        self.size = 0

    def developers(self, key: tuple[Any, ...]) -> dict[str, Developers] | None:
        """The answer of the ``developers`` call with this key (its arguments), if it was read ahead."""
        found = self._developers.get(key)
        if found is None and self._base is not None:
            found = self._base._developers.get(key)
            self.leaned = self.leaned or found is not None
        return found

    def mark(self, statement: tuple[Any, ...]) -> None:
        """Note that the read-ahead ``statement`` (its query and parameters) has been read into these rows."""
        self._done.add(statement)

    def done(self, statement: tuple[Any, ...]) -> bool:
        """Whether the read-ahead ``statement`` has been read, here or in the base."""
        if statement in self._done:
            return True
        found = self._base is not None and statement in self._base._done
        self.leaned = self.leaned or found
        return found

    def put(self, primitive: str, ids: Iterable[str], rows: Iterable[Any]) -> None:
        """Keep ``rows`` of ``primitive`` as the whole answer for each of ``ids`` (ids without rows: none), in
        place of any read before."""
        key = _belongs_to(primitive)
        table = self._rows.setdefault(primitive, {})
        for i in ids:
            self.size -= _size(table.get(i))
            table[i] = []
            self.size += 1
        for row in rows:
            table[key(row)].append(row)
            self.size += 1

    def get(self, primitive: str, ids: Iterable[str]) -> list[Any] | None:
        """The rows of ``primitive`` for ``ids``, or None when one of them was not read ahead."""
        table = self._rows.get(primitive, {})
        base = self._base._rows.get(primitive, {}) if self._base is not None else {}
        out: list[Any] = []
        leaned = False
        for i in dict.fromkeys(ids):
            found = table.get(i)
            if found is None:
                found = base.get(i)
                if found is None:
                    return None
                leaned = True
            out.extend(found)
        self.leaned = self.leaned or leaned
        return out

    def missing(self, primitive: str, ids: Iterable[str]) -> list[str]:
        """Those of ``ids`` whose rows of ``primitive`` were read neither here nor in the base."""
        table = self._rows.get(primitive, {})
        base = self._base._rows.get(primitive, {}) if self._base is not None else {}
        return [i for i in ids if i not in table and i not in base]

    def merge(self, other: Prefetched) -> None:
        """Add what ``other`` read itself (not its base) to these rows, in place of what they held for the same
        ids: rows a question read again (its prefetch over ids another question kept) are not counted twice."""
        for primitive, table in other._rows.items():
            mine = self._rows.setdefault(primitive, {})
            for i, rows in table.items():
                old = mine.get(i)
                if old is None:
                    self._order.append((primitive, i))
                self.size += len(rows) + 1 - _size(old)
                mine[i] = rows
        self._developers.update(other._developers)
        self._done |= other._done

    def evict(self, size: int) -> None:
        """Let the rows of the ids merged first go until no more than ``size`` ids and rows are left. What the
        read-ahead statements and the ``developers`` calls read goes too: a question reads again what is missing.

        Questions reading these rows meanwhile find an id either whole or gone, as they do while ``merge`` adds.
        """
        while self.size > size and self._order:
            primitive, i = self._order.popleft()
            self.size -= _size(self._rows[primitive].pop(i, None))
        if self.size > size:
            self._rows, self._order, self.size = {}, deque(), 0
        self._developers = {}
        self._done = set()

    def fill(
        self,
        programs: list[str],
        occupations: list[str],
        kinds: list[str],
        record: dict[str, Any],
        node: Callable[[str, dict[str, Any]], Node],
    ) -> None:
        """Keep the rows of one ``prefetch_query`` answer for ``programs`` and ``occupations``, its matches of
        ``kinds``."""
        self.put("targets", programs, (TargetRow(*r) for r in record["targets"]))
        self.put("includes", programs, (IncludesRow(*r) for r in record["includes"]))
        develops = (DevelopsRow(course, *row) for course, rows in record["develops"] for row in rows)
        self.put("develops", record["courseIds"], develops)
        requirements = (RequirementRow(o, *row) for o, rows in record["requirements"] for row in rows)
        self.put("requirements", occupations, requirements)
        self.put("tasks", occupations, (TaskRow(*r) for r in record["tasks"]))
        read = [*record["competencyIds"], *(i for ids, _ in _MATCH_STEP_NAMES for i in record[ids])]
        matches = [MatchRow(*r) for found in ["matches", *(f for _, f in _MATCH_STEP_NAMES)] for r in record[found]]
        for kind in kinds:  # per kind: a question asking for a kind not read must not get an empty answer
            self.put(matches_of(kind), read, (m for m in matches if m.kind == kind))
        nodes = [node(label, props) for label, props in record["nodes"]]
        self.put("nodes", record["nodeIds"], nodes)
        if "demands" in record:
            demands = (DemandRow(*r) for r in record["demands"])
            self.put("demands", occupations, demands)
            needs = (NeedRow(*r) for r in record["needs"])
            self.put("needs", record["competencyIds"], needs)

    def fill_candidates(
        self, developers_of: tuple[Any, ...], record: dict[str, Any], node: Callable[[str, dict[str, Any]], Node]
    ) -> None:
        """Keep the rows of one ``candidates_query`` answer; ``developers_of``: the key of its ``developers``
        call (see ``developers``)."""
        self._developers[developers_of] = to_developers(record["developers"])
        courses = record["courseIds"]
        self.put("includes_of_courses", courses, (IncludesRow(*r) for r in record["includes"]))
        supports = (SupportRow(*r) for r in record["courseSupports"])
        self.put("supports_of_courses", courses, supports)
        supports = (SupportRow(*r) for r in record["taskSupports"])
        self.put("supports_of_learning_tasks", record["taskIds"], supports)
        nodes = [node(label, props) for label, props in record["nodes"]]
        self.put("nodes", record["nodeIds"], nodes)
