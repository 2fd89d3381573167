"""What every answer shares: plain dataclasses that turn into JSON-ready dicts, statuses, references.

Examples
--------
>>> ref = ResourceRef("res:LL-1", "loose_leaf_textbook", "活页式教材", None, None)
>>> ref.as_dict()["type"]
'loose_leaf_textbook'
>>> sort_key(None, 3) < sort_key(1, 2)
True
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from graph.records import Node

#: The status of a required competency against what is developed.
COVERED = "covered"
UNDER_LEVEL = "under_level"
MISSING = "missing"
STATUSES = (COVERED, UNDER_LEVEL, MISSING)


class Answer:
    """Mixin for answer dataclasses: ``as_dict`` gives plain dicts, lists and scalars (JSON-ready)."""

    def as_dict(self) -> dict[str, Any]:
        return plain(self)  # type: ignore[no-any-return]


_SCALARS = (str, int, float, bool, type(None))


def plain(value: Any) -> Any:
    """``value`` with dataclasses turned into dicts and tuples into lists, recursively.

    >>> plain({"a": (1, ResourceRef("r", None, None, None, None))})["a"][1]["id"]
    'r'
    """
    # Every HTTP answer passes through here (thousands of objects for a large one), so the common cases
    # come first and a dataclass's field names are looked up once per class, not per object.
    if isinstance(value, _SCALARS):
        return value
    names = _field_names(type(value))
    if names is not None:
        return {name: plain(getattr(value, name)) for name in names}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


@functools.cache
def _field_names(cls: type) -> tuple[str, ...] | None:
    """The field names of a dataclass ``cls``, in order; None for any other class."""
    if not dataclasses.is_dataclass(cls):
        return None
    return tuple(f.name for f in dataclasses.fields(cls))


def sort_key(*values: Any) -> tuple[tuple[bool, Any], ...]:
    """A key that orders ``None`` before any value, so rows with absent properties sort without errors."""
    return tuple((v is not None, v) for v in values)


@dataclass(frozen=True)
class Options:
    """How requirements and matches are read: optional requirements, CLOSE_MATCH (EXACT_MATCH is always followed)."""

    include_optional: bool = False
    close_match: bool = False


@dataclass(frozen=True)
class ResourceRef(Answer):
    """A teaching resource, as answers list it."""

    id: str
    type: str | None
    name_zh: str | None
    name_en: str | None
    url: str | None

    @classmethod
    def of(cls, node: Node) -> ResourceRef:
        p = node.props
        return cls(node.id, p.get("type"), p.get("name_zh"), p.get("name_en"), p.get("url"))


def names(node: Node | None) -> tuple[str | None, str | None]:
    """(name_zh, name_en) of ``node``, or (None, None) when it is unknown."""
    if node is None:
        return None, None
    return node.props.get("name_zh"), node.props.get("name_en")


def unique_sorted(values: Iterable[str | None]) -> list[str]:
    """The distinct non-None values, sorted."""
    return sorted({v for v in values if v is not None})
