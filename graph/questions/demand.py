"""Question 6, demand alignment: employer demand in a region / industry against what programs develop.

Employers are kept when they are IN_REGION that exact region and IN_INDUSTRY that
exact industry (regions and industries have no hierarchy in the ontology, so a
city does not include its districts). Demand counts as in ``headcount``: the
year asked for, or each employer's latest year per occupation. Each demanded
occupation is taken at the level given, else the highest level its demands
state, else the top level. Programs compared are those OFFERED by a school in
the region (when a region is given and ``local_programs``), else all programs.

* occupations: headcount, employers, each program's coverage ratio, the best one,
  and ``unmet_headcount = headcount × (1 − best ratio)``; ranked by unmet headcount.
* competencies: everything the demanded occupations require or employers NEED, with
  its demand weight (``headcount.Demand.weight``), the highest level asked for, the
  best level a program in scope develops it at, and its status; ranked by weight.
* programs: ranked by their coverage of the demanded occupations, weighted by headcount.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from graph.questions.development import Developed
from graph.questions.facts import Facts
from graph.questions.levels import check_level, level_range
from graph.questions.matching import tally
from graph.questions.model import COVERED, MISSING, STATUSES, Answer, Options, names


@dataclass(frozen=True)
class ProgramFit(Answer):
    """A program's coverage ratio of an occupation, or of the whole demand."""

    program: str
    name_zh: str | None
    name_en: str | None
    ratio: float


@dataclass(frozen=True)
class OccupationDemand(Answer):
    """Demand for one occupation and how well programs in scope meet it."""

    occupation: str
    name_zh: str | None
    name_en: str | None
    headcount: int
    employers: dict[str, int]
    level: int
    programs: list[ProgramFit]
    best_ratio: float
    unmet_headcount: float


@dataclass(frozen=True)
class CompetencyDemand(Answer):
    """Demand for one competency and whether programs in scope develop it."""

    competency: str
    name_zh: str | None
    name_en: str | None
    dimension: str | None
    weight: int
    headcount: int
    needed_by: dict[str, int | None]
    required_level: int | None
    developed_level: int | None
    status: str
    programs: list[str]


@dataclass(frozen=True)
class DemandAlignment(Answer):
    """The answer to question 6."""

    region: str | None
    industry: str | None
    year: int | None
    level: int | None
    close_match: bool
    employers: list[str]
    occupations: list[OccupationDemand]
    competencies: list[CompetencyDemand]
    unmet: list[str]
    programs: list[ProgramFit]


def demand(
    facts: Facts,
    region: str | None,
    industry: str | None,
    year: int | None,
    level: int | None,
    options: Options,
    local_programs: bool,
) -> DemandAlignment:
    """Question 6."""
    if level is not None:
        check_level(facts.schema, level)
    facts.nodes([x for x in (region, industry) if x is not None])
    if region is not None:
        facts.expect([region], "Region")
    if industry is not None:
        facts.expect([industry], "Industry")
    wanted = facts.demand(None, None, year=year, region=region, industry=industry)
    top = level_range(facts.schema)[1]
    levels = {o: level or wanted.level(o) or top for o in wanted.occupations}
    required = facts.levels_required_by(levels, options)
    competencies = sorted({c for reqs in required.values() for c in reqs} | set(wanted.needed))
    matches = facts.matches(competencies, options)

    programs = sorted(facts.reader.programs(region if local_programs else None))
    curricula: dict[str, set[str]] = defaultdict(set)
    for row in facts.reader.includes(programs=programs) if programs else []:
        curricula[row.program].add(row.course)
    by_course = defaultdict(list)
    for row in facts.develops(sorted({c for found in curricula.values() for c in found})):
        by_course[row.course].append(row)
    developed = {p: Developed([r for c in sorted(curricula[p]) for r in by_course[c]], matches) for p in programs}
    info = facts.nodes([*programs, *levels, *competencies])

    occupations, program_score = [], dict.fromkeys(programs, 0.0)
    for o in wanted.occupations:
        fits = []
        for p in programs:
            ratio = tally(required[o], developed[p]).ratio or 0.0
            program_score[p] += wanted.headcount(o) * ratio
            if ratio > 0:
                fits.append(ProgramFit(p, *names(info.get(p)), ratio))
        fits.sort(key=lambda f: (-f.ratio, f.program))
        best = fits[0].ratio if fits else 0.0
        occupations.append(
            OccupationDemand(
                o,
                *names(info.get(o)),
                wanted.headcount(o),
                wanted.employers(o),
                levels[o],
                fits,
                best,
                wanted.headcount(o) * (1 - best),
            )
        )
    occupations.sort(key=lambda d: (-d.unmet_headcount, -d.headcount, d.occupation))

    rows = []
    for c in competencies:
        requiring = [o for o in wanted.occupations if c in required[o]]
        asked = [required[o][c] for o in requiring] + list(wanted.needed_by(c).values())
        required_level = max((lv for lv in asked if lv is not None), default=None)
        statuses = {p: developed[p].assess(c, required_level) for p in programs}
        best_status = min((st for st, _ in statuses.values()), key=STATUSES.index, default=MISSING)
        node = info.get(c)
        rows.append(
            CompetencyDemand(
                competency=c,
                name_zh=names(node)[0],
                name_en=names(node)[1],
                dimension=node.props.get("dimension") if node else None,
                weight=wanted.weight(c, requiring),
                headcount=sum(wanted.headcount(o) for o in requiring),
                needed_by=wanted.needed_by(c),
                required_level=required_level,
                developed_level=max((lv for _, lv in statuses.values() if lv is not None), default=None),
                status=best_status,
                programs=sorted(p for p, (st, _) in statuses.items() if st == COVERED),
            )
        )
    rows.sort(key=lambda r: (-r.weight, r.competency))
    people = sum(wanted.headcount(o) for o in wanted.occupations)
    ranked = [
        ProgramFit(p, *names(info.get(p)), score / people if people else 0.0) for p, score in program_score.items()
    ]
    ranked.sort(key=lambda f: (-f.ratio, f.program))
    employers = sorted(
        {e for o in wanted.occupations for e in wanted.employers(o)}
        | {e for c in wanted.needed for e in wanted.needed_by(c)}
    )
    return DemandAlignment(
        region=region,
        industry=industry,
        year=year,
        level=level,
        close_match=options.close_match,
        employers=employers,
        occupations=occupations,
        competencies=rows,
        unmet=[r.competency for r in rows if r.status != COVERED],
        programs=ranked,
    )
