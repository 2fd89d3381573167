"""Request and response models of the question endpoints (DESIGN §3, questions 1–9).

The response models mirror the engine's answers (``graph.questions``, their
``as_dict()``) field for field, so the HTTP face adds nothing and loses nothing;
the one difference is that long ranked lists come as pages (``{data, count,
offset, limit}``). Enumerations (levels, weights, resource types, dimensions,
statuses) are derived from the ontology and the engine, not restated here.
The examples are abridged real answers over the demo dataset.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

import annotated_types
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from api.models import Page
from graph.errors import InvalidInputError
from graph.questions.coverage import WEIGHTS
from graph.questions.levels import check_level, level_range
from graph.questions.model import STATUSES
from ontology.schema import load_schema

SCHEMA = load_schema()
LOW, HIGH = level_range(SCHEMA)
LEVELS_TEXT = (
    f"{LOW}–{HIGH} (职业技能等级: " + "; ".join(f"{n} = {zh}" for n, (zh, _) in SCHEMA.level_labels().items()) + ")"
)


def _enum(name: str, values: tuple[str | int, ...]) -> type[Enum]:
    return Enum(name, {str(v): str(v) for v in values}, type=str)  # type: ignore[return-value]


#: ``weight`` of coverage and what-if: from the engine.
Weight = _enum("Weight", WEIGHTS)
#: Resource types: the ontology's ResourceTypeScheme.
ResourceType = _enum("ResourceType", SCHEMA.enumeration("ResourceTypeScheme").notations)
#: Competency dimensions: the ontology's CompetencyDimensionScheme, in its order.
Dimension = _enum("Dimension", SCHEMA.enumeration("CompetencyDimensionScheme").notations)
#: The status of a required competency.
Status = _enum("Status", STATUSES)


def _check_level(value: Any) -> Any:
    # Runs before pydantic's own bounds, so that the message states the whole scale (the engine's words).
    try:
        number = int(value)  # query strings arrive as text; what is not a number is left to pydantic
    except (TypeError, ValueError):
        return value
    if number != value and str(number) != str(value).strip():
        return value  # 3.5, "3.5": pydantic says it is not a whole number
    try:
        check_level(SCHEMA, number)
    except InvalidInputError as exc:
        raise PydanticCustomError("level_range", "{reason}", {"reason": str(exc)}) from None
    return value


#: A skill level (1–5, from the ontology's ``Level`` datatype); out of range, the error states the scale.
Level = Annotated[int, annotated_types.Interval(ge=LOW, le=HIGH), BeforeValidator(_check_level)]

Ratio = Annotated[float | None, Field(description="covered / total (0–1); null when there is nothing to count")]


class _Out(BaseModel):
    model_config = ConfigDict(use_enum_values=True)


# -- shared parts


class Tally(_Out):
    """Counts of required competencies by status, and the coverage ratio (weighted ones only with a weight)."""

    total: int
    covered: int
    under_level: int
    missing: int
    ratio: Ratio
    weighted_total: float | None = None
    weighted_covered: float | None = None
    weighted_ratio: float | None = None


class Source(_Out):
    """One DEVELOPS that counts for a competency: by a course, directly or through one of its learning tasks."""

    course: str | None
    learning_task: str | None
    competency: str = Field(description="the competency developed: the one required, or one that matches it")
    level: int | None = Field(description="developed level; null = level-agnostic")


class ResourceRef(_Out):
    """A teaching resource."""

    id: str
    type: ResourceType | None  # type: ignore[valid-type]
    name_zh: str | None
    name_en: str | None
    url: str | None


# -- 1 coverage

COVERAGE_EXAMPLE: dict[str, Any] = {
    "program": "program:IRAM",
    "occupation": "csco:6-31-07-03",
    "level": 3,
    "include_optional": False,
    "close_match": False,
    "weight": None,
    "courses": ["course:GE-101", "course:IR-301", "course:IR-306"],
    "overall": {"total": 34, "covered": 23, "under_level": 5, "missing": 6, "ratio": 0.6764705882352942},
    "by_dimension": {"professional": {"total": 20, "covered": 12, "under_level": 4, "missing": 4, "ratio": 0.6}},
    "by_task": [
        {
            "task": "task:IRO-01",
            "name_zh": "作业准备",
            "name_en": "Work preparation",
            "order": 1,
            "tally": {"total": 5, "covered": 5, "under_level": 0, "missing": 0, "ratio": 1.0},
            "covered": ["comp:M-02", "comp:P-01", "comp:P-08", "comp:Q-01", "comp:Q-03"],
            "under_level": [],
            "missing": [],
        }
    ],
    "competencies": [
        {
            "competency": "comp:P-01",
            "name_zh": "工业机器人安全操作规范",
            "name_en": "Industrial robot safety operating rules",
            "dimension": "professional",
            "kind": "knowledge",
            "status": "covered",
            "required_level": 3,
            "developed_level": 3,
            "essential": True,
            "importance": 5.0,
            "direct": False,
            "tasks": ["task:IRO-01"],
            "weight": None,
            "developed_by": [{"course": "course:IR-301", "learning_task": None, "competency": "comp:P-01", "level": 3}],
        }
    ],
}


class CompetencyCoverage(_Out):
    """A competency of R(O, L) and how the program develops it."""

    competency: str
    name_zh: str | None
    name_en: str | None
    dimension: Dimension | None  # type: ignore[valid-type]
    kind: str | None
    status: Status  # type: ignore[valid-type]
    required_level: int | None = Field(description="highest required level; null = level-agnostic")
    developed_level: int | None = Field(description="highest developed level; null = none or level-agnostic")
    essential: bool
    importance: float | None
    direct: bool = Field(description="the occupation itself requires it (not only through a task)")
    tasks: list[str] = Field(description="the typical work tasks that need it")
    weight: float | None
    developed_by: list[Source]


class TaskCoverage(_Out):
    """Coverage of one typical work task's own requirements, each judged at the task's own level."""

    task: str
    name_zh: str | None
    name_en: str | None
    order: int | None
    tally: Tally
    covered: list[str]
    under_level: list[str]
    missing: list[str]


class Coverage(_Out):
    """Question 1: how much of what the occupation requires (up to the level) the program develops."""

    program: str
    occupation: str
    level: int = Field(description="the level asked for, or the level the program TARGETS the occupation at")
    include_optional: bool
    close_match: bool
    weight: str | None
    courses: list[str] = Field(description="the program's courses")
    overall: Tally
    by_dimension: dict[str, Tally] = Field(description="per dimension, all four, in the ontology's order")
    by_task: list[TaskCoverage]
    competencies: list[CompetencyCoverage]

    model_config = ConfigDict(json_schema_extra={"examples": [COVERAGE_EXAMPLE]})


# -- 2 gaps


class EmployerInterest(_Out):
    """An employer behind a gap: it NEEDS the competency, or DEMANDS the occupation (or both)."""

    employer: str
    name_zh: str | None
    name_en: str | None
    needs: bool
    needs_level: int | None
    headcount: int | None = Field(description="people it plans to hire into the occupation")


class Candidate(_Out):
    """A course or learning task outside the program that would close the gap."""

    course: str | None
    learning_task: str | None
    name_zh: str | None
    name_en: str | None
    competency: str
    level: int | None
    programs: list[str] = Field(description="the programs that include the course")
    resources: list[ResourceRef]


class Gap(_Out):
    """An under-level or missing competency, with who needs it and where it is taught."""

    rank: int
    competency: str
    name_zh: str | None
    name_en: str | None
    dimension: Dimension | None  # type: ignore[valid-type]
    status: Status  # type: ignore[valid-type]
    required_level: int | None
    developed_level: int | None
    importance: float | None
    tasks: list[str]
    demand: int = Field(description="demand weight: people to be hired who need it (see docs/questions.md)")
    employers: list[EmployerInterest] = Field(
        description="the best max_employers: those that need the competency first, then by headcount"
    )
    employer_count: int = Field(description="all employers that need the competency or demand the occupation")
    candidates: list[Candidate] = Field(
        description="the best max_candidates: the competency itself first, then higher levels"
    )
    candidate_count: int = Field(description="all courses and learning tasks elsewhere that would close it")


class Gaps(_Out):
    """Question 2: the gaps ranked by impact (tasks needing them, importance, demand, id), one page of them."""

    program: str
    occupation: str
    level: int
    include_optional: bool
    close_match: bool
    max_candidates: int
    max_employers: int
    gaps: Page[Gap]

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "program": "program:IRAM",
                    "occupation": "csco:6-31-07-03",
                    "level": 3,
                    "include_optional": False,
                    "close_match": False,
                    "max_candidates": 10,
                    "max_employers": 2,
                    "gaps": {
                        "data": [
                            {
                                "rank": 7,
                                "competency": "comp:P-14",
                                "name_zh": "工业通信网络配置",
                                "name_en": "Industrial network configuration",
                                "dimension": "professional",
                                "status": "missing",
                                "required_level": 3,
                                "developed_level": None,
                                "importance": 4.0,
                                "tasks": ["task:IRO-03"],
                                "demand": 58,
                                "employers": [
                                    {
                                        "employer": "emp:SZ-HENGCHUAN",
                                        "name_zh": "苏州衡川智能装备有限公司",
                                        "name_en": "Suzhou Hengchuan Intelligent Equipment Co., Ltd.",
                                        "needs": True,
                                        "needs_level": 3,
                                        "headcount": 12,
                                    },
                                    {
                                        "employer": "emp:KS-JINGRUI",
                                        "name_zh": "昆山景睿汽车零部件有限公司",
                                        "name_en": "Kunshan Jingrui Auto Parts Co., Ltd.",
                                        "needs": False,
                                        "needs_level": None,
                                        "headcount": 20,
                                    },
                                ],
                                "employer_count": 4,
                                "candidates": [
                                    {
                                        "course": "course:EA-201",
                                        "learning_task": None,
                                        "name_zh": "工业网络与人机界面",
                                        "name_en": "Industrial networks and HMI",
                                        "competency": "comp:P-14",
                                        "level": 3,
                                        "programs": ["program:EAEM"],
                                        "resources": [],
                                    }
                                ],
                                "candidate_count": 1,
                            }
                        ],
                        "count": 11,
                        "offset": 6,
                        "limit": 1,
                    },
                }
            ]
        }
    )


# -- 3 curriculum map


class MapRow(_Out):
    """A course of the program (rows in semester order)."""

    course: str
    name_zh: str | None
    name_en: str | None
    category: str | None
    hours: int | None
    semester: int | None
    required: bool | None


class MapColumn(_Out):
    """A competency the program develops or the occupation requires (columns grouped by dimension)."""

    competency: str
    name_zh: str | None
    name_en: str | None
    dimension: Dimension | None  # type: ignore[valid-type]
    required: bool
    required_level: int | None
    status: Status | None  # type: ignore[valid-type]


class MapCell(_Out):
    """Course × competency: the highest level the course develops it at (null: level-agnostic only)."""

    course: str
    competency: str
    level: int | None
    direct: bool
    learning_tasks: list[str]
    via: list[str] = Field(description="the matched competencies, when the course counts only through a match")


class TaskColumn(_Out):
    """A typical work task."""

    task: str
    name_zh: str | None
    name_en: str | None
    order: int | None


class TaskCell(_Out):
    """Course × typical work task: the course's learning tasks derived from the task."""

    course: str
    task: str
    learning_tasks: list[str]


class CurriculumMap(_Out):
    """Question 3: the course × competency and course × task matrices, sparse (only non-empty cells)."""

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

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "program": "program:IRAM",
                    "occupation": "csco:6-31-07-03",
                    "level": 3,
                    "include_optional": False,
                    "close_match": False,
                    "rows": [
                        {
                            "course": "course:IR-301",
                            "name_zh": "工业机器人基本操作",
                            "name_en": "Basic operation of industrial robots",
                            "category": "integrated",
                            "hours": 160,
                            "semester": 5,
                            "required": True,
                        }
                    ],
                    "columns": [
                        {
                            "competency": "comp:P-01",
                            "name_zh": "工业机器人安全操作规范",
                            "name_en": "Industrial robot safety operating rules",
                            "dimension": "professional",
                            "required": True,
                            "required_level": 3,
                            "status": "covered",
                        }
                    ],
                    "cells": [
                        {
                            "course": "course:IR-301",
                            "competency": "comp:P-01",
                            "level": 3,
                            "direct": True,
                            "learning_tasks": ["lt:IR-301-1"],
                            "via": [],
                        }
                    ],
                    "task_columns": [
                        {"task": "task:IRO-01", "name_zh": "作业准备", "name_en": "Work preparation", "order": 1}
                    ],
                    "task_cells": [
                        {"course": "course:IR-301", "task": "task:IRO-01", "learning_tasks": ["lt:IR-301-1"]}
                    ],
                }
            ]
        }
    )


# -- 4 orphans


class OrphanCourse(_Out):
    """A course of the program that develops nothing the occupations require."""

    course: str
    name_zh: str | None
    name_en: str | None
    required: bool | None
    develops: list[str]


class Redundancy(_Out):
    """A competency that ``threshold`` or more of the program's courses develop."""

    competency: str
    name_zh: str | None
    name_en: str | None
    courses: list[str]


class UntaughtTask(_Out):
    """A typical work task no learning task of the program is derived from."""

    task: str
    name_zh: str | None
    name_en: str | None
    occupation: str
    order: int | None


class Orphans(_Out):
    """Question 4: orphan courses, redundant competencies and untaught tasks."""

    program: str
    occupations: dict[str, int] = Field(description="the occupations compared with, each at its level")
    threshold: int
    orphan_courses: list[OrphanCourse]
    redundant: list[Redundancy]
    untaught_tasks: list[UntaughtTask]

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "program": "program:IRAM",
                    "occupations": {"csco:6-31-07-03": 3},
                    "threshold": 3,
                    "orphan_courses": [
                        {
                            "course": "course:IR-206",
                            "name_zh": "3D打印技术",
                            "name_en": "3D printing technology",
                            "required": False,
                            "develops": ["comp:P-32"],
                        }
                    ],
                    "redundant": [
                        {
                            "competency": "comp:S-01",
                            "name_zh": "团队协作",
                            "name_en": "Teamwork",
                            "courses": ["course:GE-105", "course:IR-302", "course:IR-303", "course:IR-306"],
                        }
                    ],
                    "untaught_tasks": [
                        {
                            "task": "task:IRO-07",
                            "name_zh": "填写设备装调与操作记录",
                            "name_en": "Keeping installation, commissioning and operation records",
                            "occupation": "csco:6-31-07-03",
                            "order": 7,
                        }
                    ],
                }
            ]
        }
    )


# -- 5 what-if


class Development(BaseModel):
    """A competency an inline course develops, at a level (null: level-agnostic)."""

    model_config = ConfigDict(extra="forbid")

    competency: str = Field(examples=["comp:P-15"])
    level: Level | None = Field(None, description=f"level {LEVELS_TEXT}")


class NewCourseIn(BaseModel):
    """A course described inline for a what-if; it is never written."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, examples=["机器视觉应用"])
    develops: list[Development] = Field(min_length=1)
    hours: int | None = Field(None, ge=0, examples=[64])


class WhatIfRequest(BaseModel):
    """The change to try: courses added (existing ones not in the program), removed, or described inline."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "occupation": "csco:6-31-07-03",
                    "level": 3,
                    "add_courses": ["course:EA-201"],
                    "remove_courses": ["course:IR-206"],
                    "new_courses": [
                        {"name": "机器视觉应用", "develops": [{"competency": "comp:P-15", "level": 3}], "hours": 64}
                    ],
                }
            ]
        },
    )

    occupation: str = Field(description="the occupation to compare with", examples=["csco:6-31-07-03"])
    level: Level | None = Field(None, description=f"level {LEVELS_TEXT}; null: the level the program targets")
    add_courses: list[str] = Field([], description="existing courses to add (not in the program yet)")
    remove_courses: list[str] = Field([], description="courses of the program to remove")
    new_courses: list[NewCourseIn] = Field([], description="courses described inline; they get ids new:1, new:2, …")
    include_optional: bool = False
    close_match: bool = False
    weight: Weight | None = None  # type: ignore[valid-type]


class NewCourse(_Out):
    """An inline course as the answer names it."""

    id: str = Field(examples=["new:1"])
    name: str
    develops: list[tuple[str, int | None]] = Field(description="[competency, level] pairs")
    hours: int | None


class Change(_Out):
    """A competency whose status or developed level the change moves."""

    competency: str
    name_zh: str | None
    name_en: str | None
    before: Status  # type: ignore[valid-type]
    after: Status  # type: ignore[valid-type]
    before_level: int | None
    after_level: int | None


class WhatIf(_Out):
    """Question 5: coverage before and after the change; nothing is written."""

    program: str
    occupation: str
    level: int
    add_courses: list[str]
    remove_courses: list[str]
    new_courses: list[NewCourse]
    before: Coverage
    after: Coverage
    changes: list[Change]
    delta: dict[str, int | float | None] = Field(description="after − before: covered, under_level, missing, ratios")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "program": "program:IRAM",
                    "occupation": "csco:6-31-07-03",
                    "level": 3,
                    "add_courses": [],
                    "remove_courses": [],
                    "new_courses": [{"id": "new:1", "name": "视觉", "develops": [["comp:P-15", 3]], "hours": 60}],
                    "before": COVERAGE_EXAMPLE,
                    "after": COVERAGE_EXAMPLE,
                    "changes": [
                        {
                            "competency": "comp:P-15",
                            "name_zh": "视觉系统配置与标定",
                            "name_en": "Machine vision configuration and calibration",
                            "before": "missing",
                            "after": "covered",
                            "before_level": None,
                            "after_level": 3,
                        }
                    ],
                    "delta": {
                        "covered": 1,
                        "under_level": 0,
                        "missing": -1,
                        "ratio": 0.02941176470588236,
                        "weighted_ratio": None,
                    },
                }
            ]
        }
    )


# -- 6 demand


class ProgramFit(_Out):
    """A program's coverage ratio of an occupation, or (headcount-weighted) of the whole demand."""

    program: str
    name_zh: str | None
    name_en: str | None
    ratio: float


class OccupationDemand(_Out):
    """Demand for one occupation and how well the programs in scope meet it."""

    occupation: str
    name_zh: str | None
    name_en: str | None
    headcount: int
    employers: dict[str, int] = Field(description="employer → headcount")
    level: int
    programs: list[ProgramFit]
    best_ratio: float
    unmet_headcount: float = Field(description="headcount × (1 − best ratio)")


class CompetencyDemand(_Out):
    """Demand for one competency and whether the programs in scope develop it."""

    competency: str
    name_zh: str | None
    name_en: str | None
    dimension: Dimension | None  # type: ignore[valid-type]
    weight: int
    headcount: int
    needed_by: dict[str, int | None] = Field(description="employer that NEEDS it → level")
    required_level: int | None
    developed_level: int | None
    status: Status  # type: ignore[valid-type]
    programs: list[str] = Field(description="the programs in scope that cover it")


class DemandAlignment(_Out):
    """Question 6: employer demand per occupation and competency against what programs develop (pages of both)."""

    region: str | None
    industry: str | None
    year: int | None
    level: int | None
    close_match: bool
    employers: list[str]
    occupations: Page[OccupationDemand]
    competencies: Page[CompetencyDemand]
    unmet: list[str] = Field(description="every competency in demand that no program in scope covers, ranked")
    programs: list[ProgramFit]

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "region": "region:320500",
                    "industry": None,
                    "year": None,
                    "level": None,
                    "close_match": False,
                    "employers": ["emp:SZ-HENGCHUAN", "emp:SZ-HENGTUO"],
                    "occupations": {
                        "data": [
                            {
                                "occupation": "csco:6-31-07-03",
                                "name_zh": "工业机器人系统操作员",
                                "name_en": "Industrial robot system operator",
                                "headcount": 22,
                                "employers": {"emp:SZ-HENGCHUAN": 12, "emp:SZ-HENGTUO": 10},
                                "level": 3,
                                "programs": [
                                    {
                                        "program": "program:IRAM",
                                        "name_zh": "工业机器人应用与维护",
                                        "name_en": "Industrial robot application and maintenance",
                                        "ratio": 0.6764705882352942,
                                    }
                                ],
                                "best_ratio": 0.6764705882352942,
                                "unmet_headcount": 7.117647058823529,
                            }
                        ],
                        "count": 2,
                        "offset": 0,
                        "limit": 1,
                    },
                    "competencies": {
                        "data": [
                            {
                                "competency": "comp:P-12",
                                "name_zh": "PLC程序编制与调试",
                                "name_en": "PLC programming and commissioning",
                                "dimension": "professional",
                                "weight": 34,
                                "headcount": 22,
                                "needed_by": {"emp:SZ-HENGCHUAN": 3},
                                "required_level": 3,
                                "developed_level": 2,
                                "status": "under_level",
                                "programs": [],
                            }
                        ],
                        "count": 41,
                        "offset": 0,
                        "limit": 1,
                    },
                    "unmet": ["comp:P-12", "comp:P-15", "comp:P-19"],
                    "programs": [
                        {
                            "program": "program:IRAM",
                            "name_zh": "工业机器人应用与维护",
                            "name_en": "Industrial robot application and maintenance",
                            "ratio": 0.6882878151260504,
                        }
                    ],
                }
            ]
        }
    )


# -- 7 matching


class OccupationFit(_Out):
    """How a program covers one of an employer's demanded occupations."""

    occupation: str
    headcount: int
    level: int
    ratio: float | None


class RankedEntry(_Out):
    """A ranked occupation or program."""

    rank: int
    id: str
    name_zh: str | None
    name_en: str | None
    ratio: float
    total: int
    covered: int
    under_level: int
    missing: int
    occupations: list[OccupationFit] | None = Field(None, description="per demanded occupation (employers only)")


class Ranking(_Out):
    """Question 7: occupations or programs ranked by coverage ratio, then covered count, then id (one page)."""

    subject: str = Field(description="the program, occupation or employer ranked against")
    ranks: str = Field(description="what is ranked: occupations or programs", examples=["programs"])
    level: int | None
    include_optional: bool
    close_match: bool
    entries: Page[RankedEntry]

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "subject": "csco:6-31-07-03",
                    "ranks": "programs",
                    "level": 3,
                    "include_optional": False,
                    "close_match": False,
                    "entries": {
                        "data": [
                            {
                                "rank": 1,
                                "id": "program:IRAM",
                                "name_zh": "工业机器人应用与维护",
                                "name_en": "Industrial robot application and maintenance",
                                "ratio": 0.6764705882352942,
                                "total": 34,
                                "covered": 23,
                                "under_level": 5,
                                "missing": 6,
                                "occupations": None,
                            }
                        ],
                        "count": 2,
                        "offset": 0,
                        "limit": 1,
                    },
                }
            ]
        }
    )


# -- 8 delivery


class DeliveryItem(_Out):
    """A course or learning task of the program, and what delivers it."""

    kind: str = Field(description="course or learning_task")
    id: str
    course: str
    name_zh: str | None
    name_en: str | None
    resources: list[str]
    training_bases: list[str]
    teachers: list[str]
    dual_qualified_teachers: list[str]
    lacks: list[str] = Field(description="of resource, training_base, dual_qualified_teacher")


class Delivery(_Out):
    """Question 8: every course and learning task, and the ids lacking a resource, a base or a 双师型 teacher."""

    program: str
    resource_type: ResourceType | None  # type: ignore[valid-type]
    items: list[DeliveryItem]
    without_resource: list[str]
    without_training_base: list[str]
    without_dual_qualified_teacher: list[str]

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "program": "program:IRAM",
                    "resource_type": None,
                    "items": [
                        {
                            "kind": "course",
                            "id": "course:IR-301",
                            "course": "course:IR-301",
                            "name_zh": "工业机器人基本操作",
                            "name_en": "Basic operation of industrial robots",
                            "resources": ["res:LL-IR301"],
                            "training_bases": ["base:WSJ-ROBOT"],
                            "teachers": ["teacher:T01"],
                            "dual_qualified_teachers": ["teacher:T01"],
                            "lacks": [],
                        }
                    ],
                    "without_resource": ["course:GE-101", "course:IR-305", "lt:IR-305-2", "course:IR-306"],
                    "without_training_base": ["course:GE-101", "course:IR-206", "course:IR-306"],
                    "without_dual_qualified_teacher": ["course:GE-101", "course:IR-306", "lt:IR-306-1"],
                }
            ]
        }
    )


# -- 9 learning path


class LearningPathRequest(BaseModel):
    """A learner's profile and the occupation they aim at."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "profile": {"comp:P-01": 3, "comp:P-02": 3, "comp:Q-01": None},
                    "occupation": "csco:6-31-07-03",
                    "level": 3,
                    "program": "program:IRAM",
                }
            ]
        },
    )

    profile: dict[str, Level | None] = Field(
        description="competency id → the level the learner holds (null: held, at no stated level)"
    )
    occupation: str = Field(examples=["csco:6-31-07-03"])
    level: Level = Field(description=f"level {LEVELS_TEXT}")
    program: str | None = Field(None, description="only courses of this program", examples=["program:IRAM"])
    include_optional: bool = False
    close_match: bool = False


class LearnerGap(_Out):
    """A required competency the learner does not hold at the required level."""

    competency: str
    name_zh: str | None
    name_en: str | None
    dimension: Dimension | None  # type: ignore[valid-type]
    status: Status  # type: ignore[valid-type]
    required_level: int | None
    held_level: int | None
    closed_by: list[str] = Field(description="the courses of the path that close it")


class PathStep(_Out):
    """One course of the path, in prerequisite order."""

    step: int
    course: str
    name_zh: str | None
    name_en: str | None
    hours: int | None
    semester: int | None
    reason: str = Field(description="gap: picked to close gaps; prerequisite: needed by a pick")
    closes: list[str]
    prerequisites: list[str]
    resources: list[ResourceRef]


class LearningPath(_Out):
    """Question 9: a small set of courses closing the learner's gaps, in prerequisite order."""

    occupation: str
    level: int
    program: str | None
    include_optional: bool
    close_match: bool
    held: list[str] = Field(description="required competencies the profile already holds")
    gaps: list[LearnerGap]
    steps: list[PathStep]
    uncloseable: list[str] = Field(description="gaps no course closes")
    total_hours: int
    hours_unknown: list[str] = Field(description="steps whose hours are not stated")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "occupation": "csco:6-31-07-03",
                    "level": 3,
                    "program": "program:IRAM",
                    "include_optional": False,
                    "close_match": False,
                    "held": ["comp:P-01"],
                    "gaps": [
                        {
                            "competency": "comp:P-05",
                            "name_zh": "I/O信号配置与逻辑编程",
                            "name_en": "I/O signal configuration and logic programming",
                            "dimension": "professional",
                            "status": "missing",
                            "required_level": 3,
                            "held_level": None,
                            "closed_by": ["course:IR-306"],
                        }
                    ],
                    "steps": [
                        {
                            "step": 13,
                            "course": "course:IR-306",
                            "name_zh": "工业机器人工作站综合项目",
                            "name_en": "Integrated robot workstation project",
                            "hours": 240,
                            "semester": 8,
                            "reason": "gap",
                            "closes": ["comp:M-01", "comp:P-05"],
                            "prerequisites": ["course:IR-303", "course:IR-304", "course:IR-305"],
                            "resources": [],
                        }
                    ],
                    "uncloseable": ["comp:P-13", "comp:P-15"],
                    "total_hours": 1824,
                    "hours_unknown": [],
                }
            ]
        }
    )


# -- a program at a glance


class ProgramTarget(_Out):
    """An occupation the program TARGETS."""

    occupation: str
    name_zh: str | None
    name_en: str | None
    level: int | None = Field(description="the level stated on TARGETS; null: none")


class ProgramCourse(_Out):
    """A course the program INCLUDES."""

    course: str
    name_zh: str | None
    name_en: str | None
    semester: int | None = Field(description="the INCLUDES semester, else the course's own")
    required: bool = Field(description="false only when INCLUDES says required false")
    hours: int | None
    category: str | None


class ProgramSummary(_Out):
    """A program at a glance: its properties, the occupations it TARGETS (the highest level first) and the courses
    it INCLUDES (by semester, then id)."""

    program: str
    name_zh: str | None
    name_en: str | None
    properties: dict[str, Any] = Field(description="the program's other properties, as stored")
    targets: list[ProgramTarget]
    courses: list[ProgramCourse]

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "program": "program:IRAM",
                    "name_zh": "工业机器人应用与维护",
                    "name_en": "Industrial robot application and maintenance",
                    "properties": {"code": "0112-4", "duration_years": 5, "source": "demo"},
                    "targets": [
                        {
                            "occupation": "csco:6-31-07-01",
                            "name_zh": "工业机器人系统运维员",
                            "name_en": "Industrial robot system maintenance technician",
                            "level": 3,
                        }
                    ],
                    "courses": [
                        {
                            "course": "course:GE-101",
                            "name_zh": "思想政治",
                            "name_en": "Ideological and political education",
                            "semester": 1,
                            "required": True,
                            "hours": 144,
                            "category": "public_foundation",
                        }
                    ],
                }
            ]
        }
    )
