"""Response models of the co-evaluation and co-research endpoints (``api/routes/co.py``).

They mirror the engine's answers (``graph.questions.assessment``, ``outcomes``,
``research`` and their ``as_dict()``) field for field. Enumerations come from the
ontology (evaluators, assessment kinds, ownership, dimensions) and from the engine
(statuses), never restated here. Examples are abridged real answers over the demo.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from graph.questions.assessment import ASSESSED_STATUSES
from graph.questions.model import STATUSES
from graph.questions.outcomes import BELOW_LEVEL, SHORT
from ontology.schema import load_schema

SCHEMA = load_schema()


def _enum(name: str, values: tuple[str | int, ...]) -> type[Enum]:
    return Enum(name, {str(v): str(v) for v in values}, type=str)  # type: ignore[return-value]


#: Competency dimensions: the ontology's CompetencyDimensionScheme.
Dimension = _enum("CoDimension", SCHEMA.enumeration("CompetencyDimensionScheme").notations)
#: Who judges: the ontology's EvaluatorScheme.
Evaluator = _enum("Evaluator", SCHEMA.enumeration("EvaluatorScheme").notations)
#: Process or summative: the ontology's AssessmentKindScheme.
AssessmentKind = _enum("AssessmentKind", SCHEMA.enumeration("AssessmentKindScheme").notations)
#: Who owns a project's results: the ontology's OwnershipScheme.
Ownership = _enum("Ownership", SCHEMA.enumeration("OwnershipScheme").notations)
#: A required competency against the program's assessments.
AssessedStatus = _enum("AssessedStatus", ASSESSED_STATUSES)
#: A required competency against what the program develops (coverage's statuses).
DevelopmentStatus = _enum("DevelopmentStatus", STATUSES)
#: How a cohort's results fall short.
OutcomeStatus = _enum("OutcomeStatus", (SHORT, BELOW_LEVEL))


class _Out(BaseModel):
    model_config = ConfigDict(use_enum_values=True)


# -- assessed coverage


class AssessmentUse(_Out):
    """An assessment of the program that ASSESSES the competency (or a match of it)."""

    assessment: str
    name_zh: str | None
    name_en: str | None
    kind: AssessmentKind | None  # type: ignore[valid-type]
    evaluator: Evaluator | None  # type: ignore[valid-type]
    conducted_by: list[str] = Field(description="the employers and schools that CONDUCT it")
    holder: str = Field(description="the course or learning task it belongs to")
    course: str | None = Field(description="that course, or the learning task's course")
    competency: str = Field(description="what it ASSESSES: the required competency or a match")
    level: int | None = Field(description="the assessed level; null = level-agnostic")
    counts: bool = Field(description="judges (school or enterprise) at a level that satisfies the requirement")


class AssessedCompetency(_Out):
    """A competency of R(O, L): how the program develops it and whether its assessments judge it."""

    competency: str
    name_zh: str | None
    name_en: str | None
    dimension: Dimension | None  # type: ignore[valid-type]
    status: AssessedStatus  # type: ignore[valid-type]
    development: DevelopmentStatus  # type: ignore[valid-type]
    required_level: int | None
    developed_level: int | None
    tasks: list[str]
    evaluators: list[Evaluator] = Field(description="the evaluators of the assessments that count")  # type: ignore[valid-type]
    assessments: list[AssessmentUse]


class AssessedTally(_Out):
    """Counts by status; ratio = assessed / total, judged_ratio = (assessed + school_only) / total."""

    total: int
    assessed: int
    school_only: int
    not_assessed: int
    missing: int
    ratio: float | None
    judged_ratio: float | None


ASSESSED_EXAMPLE: dict[str, Any] = {
    "program": "program:IRAM",
    "occupation": "csco:6-31-07-03",
    "level": 3,
    "include_optional": False,
    "close_match": False,
    "assessments": ["assess:IR-301-P", "assess:IR-303-E"],
    "overall": {
        "total": 34,
        "assessed": 11,
        "school_only": 7,
        "not_assessed": 10,
        "missing": 6,
        "ratio": 0.3235294117647059,
        "judged_ratio": 0.5294117647058824,
    },
    "by_dimension": {},
    "competencies": [
        {
            "competency": "comp:P-04",
            "name_zh": "运动指令与轨迹编程",
            "name_en": "Motion instruction and path programming",
            "dimension": "professional",
            "status": "assessed",
            "development": "covered",
            "required_level": 3,
            "developed_level": 3,
            "tasks": ["task:IRO-03"],
            "evaluators": ["enterprise"],
            "assessments": [
                {
                    "assessment": "assess:IR-303-E",
                    "name_zh": "编程与调试企业终结性评价",
                    "name_en": "Enterprise summative evaluation: programming and commissioning",
                    "kind": "summative",
                    "evaluator": "enterprise",
                    "conducted_by": ["emp:SZ-HENGCHUAN"],
                    "holder": "course:IR-303",
                    "course": "course:IR-303",
                    "competency": "comp:P-33",
                    "level": 3,
                    "counts": True,
                }
            ],
        }
    ],
}


class AssessedCoverage(_Out):
    """Each required competency as assessed (an enterprise judges it), school_only, not_assessed or missing."""

    program: str
    occupation: str
    level: int
    include_optional: bool
    close_match: bool
    assessments: list[str] = Field(description="the program's assessments of the required competencies")
    overall: AssessedTally
    by_dimension: dict[str, AssessedTally] = Field(description="per dimension, all four, in the ontology's order")
    competencies: list[AssessedCompetency]

    model_config = ConfigDict(json_schema_extra={"examples": [ASSESSED_EXAMPLE]})


# -- outcome gaps


class Evidence(_Out):
    """One result of the cohort for the competency (or a match)."""

    assessment: str
    kind: AssessmentKind | None  # type: ignore[valid-type]
    evaluator: Evaluator | None  # type: ignore[valid-type]
    competency: str
    level: int
    share: float = Field(description="percentage of the cohort that reached at least this level")
    counts: bool = Field(description="it decides the cohort's share")


class OutcomeGap(_Out):
    """A required competency whose results, for one cohort, fall short."""

    rank: int
    cohort: str
    year: int | None
    competency: str
    name_zh: str | None
    name_en: str | None
    dimension: Dimension | None  # type: ignore[valid-type]
    status: OutcomeStatus  # type: ignore[valid-type]
    required_level: int | None
    tasks: list[str]
    share: float | None = Field(description="the share shown to reach the required level; null when below_level")
    shortfall: float = Field(description="threshold − share, in percentage points (share 0 when below_level)")
    score: float = Field(description="shortfall × the number of the occupation's tasks needing it (at least 1)")
    evidence: list[Evidence]


class CohortOutcome(_Out):
    """One cohort: the required competencies by status, and the share of each met or short one."""

    cohort: str
    name_zh: str | None
    name_en: str | None
    year: int | None
    size: int | None
    met: list[str]
    short: list[str]
    below_level: list[str]
    no_result: list[str]
    shares: dict[str, float]


OUTCOMES_EXAMPLE: dict[str, Any] = {
    "program": "program:IRAM",
    "occupation": "csco:6-31-07-03",
    "level": 3,
    "threshold": 80.0,
    "include_optional": False,
    "close_match": False,
    "cohorts": [],
    "gaps": [
        {
            "rank": 2,
            "cohort": "cohort:IRAM-2024",
            "year": 2024,
            "competency": "comp:P-12",
            "name_zh": "PLC程序编制与调试",
            "name_en": "PLC programming and commissioning",
            "dimension": "professional",
            "status": "short",
            "required_level": 3,
            "tasks": ["task:IRO-03"],
            "share": 55.0,
            "shortfall": 25.0,
            "score": 25.0,
            "evidence": [
                {
                    "assessment": "assess:IR-303-E",
                    "kind": "summative",
                    "evaluator": "enterprise",
                    "competency": "comp:P-12",
                    "level": 3,
                    "share": 55.0,
                    "counts": True,
                }
            ],
        }
    ],
}


class OutcomeGaps(_Out):
    """Where cohorts' results fall short of the level the occupation requires, ranked by score."""

    program: str
    occupation: str
    level: int
    threshold: float
    include_optional: bool
    close_match: bool
    cohorts: list[CohortOutcome]
    gaps: list[OutcomeGap]

    model_config = ConfigDict(json_schema_extra={"examples": [OUTCOMES_EXAMPLE]})


# -- research uptake


class CompetencyLevel(_Out):
    """A competency at a level (null: level-agnostic), and the learning task that develops it, if any."""

    competency: str
    level: int | None
    learning_task: str | None = None


class CourseUptake(_Out):
    """What one project added to one course."""

    course: str
    name_zh: str | None
    name_en: str | None
    in_program: bool
    resources: list[str]
    learning_tasks: list[str]
    competencies: list[CompetencyLevel]


class ProjectUptake(_Out):
    """A research project: who, when, under which agreement, what it yields and where that went."""

    project: str
    name_zh: str | None
    name_en: str | None
    start_date: str | None = Field(description="YYYY-MM-DD")
    end_date: str | None = Field(description="YYYY-MM-DD")
    running: bool = Field(description="runs on the day asked about")
    ownership: Ownership | None  # type: ignore[valid-type]
    ownership_note: str | None
    schools: list[str]
    employers: list[str]
    studios: list[str]
    resources: list[str]
    learning_tasks: list[str]
    cultivates: list[CompetencyLevel]
    courses: list[CourseUptake]
    could_cover: list[str] = Field(description="gaps of the program it offers to close (running or not)")


class Offer(_Out):
    """How a project could close a gap: it CULTIVATES the competency, or a learning task it yields DEVELOPS it."""

    project: str
    running: bool
    via: str = Field(description="cultivates or learning_task")
    learning_task: str | None
    competency: str
    level: int | None


class GapOffers(_Out):
    """A gap of the program (under-level or missing) and the projects that could close it."""

    competency: str
    name_zh: str | None
    name_en: str | None
    dimension: Dimension | None  # type: ignore[valid-type]
    status: DevelopmentStatus  # type: ignore[valid-type]
    required_level: int | None
    developed_level: int | None
    occupations: list[str]
    offers: list[Offer]


class ResearchUptake(_Out):
    """Research projects, what they added to which courses, and the gaps a running project could close."""

    program: str
    occupations: dict[str, int] = Field(description="the occupations compared with, each at its level")
    on: str = Field(description="the day asked about, YYYY-MM-DD")
    include_optional: bool
    close_match: bool
    projects: list[ProjectUptake]
    gaps: list[GapOffers]
    coverable: list[str] = Field(description="gaps with an offer from a running project")
