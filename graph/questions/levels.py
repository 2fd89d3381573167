"""The level rules: which levels are valid and when a development satisfies a requirement.

A requirement or development without a level is level-agnostic: a level-agnostic
requirement is satisfied by any development of the competency, and a
level-agnostic development satisfies any requirement of it.

Examples
--------
>>> assess(3, [2, 3])
('covered', 3)
>>> assess(3, [2])
('under_level', 2)
>>> assess(3, [])
('missing', None)
>>> assess(None, [1])
('covered', 1)
>>> assess(4, [2, None])
('covered', 2)
"""

from __future__ import annotations

from collections.abc import Iterable

from graph.errors import InvalidInputError
from graph.questions.model import COVERED, MISSING, UNDER_LEVEL
from ontology.schema import Schema


def level_range(schema: Schema) -> tuple[int, int]:
    """The lowest and highest skill level, from the ontology's ``Level`` datatype.

    >>> from ontology.schema import load_schema
    >>> level_range(load_schema())
    (1, 5)
    """
    prop = schema.relationship("REQUIRES").properties["level"]
    return int(prop.minimum), int(prop.maximum)  # type: ignore[arg-type]


def check_level(schema: Schema, level: object, what: str = "level") -> int:
    """``level`` if it is a valid skill level, else ``InvalidInputError`` saying the range.

    >>> from ontology.schema import load_schema
    >>> check_level(load_schema(), 7)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    graph.errors.InvalidInputError: level must be a whole number from 1 to 5 (职业技能等级 1 = ...), not 7
    """
    low, high = level_range(schema)
    if isinstance(level, bool) or not isinstance(level, int) or not low <= level <= high:
        labels = schema.level_labels()
        raise InvalidInputError(
            f"{what} must be a whole number from {low} to {high} "
            f"(职业技能等级 {low} = {labels[low][0]} … {high} = {labels[high][0]}), not {level!r}"
        )
    return level


def satisfies(required: int | None, developed: int | None) -> bool:
    """Whether one development at ``developed`` meets a requirement at ``required`` (None: level-agnostic).

    >>> satisfies(3, 3), satisfies(3, 2), satisfies(None, 1), satisfies(5, None)
    (True, False, True, True)
    """
    return required is None or developed is None or developed >= required


def assess(required: int | None, developed: Iterable[int | None]) -> tuple[str, int | None]:
    """The status of a requirement given the levels of every development of it, and the best developed level.

    Covered when any development satisfies it, under-level when it is developed
    but none does, missing when nothing develops it. The developed level is the
    highest stated one (None when every development is level-agnostic, or none exists).
    """
    levels = list(developed)
    if not levels:
        return MISSING, None
    best = max((lv for lv in levels if lv is not None), default=None)
    if any(satisfies(required, lv) for lv in levels):
        return COVERED, best
    return UNDER_LEVEL, best
