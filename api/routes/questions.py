"""The questions (DESIGN §3, 1–9) as resources: a thin face over ``service.questions``.

Ids in paths are taken as they are, slashes included (``{x:path}``), so CURIEs
(``program:IRAM``), ESCO CURIEs (``esco:occupation/…``) and ESCO URIs
(``http://data.europa.eu/esco/…``) work raw or percent-encoded; each route ends
in a fixed word (``/coverage``, ``/programs``, …) that the id cannot swallow.
The JSON answer is the engine's answer as ``as_dict()`` gives it, with long ranked lists paged;
``?format=`` (or an ``Accept`` header) turns it into a CSV, XLSX, PNG or SVG
download of the whole answer.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import Response

from api import exports
from api.deps import Limit, Offset, ServiceDep
from api.question_models import (
    LEVELS_TEXT,
    Coverage,
    CurriculumMap,
    Delivery,
    DemandAlignment,
    Gaps,
    LearningPath,
    LearningPathRequest,
    Level,
    Orphans,
    ProgramSummary,
    Ranking,
    ResourceType,
    Weight,
    WhatIf,
    WhatIfRequest,
)
from api.responses import AnswerResponse, with_pages
from graph.questions.gaps import MAX_CANDIDATES, MAX_EMPLOYERS

router = APIRouter(tags=["questions"])

#: ``?format=`` values: JSON and tables everywhere exports exist; pictures for the map and coverage.
TableFormat = Enum("TableFormat", {f: f for f in ("json", *exports.TABLES)}, type=str)
PictureFormat = Enum("PictureFormat", {f: f for f in ("json", *exports.TABLES, *exports.PICTURES)}, type=str)

ProgramId = Annotated[
    str, Path(description="a Program id (slashes and percent-encoding allowed)", examples=["program:IRAM"])
]
OccupationId = Annotated[
    str,
    Path(
        description="an Occupation id: a CURIE or an ESCO URI, raw or percent-encoded",
        examples=["csco:6-31-07-03", "http://data.europa.eu/esco/occupation/5001506f-dd7d-4801-92ac-6f7e93b45133"],
    ),
]
EmployerId = Annotated[str, Path(description="an Employer id", examples=["emp:WX-LANXIN"])]
OccupationQuery = Annotated[str, Query(description="the Occupation to compare with", examples=["csco:6-31-07-03"])]
MaybeOccupation = Annotated[
    str | None, Query(description="the Occupation to compare with (optional)", examples=["csco:6-31-07-03"])
]
MaybeLevel = Annotated[
    Level | None,
    Query(description=f"skill level {LEVELS_TEXT}; omitted: the level the program targets", examples=[3]),
]
RequiredLevel = Annotated[Level, Query(description=f"skill level {LEVELS_TEXT}", examples=[3])]
OptionalLevel = Annotated[Level | None, Query(description=f"skill level {LEVELS_TEXT}", examples=[3])]
IncludeOptional = Annotated[bool, Query(description="count optional requirements too (essential false)")]
CloseMatch = Annotated[bool, Query(description="follow CLOSE_MATCH one step (EXACT_MATCH is always followed)")]
Year = Annotated[int | None, Query(description="demand of this year only; omitted: each employer's latest")]
TableFormatQuery = Annotated[
    TableFormat | None, Query(alias="format", description="json (default), or a csv / xlsx download")
]
PictureFormatQuery = Annotated[
    PictureFormat | None,
    Query(alias="format", description="json (default), a csv / xlsx download, or a png / svg picture"),
]

_ACCEPT = {media.split(";")[0]: fmt for fmt, media in exports.MEDIA_TYPES.items()}


def downloads(*formats: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` entry listing the other media types a route can answer with."""
    content = {exports.MEDIA_TYPES[f].split(";")[0]: {} for f in formats}
    return {200: {"content": content, "description": "the answer (JSON), or a download with ?format="}}


def _format(request: Request, asked: Enum | None, allowed: type[Enum]) -> str:
    """The format asked for: ``?format=`` first, else the first known media type of ``Accept``, else JSON."""
    if asked is not None:
        return str(asked.value)
    names = {m.value for m in allowed}
    for part in request.headers.get("accept", "").split(","):
        fmt = _ACCEPT.get(part.split(";")[0].strip().lower())
        if fmt in names:
            return fmt
    return "json"


def _download(request: Request, answer: Any, fmt: str) -> Response:
    try:
        body = exports.render(answer, fmt, request.app.state.service.store.get_nodes)
    except ImportError:  # api.pictures (and its drawing library) are optional
        raise HTTPException(501, f"{fmt} pictures are not available on this server") from None
    disposition = "inline" if fmt in exports.PICTURES else "attachment"
    return Response(
        body,
        media_type=exports.MEDIA_TYPES[fmt],
        headers={"Content-Disposition": exports.content_disposition(answer, fmt, disposition)},
    )


def _json(answer: Any, paged: tuple[str, ...] = (), offset: int = 0, limit: int = 0) -> AnswerResponse:
    """The answer, with the lists named in ``paged`` as pages, as a ready response (``api.responses``).

    Ready, because FastAPI would otherwise validate the dict the engine built against the response model
    again and re-encode it — half the serving cost of a small answer. The models still document the
    answers (OpenAPI), and the tests check every answer against its model.
    """
    return AnswerResponse(with_pages(answer, paged, offset, limit) if paged else answer)


def respond(
    request: Request,
    answer: Any,
    asked: Enum | None,
    allowed: type[Enum],
    paged: tuple[str, ...] = (),
    offset: int = 0,
    limit: int = 0,
) -> Any:
    """The answer as JSON, or as the download asked for (a download holds the whole answer, not one page)."""
    fmt = _format(request, asked, allowed)
    return _json(answer, paged, offset, limit) if fmt == "json" else _download(request, answer, fmt)


@router.get(
    "/programs/{program_id:path}/coverage",
    response_model=Coverage,
    summary="Coverage: how much of an occupation's requirements a program develops",
    responses=downloads(*exports.TABLES, *exports.PICTURES),
)
def coverage(
    program_id: ProgramId,
    occupation: OccupationQuery,
    service: ServiceDep,
    request: Request,
    level: MaybeLevel = None,
    include_optional: IncludeOptional = False,
    close_match: CloseMatch = False,
    weight: Annotated[Weight | None, Query(description="weight ratios by importance or employer demand")] = None,
    fmt: PictureFormatQuery = None,
) -> Any:
    """Each required competency covered, under-level or missing; totals overall, per dimension and per task."""
    answer = service.questions.coverage(
        program_id,
        occupation,
        level,
        include_optional=include_optional,
        close_match=close_match,
        weight=weight.value if weight else None,
    )
    return respond(request, answer, fmt, PictureFormat)


@router.get(
    "/programs/{program_id:path}/gaps",
    response_model=Gaps,
    summary="Gaps: the under-level and missing competencies, ranked, with employers and candidate courses",
    responses=downloads(*exports.TABLES),
)
def gaps(
    program_id: ProgramId,
    occupation: OccupationQuery,
    service: ServiceDep,
    request: Request,
    level: MaybeLevel = None,
    include_optional: IncludeOptional = False,
    close_match: CloseMatch = False,
    max_candidates: Annotated[
        int, Query(ge=0, le=1000, description="candidates listed per gap, the best first (candidate_count: all)")
    ] = MAX_CANDIDATES,
    max_employers: Annotated[
        int, Query(ge=0, le=1000, description="employers listed per gap, the best first (employer_count: all)")
    ] = MAX_EMPLOYERS,
    offset: Offset = 0,
    limit: Limit = 50,
    fmt: TableFormatQuery = None,
) -> Any:
    """Ranked by the number of tasks needing them, importance, demand and id; one page of them."""
    answer = service.questions.gaps(
        program_id,
        occupation,
        level,
        include_optional=include_optional,
        close_match=close_match,
        max_candidates=max_candidates,
        max_employers=max_employers,
    )
    return respond(request, answer, fmt, TableFormat, ("gaps",), offset, limit)


@router.get(
    "/programs/{program_id:path}/map",
    response_model=CurriculumMap,
    summary="Curriculum map: course × competency and course × task matrices",
    responses=downloads(*exports.TABLES, *exports.PICTURES),
)
def curriculum_map(
    program_id: ProgramId,
    service: ServiceDep,
    request: Request,
    occupation: MaybeOccupation = None,
    level: MaybeLevel = None,
    include_optional: IncludeOptional = False,
    close_match: CloseMatch = False,
    fmt: PictureFormatQuery = None,
) -> Any:
    """The program's courses × the competencies they develop (and, with an occupation, those it requires)."""
    answer = service.questions.curriculum_map(
        program_id, occupation, level, include_optional=include_optional, close_match=close_match
    )
    return respond(request, answer, fmt, PictureFormat)


@router.get(
    "/programs/{program_id:path}/orphans",
    response_model=Orphans,
    summary="Orphans: courses developing nothing required, redundant competencies, untaught tasks",
    responses=downloads(*exports.TABLES),
)
def orphans(
    program_id: ProgramId,
    service: ServiceDep,
    request: Request,
    occupation: Annotated[
        str | None, Query(description="compare with this occupation; omitted: all the program targets")
    ] = None,
    level: OptionalLevel = None,
    include_optional: IncludeOptional = False,
    close_match: CloseMatch = False,
    threshold: Annotated[int, Query(ge=2, description="courses developing a competency to call it redundant")] = 3,
    fmt: TableFormatQuery = None,
) -> Any:
    """Against the occupation given, or every occupation the program targets (each at its level)."""
    answer = service.questions.orphans(
        program_id, occupation, level, include_optional=include_optional, close_match=close_match, threshold=threshold
    )
    return respond(request, answer, fmt, TableFormat)


@router.post("/programs/{program_id:path}/whatif", response_model=WhatIf, summary="What-if: coverage before and after")
def whatif(program_id: ProgramId, change: WhatIfRequest, service: ServiceDep) -> Any:
    """Coverage before and after adding, removing or describing courses; nothing is written to the graph."""
    answer = service.questions.whatif(
        program_id,
        change.occupation,
        change.level,
        add_courses=change.add_courses,
        remove_courses=change.remove_courses,
        new_courses=[c.model_dump() for c in change.new_courses],
        include_optional=change.include_optional,
        close_match=change.close_match,
        weight=change.weight.value if change.weight else None,
    )
    return _json(answer)


@router.get(
    "/demand",
    response_model=DemandAlignment,
    summary="Demand alignment: employer demand in a region / industry against what programs develop",
    responses=downloads(*exports.TABLES),
)
def demand(
    service: ServiceDep,
    request: Request,
    region: Annotated[
        str | None, Query(description="employers IN_REGION this Region", examples=["region:320500"])
    ] = None,
    industry: Annotated[
        str | None, Query(description="employers IN_INDUSTRY this Industry", examples=["ind:C34"])
    ] = None,
    year: Year = None,
    level: Annotated[
        Level | None, Query(description=f"level {LEVELS_TEXT}; omitted: each demand's own level", examples=[3])
    ] = None,
    include_optional: IncludeOptional = False,
    close_match: CloseMatch = False,
    local_programs: Annotated[bool, Query(description="with a region: compare only programs of schools in it")] = True,
    offset: Offset = 0,
    limit: Limit = 50,
    fmt: TableFormatQuery = None,
) -> Any:
    """Occupations ranked by unmet headcount and competencies by demand weight (one page of each)."""
    answer = service.questions.demand(
        region,
        industry,
        year,
        level=level,
        include_optional=include_optional,
        close_match=close_match,
        local_programs=local_programs,
    )
    return respond(request, answer, fmt, TableFormat, ("occupations", "competencies"), offset, limit)


@router.get(
    "/programs/{program_id:path}/occupations",
    response_model=Ranking,
    summary="Matching: the occupations a program covers best",
)
def match_occupations(
    program_id: ProgramId,
    level: RequiredLevel,
    service: ServiceDep,
    include_optional: IncludeOptional = False,
    close_match: CloseMatch = False,
    offset: Offset = 0,
    limit: Limit = 50,
) -> Any:
    """Occupations sharing a competency with the program, ranked by coverage ratio, covered count and id."""
    answer = service.questions.match_occupations(
        program_id, level, include_optional=include_optional, close_match=close_match
    )
    return _json(answer, ("entries",), offset, limit)


@router.get(
    "/occupations/{occupation_id:path}/programs",
    response_model=Ranking,
    summary="Matching: the programs that cover an occupation best",
)
def match_programs(
    occupation_id: OccupationId,
    level: RequiredLevel,
    service: ServiceDep,
    include_optional: IncludeOptional = False,
    close_match: CloseMatch = False,
    offset: Offset = 0,
    limit: Limit = 50,
) -> Any:
    """Programs developing any of the occupation's requirements, ranked by coverage ratio, covered count and id."""
    answer = service.questions.match_programs(
        occupation_id, level, include_optional=include_optional, close_match=close_match
    )
    return _json(answer, ("entries",), offset, limit)


@router.get(
    "/employers/{employer_id:path}/programs",
    response_model=Ranking,
    summary="Matching: the programs that cover an employer's demand best",
)
def match_programs_for_employer(
    employer_id: EmployerId,
    service: ServiceDep,
    level: Annotated[
        Level | None, Query(description=f"level {LEVELS_TEXT}; omitted: each demand's own level", examples=[2])
    ] = None,
    year: Year = None,
    include_optional: IncludeOptional = False,
    close_match: CloseMatch = False,
    offset: Offset = 0,
    limit: Limit = 50,
) -> Any:
    """Programs ranked by their headcount-weighted coverage of the occupations the employer demands."""
    answer = service.questions.match_programs_for_employer(
        employer_id, level, year, include_optional=include_optional, close_match=close_match
    )
    return _json(answer, ("entries",), offset, limit)


@router.get(
    "/programs/{program_id:path}/delivery",
    response_model=Delivery,
    summary="Delivery gaps: courses and learning tasks without resources, bases or 双师型 teachers",
    responses=downloads(*exports.TABLES),
)
def delivery(
    program_id: ProgramId,
    service: ServiceDep,
    request: Request,
    resource_type: Annotated[
        ResourceType | None, Query(description="count only resources of this type (the ontology's ResourceTypeScheme)")
    ] = None,
    fmt: TableFormatQuery = None,
) -> Any:
    """Every course and learning task of the program with its resources, bases and teachers, and what it lacks."""
    answer = service.questions.delivery(program_id, resource_type.value if resource_type else None)
    return respond(request, answer, fmt, TableFormat)


@router.get(
    "/programs/{program_id:path}/summary",
    response_model=ProgramSummary,
    summary="A program at a glance: its properties, the occupations it targets and the courses it includes",
    responses=downloads(*exports.TABLES),
)
def program_summary(program_id: ProgramId, service: ServiceDep, request: Request, fmt: TableFormatQuery = None) -> Any:
    """Where a question about a program starts: the occupations to ask about (with their TARGETS levels) and the
    courses a what-if can leave out."""
    return respond(request, service.questions.summary(program_id), fmt, TableFormat)


@router.post("/learning-path", response_model=LearningPath, summary="Learning path: courses closing a learner's gaps")
def learning_path(learner: LearningPathRequest, service: ServiceDep) -> Any:
    """A small set of courses (weighted set cover by hours) closing the gaps, in prerequisite order, with resources."""
    answer = service.questions.learning_path(
        learner.profile,
        learner.occupation,
        learner.level,
        learner.program,
        include_optional=learner.include_optional,
        close_match=learner.close_match,
    )
    return _json(answer)
