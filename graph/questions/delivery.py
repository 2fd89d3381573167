"""Question 8, delivery gaps: P's courses and learning tasks without a resource, a training base or a
dual-qualified teacher.

A course counts what is attached to it: resources that SUPPORT it, bases that
HOST it, teachers that TEACH it. A learning task is taught within its course, so
it counts its own resources and bases plus its course's, and its course's
teachers (TEACHES only reaches courses). With a resource type, only resources of
that type count (and are listed).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from graph.errors import InvalidInputError
from graph.questions.facts import Facts
from graph.questions.model import Answer, names
from graph.store import DeliveryRow

RESOURCE, BASE, DUAL = "resource", "training_base", "dual_qualified_teacher"


@dataclass(frozen=True)
class DeliveryItem(Answer):
    """A course or learning task of P and what delivers it."""

    kind: str  # "course" or "learning_task"
    id: str
    course: str
    name_zh: str | None
    name_en: str | None
    resources: list[str]
    training_bases: list[str]
    teachers: list[str]
    dual_qualified_teachers: list[str]
    lacks: list[str]


@dataclass(frozen=True)
class Delivery(Answer):
    """The answer to question 8: every item, and the ids lacking each thing."""

    program: str
    resource_type: str | None
    items: list[DeliveryItem]
    without_resource: list[str]
    without_training_base: list[str]
    without_dual_qualified_teacher: list[str]


def delivery(facts: Facts, program: str, resource_type: str | None) -> Delivery:
    """Question 8 for ``program``."""
    allowed = facts.schema.enumeration("ResourceTypeScheme").notations
    if resource_type is not None and resource_type not in allowed:
        raise InvalidInputError(f"resource type must be one of {', '.join(map(str, allowed))}, not {resource_type!r}")
    facts.expect([program], "Program")
    courses = [r.course for r in facts.curriculum(program)]
    tasks = facts.learning_tasks(courses)
    rows: dict[str, list[DeliveryRow]] = defaultdict(list)
    for row in facts.reader.delivery([*courses, *(t.learning_task for t in tasks)]):
        rows[row.target].append(row)
    info = facts.nodes([*courses, *(t.learning_task for t in tasks)])

    def of(target: str, kind: str) -> set[str]:
        return {
            r.id
            for r in rows.get(target, ())
            if r.kind == kind and (kind != "resource" or resource_type is None or r.resource_type == resource_type)
        }

    def dual(target: str) -> set[str]:
        return {r.id for r in rows.get(target, ()) if r.kind == "teacher" and r.dual_qualified is True}

    items = []
    seen: set[str] = set()
    for course in courses:
        items.append(
            _item(
                "course",
                course,
                course,
                info,
                of(course, "resource"),
                of(course, "training_base"),
                of(course, "teacher"),
                dual(course),
            )
        )
        for t in tasks:
            if t.course != course or t.learning_task in seen:
                continue
            seen.add(t.learning_task)  # a learning task derived from two tasks is one item
            lt = t.learning_task
            items.append(
                _item(
                    "learning_task",
                    lt,
                    course,
                    info,
                    of(lt, "resource") | of(course, "resource"),
                    of(lt, "training_base") | of(course, "training_base"),
                    of(course, "teacher"),
                    dual(course),
                )
            )
    return Delivery(
        program=program,
        resource_type=resource_type,
        items=items,
        without_resource=[i.id for i in items if RESOURCE in i.lacks],
        without_training_base=[i.id for i in items if BASE in i.lacks],
        without_dual_qualified_teacher=[i.id for i in items if DUAL in i.lacks],
    )


def _item(
    kind: str,
    item: str,
    course: str,
    info: dict,
    resources: set[str],
    bases: set[str],
    teachers: set[str],
    dual: set[str],
) -> DeliveryItem:
    lacks = [name for name, found in ((RESOURCE, resources), (BASE, bases), (DUAL, dual)) if not found]
    return DeliveryItem(
        kind,
        item,
        course,
        *names(info.get(item)),
        sorted(resources),
        sorted(bases),
        sorted(teachers),
        sorted(dual),
        lacks,
    )
