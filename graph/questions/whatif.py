"""Question 5, what-if: coverage before and after changing P's courses, computed without writing anything.

Changes are: adding existing courses (not yet in P), removing courses of P, and
new courses described inline — ``{"name": ..., "develops": [{"competency": id,
"level": 1–5 or None}], "hours": ...}`` — which get the ids ``new:1``, ``new:2``, …
in the order given. The graph is only read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graph.errors import InvalidInputError
from graph.questions.coverage import Coverage, check_weight, score, setting
from graph.questions.development import Developed
from graph.questions.facts import Facts
from graph.questions.levels import check_level
from graph.questions.model import STATUSES, Answer, Options
from graph.store import DevelopsRow


@dataclass(frozen=True)
class NewCourse(Answer):
    """A course described inline, as what-if and faces pass it."""

    id: str
    name: str
    develops: list[tuple[str, int | None]]
    hours: int | None = None


@dataclass(frozen=True)
class Change(Answer):
    """A competency whose status or developed level the change moves."""

    competency: str
    name_zh: str | None
    name_en: str | None
    before: str
    after: str
    before_level: int | None
    after_level: int | None


@dataclass(frozen=True)
class WhatIf(Answer):
    """The answer to question 5."""

    program: str
    occupation: str
    level: int
    add_courses: list[str]
    remove_courses: list[str]
    new_courses: list[NewCourse]
    before: Coverage
    after: Coverage
    changes: list[Change]
    delta: dict[str, float | None]


def new_course(position: int, spec: Mapping[str, Any] | NewCourse, facts: Facts) -> NewCourse:
    """A ``NewCourse`` from an inline description, checked (competencies exist, levels in range)."""
    if isinstance(spec, NewCourse):
        spec = {"name": spec.name, "develops": [{"competency": c, "level": lv} for c, lv in spec.develops]}
    where = f"new course {position}"
    if not isinstance(spec, Mapping):
        raise InvalidInputError(f"{where} must be an object with a name and develops, not {spec!r}")
    name = spec.get("name") or spec.get("name_zh") or spec.get("name_en")
    if not isinstance(name, str) or not name.strip():
        raise InvalidInputError(f"{where} needs a name")
    develops = spec.get("develops")
    if not isinstance(develops, Sequence) or isinstance(develops, str) or not develops:
        raise InvalidInputError(f"{where} ({name}) needs develops: a list of {{competency, level}}")
    pairs: list[tuple[str, int | None]] = []
    for item in develops:
        if not isinstance(item, Mapping) or not isinstance(item.get("competency"), str):
            raise InvalidInputError(f"{where} ({name}): each develops entry needs a competency id, not {item!r}")
        level = item.get("level")
        pairs.append((item["competency"], None if level is None else check_level(facts.schema, level)))
    facts.expect([c for c, _ in pairs], "Competency")
    hours = spec.get("hours")
    if hours is not None and (isinstance(hours, bool) or not isinstance(hours, int) or hours < 0):
        raise InvalidInputError(f"{where} ({name}): hours must be a whole number, 0 or more, not {hours!r}")
    return NewCourse(f"new:{position}", name.strip(), pairs, hours)


def whatif(
    facts: Facts,
    program: str,
    occupation: str,
    level: int | None,
    options: Options,
    weight: str | None,
    add_courses: Iterable[str],
    remove_courses: Iterable[str],
    new_courses: Iterable[Mapping[str, Any] | NewCourse],
) -> WhatIf:
    """Question 5: the coverage of P against O before and after the change."""
    check_weight(weight)
    add, remove = list(dict.fromkeys(add_courses)), list(dict.fromkeys(remove_courses))
    facts.prefetch(program, occupation, options)
    facts.nodes([program, occupation, *add, *remove])
    facts.expect([program], "Program")
    facts.expect([occupation], "Occupation")
    facts.expect([*add, *remove], "Course")
    level = facts.level(program, occupation, level)
    current = [r.course for r in facts.curriculum(program)]
    already = [c for c in add if c in current]
    if already:
        raise InvalidInputError(f"{', '.join(map(repr, already))} already in {program!r}: nothing to add")
    absent = [c for c in remove if c not in current]
    if absent:
        raise InvalidInputError(f"{', '.join(map(repr, absent))} not in {program!r}: nothing to remove")
    created = [new_course(i, spec, facts) for i, spec in enumerate(new_courses, start=1)]

    s = setting(facts, occupation, level, options, weight)
    rows = facts.develops([*current, *add])
    extra = [DevelopsRow(n.id, None, c, lv) for n in created for c, lv in n.develops]
    after_courses = [*(c for c in current if c not in remove), *add, *(n.id for n in created)]
    before_set, after_set = set(current), set(after_courses)
    before = score(facts, s, program, current, Developed([r for r in rows if r.course in before_set], s.matches))
    after_rows = [*(r for r in rows if r.course in after_set), *extra]
    after = score(facts, s, program, after_courses, Developed(after_rows, s.matches))
    return WhatIf(
        program=program,
        occupation=occupation,
        level=level,
        add_courses=add,
        remove_courses=remove,
        new_courses=created,
        before=before,
        after=after,
        changes=_changes(before, after),
        delta=_delta(before, after),
    )


def _changes(before: Coverage, after: Coverage) -> list[Change]:
    changes = []
    for old, new in zip(before.competencies, after.competencies, strict=True):
        if (old.status, old.developed_level) != (new.status, new.developed_level):
            changes.append(
                Change(
                    old.competency,
                    old.name_zh,
                    old.name_en,
                    old.status,
                    new.status,
                    old.developed_level,
                    new.developed_level,
                )
            )
    return changes


def _delta(before: Coverage, after: Coverage) -> dict[str, float | None]:
    delta: dict[str, float | None] = {s: getattr(after.overall, s) - getattr(before.overall, s) for s in STATUSES}
    for ratio in ("ratio", "weighted_ratio"):
        old, new = getattr(before.overall, ratio), getattr(after.overall, ratio)
        delta[ratio] = None if old is None or new is None else new - old
    return delta
