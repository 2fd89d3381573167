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
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from graph.questions.model import sort_key
from graph.store import RequirementRow


@dataclass(frozen=True)
class Requirement:
    """One competency of R(O, L), aggregated over the requirements that were included.

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


def included(row: RequirementRow, level: int, include_optional: bool) -> bool:
    """Whether a REQUIRES row belongs to R(O, ``level``): at or below the level (or level-agnostic), and essential
    unless optional ones are asked for."""
    if row.level is not None and row.level > level:
        return False
    return include_optional or row.essential is not False


def required(rows: Iterable[RequirementRow], level: int, include_optional: bool) -> dict[str, Requirement]:
    """R(O, ``level``) from one occupation's REQUIRES rows, keyed by competency id (sorted)."""
    grouped: dict[str, list[RequirementRow]] = defaultdict(list)
    for row in rows:
        if included(row, level, include_optional):
            grouped[row.competency].append(row)
    result = {}
    for competency in sorted(grouped):
        group = grouped[competency]
        result[competency] = Requirement(
            competency=competency,
            level=max((r.level for r in group if r.level is not None), default=None),
            essential=any(r.essential is not False for r in group),
            importance=max((r.importance for r in group if r.importance is not None), default=None),
            direct=any(r.task is None for r in group),
            tasks=tuple(sorted(((r.task, r.level) for r in group if r.task is not None), key=lambda t: sort_key(*t))),
        )
    return result
