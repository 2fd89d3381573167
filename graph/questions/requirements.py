"""R(O, L): the competencies an occupation requires up to a level.

Examples
--------
>>> from graph.store import RequirementRow as Row
>>> rows = [
...     Row("occ:1", "task:A", "comp:X", 2, 4.0, True),
...     Row("occ:1", "task:B", "comp:X", 3, 5.0, None),  # essential absent: essential
...     Row("occ:1", "task:B", "comp:Y", 4, 3.0, True),  # above level 3: left out
...     Row("occ:1", None, "comp:Z", None, None, False),  # optional, level-agnostic
... ]
>>> r = required(rows, 3, include_optional=False)
>>> sorted(r)
['comp:X']
>>> r["comp:X"].level, r["comp:X"].importance, r["comp:X"].tasks
(3, 5.0, (('task:A', 2), ('task:B', 3)))
>>> sorted(required(rows, 3, include_optional=True))
['comp:X', 'comp:Z']

What the rankings tally is each competency's required level alone:

>>> required_levels(rows, 3, include_optional=True)
{'comp:X': 3, 'comp:Z': None}
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import NamedTuple

from graph.questions.model import sort_key
from graph.store import RequirementRow


class Requirement(NamedTuple):
    """One competency of R(O, L), aggregated over the requirements that were included.

    A named tuple rather than a frozen dataclass: the rankings make one for each requirement of thousands of
    occupations (124 k at ×16), and a frozen dataclass takes three times as long to make.

    Attributes
    ----------
    level
        The highest stated level among them; None when every one is level-agnostic.
    essential
        True when at least one of them is essential (an absent ``essential`` counts as essential).
    importance
        The highest stated importance, or None.
    direct
        True when the occupation itself requires it (not only through a task).
    tasks
        (task, that task's required level) for each typical work task that requires it, by task id.
    """

    competency: str
    level: int | None
    essential: bool
    importance: float | None
    direct: bool
    tasks: tuple[tuple[str, int | None], ...]

    @property
    def task_ids(self) -> list[str]:
        return [task for task, _ in self.tasks]


def required(rows: Iterable[RequirementRow], level: int, include_optional: bool) -> dict[str, Requirement]:
    """R(O, ``level``) from one occupation's REQUIRES rows, keyed by competency id (sorted).

    A row belongs to it when it is at or below the level (or level-agnostic), and essential unless optional
    ones are asked for.
    """
    grouped: dict[str, list[RequirementRow]] = {}
    for row in _included(rows, level, include_optional):
        group = grouped.get(row.competency)
        if group is None:
            grouped[row.competency] = [row]
        else:
            group.append(row)
    return {competency: _aggregated(competency, grouped[competency]) for competency in sorted(grouped)}


def required_levels(rows: Iterable[RequirementRow], level: int, include_optional: bool) -> dict[str, int | None]:
    """Each competency of R(O, ``level``) with its ``Requirement.level`` alone, in the order the rows first name
    them: all that a ranking tallies, for thousands of occupations, without making each ``Requirement``."""
    levels: dict[str, int | None] = {}
    for row in _included(rows, level, include_optional):
        c, found = row.competency, row.level
        if c not in levels or (found is not None and ((held := levels[c]) is None or found > held)):
            levels[c] = found
    return levels


def _included(rows: Iterable[RequirementRow], level: int, include_optional: bool) -> Iterator[RequirementRow]:
    """The rows of R(O, ``level``): at or below the level (or level-agnostic), and essential unless optional
    ones are asked for."""
    for row in rows:
        if (row.level is None or row.level <= level) and (include_optional or row.essential is not False):
            yield row


def _aggregated(competency: str, group: list[RequirementRow]) -> Requirement:
    if len(group) == 1:
        # Most competencies are required once (every one of an occupation without tasks): the rankings build
        # R(o) for thousands of occupations a question, and the general case's passes were most of their time.
        (row,) = group
        tasks = () if row.task is None else ((row.task, row.level),)
        return Requirement(competency, row.level, row.essential is not False, row.importance, row.task is None, tasks)
    levels = [r.level for r in group if r.level is not None]
    importances = [r.importance for r in group if r.importance is not None]
    return Requirement(
        competency=competency,
        level=max(levels, default=None),
        essential=any(r.essential is not False for r in group),
        importance=max(importances, default=None),
        direct=any(r.task is None for r in group),
        tasks=tuple(sorted(((r.task, r.level) for r in group if r.task is not None), key=lambda t: sort_key(*t))),
    )
