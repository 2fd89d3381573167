"""Co-evaluation (共评培养结果) and co-research (共创科研成果) as resources: a thin face over ``service.questions``.

Program ids in paths are taken as they are, slashes included (``{x:path}``), raw or
percent-encoded; each route ends in a fixed word the id cannot swallow. The rules
are in docs/co-evaluation.md; errors are problem details (``api/problems.py``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from api import exports
from api.co_models import AssessedCoverage, OutcomeGaps, ResearchUptake
from api.deps import ServiceDep
from api.question_models import LEVELS_TEXT, Level
from api.responses import AnswerResponse
from api.routes.questions import TableFormat, TableFormatQuery, downloads, respond
from graph.questions.outcomes import DEFAULT_THRESHOLD
from ontology.schema import load_schema

router = APIRouter(tags=["co-evaluation"])

_SHARE = load_schema().relationship("ACHIEVED").properties["share"]

ProgramId = Annotated[
    str, Path(description="a Program id (slashes and percent-encoding allowed)", examples=["program:IRAM"])
]
OccupationQuery = Annotated[str, Query(description="the Occupation to compare with", examples=["csco:6-31-07-03"])]
MaybeLevel = Annotated[
    Level | None,
    Query(description=f"skill level {LEVELS_TEXT}; omitted: the level the program targets", examples=[3]),
]
IncludeOptional = Annotated[bool, Query(description="count optional requirements too (essential false)")]
CloseMatch = Annotated[bool, Query(description="follow CLOSE_MATCH one step (EXACT_MATCH is always followed)")]


@router.get(
    "/programs/{program_id:path}/assessed-coverage",
    response_model=AssessedCoverage,
    summary="Assessed coverage: is each required competency developed and judged (by an enterprise)?",
    responses=downloads(*exports.TABLES),
)
def assessed_coverage(
    program_id: ProgramId,
    occupation: OccupationQuery,
    service: ServiceDep,
    request: Request,
    level: MaybeLevel = None,
    include_optional: IncludeOptional = False,
    close_match: CloseMatch = False,
    fmt: TableFormatQuery = None,
) -> Any:
    """Each required competency as assessed, school_only, not_assessed or missing, with the assessments of it."""
    answer = service.questions.assessed_coverage(
        program_id, occupation, level, include_optional=include_optional, close_match=close_match
    )
    return respond(request, answer, fmt, TableFormat)


@router.get(
    "/programs/{program_id:path}/outcome-gaps",
    response_model=OutcomeGaps,
    summary="Outcome gaps: where cohorts' results fall short of the level the occupation requires",
    responses=downloads(*exports.TABLES),
)
def outcome_gaps(
    program_id: ProgramId,
    occupation: OccupationQuery,
    service: ServiceDep,
    request: Request,
    level: MaybeLevel = None,
    cohort: Annotated[
        str | None, Query(description="only this Cohort of the program", examples=["cohort:IRAM-2025"])
    ] = None,
    threshold: Annotated[
        float,
        Query(
            gt=_SHARE.minimum,
            le=_SHARE.maximum,
            description="the share (%) of a cohort that must be shown to reach the required level",
        ),
    ] = DEFAULT_THRESHOLD,
    include_optional: IncludeOptional = False,
    close_match: CloseMatch = False,
    fmt: TableFormatQuery = None,
) -> Any:
    """Ranked by shortfall (threshold − share, in points) × the number of the occupation's tasks needing it."""
    answer = service.questions.outcome_gaps(
        program_id,
        occupation,
        level,
        cohort=cohort,
        threshold=threshold,
        include_optional=include_optional,
        close_match=close_match,
    )
    return respond(request, answer, fmt, TableFormat)


@router.get(
    "/programs/{program_id:path}/research-uptake",
    response_model=ResearchUptake,
    summary="Research uptake: what school–enterprise projects added, and which gaps a running one could close",
)
def research_uptake(
    program_id: ProgramId,
    service: ServiceDep,
    occupation: Annotated[
        str | None, Query(description="compare with this Occupation; omitted: all the program targets")
    ] = None,
    level: MaybeLevel = None,
    on: Annotated[date | None, Query(description="the day a project must run on (YYYY-MM-DD); omitted: today")] = None,
    include_optional: IncludeOptional = False,
    close_match: CloseMatch = False,
) -> Any:
    """Every project, what it yields and where that went; the program's gaps and the projects that could close them."""
    answer = service.questions.research_uptake(
        program_id, occupation, level, on=on, include_optional=include_optional, close_match=close_match
    )
    return AnswerResponse(answer)  # ready: see api.routes.questions._json
