"""Question 7, matching: occupations a program covers best; programs that cover an occupation, or an employer's
demand, best.

A candidate shares at least one competency with the other side (matches
followed as in coverage); those sharing none would all rank last with a ratio
of 0 and are not listed. Ranking: ratio (covered / required) descending, then
the number covered, then id. For an employer, a program's ratio is the mean of
its ratios for the employer's current demands (see ``headcount``), weighted by
headcount; each occupation is taken at the level given, else the level its
demand states, else the top level.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from graph.questions.coverage import Tally
from graph.questions.development import Developed
from graph.questions.facts import Facts
from graph.questions.headcount import current
from graph.questions.levels import check_level, level_range
from graph.questions.matches import Matches
from graph.questions.model import Answer, Options, names


@dataclass(frozen=True)
class OccupationFit(Answer):
    """How one program covers one of an employer's demanded occupations."""

    occupation: str
    headcount: int
    level: int
    ratio: float | None


@dataclass(frozen=True)
class RankedEntry(Answer):
    """One ranked occupation or program."""

    rank: int
    id: str
    name_zh: str | None
    name_en: str | None
    ratio: float
    total: int
    covered: int
    under_level: int
    missing: int
    occupations: list[OccupationFit] | None = None


@dataclass(frozen=True)
class Ranking(Answer):
    """The answer to question 7."""

    subject: str
    ranks: str  # "occupations" or "programs"
    level: int | None
    include_optional: bool
    close_match: bool
    entries: list[RankedEntry]

    def ids(self) -> list[str]:
        return [e.id for e in self.entries]


def tally(levels: Mapping[str, int | None], developed: Developed) -> Tally:
    """How ``developed`` meets each competency of ``levels`` at its required level (None: any), counted."""
    return Tally.counted(developed.assess(c, level)[0] for c, level in levels.items())


def _ranked(facts: Facts, scored: list[tuple[str, Tally, list[OccupationFit] | None, float]]) -> list[RankedEntry]:
    scored.sort(key=lambda e: (-e[3], -e[1].covered, e[0]))
    info = facts.nodes(e[0] for e in scored)
    return [
        RankedEntry(i, node_id, *names(info.get(node_id)), ratio, *t.as_tuple()[:4], fits)
        for i, (node_id, t, fits, ratio) in enumerate(scored, start=1)
    ]


def match_occupations(facts: Facts, program: str, level: int, options: Options) -> Ranking:
    """Occupations ranked by how much of R(O, ``level``) ``program`` covers."""
    check_level(facts.schema, level)
    facts.expect([program], "Program")
    courses = [r.course for r in facts.curriculum(program)]
    rows = facts.develops(courses)
    matches = facts.matches({r.competency for r in rows}, options)
    developed = Developed(rows, matches)
    reach = sorted({e for c in developed.competencies for e in matches.equivalents(c)})
    candidates = sorted(facts.reader.requirers(reach)) if reach else []
    required = facts.levels_required_by(dict.fromkeys(candidates, level), options)
    scored = []
    for occupation, reqs in required.items():
        t = tally(reqs, developed)
        if t.ratio is not None:
            scored.append((occupation, t, None, t.ratio))
    entries = _ranked(facts, scored)
    return Ranking(program, "occupations", level, options.include_optional, options.close_match, entries)


def _programs_for(facts: Facts, wanted: set[str], options: Options) -> tuple[dict[str, Developed], Matches]:
    """The programs that develop any of ``wanted`` (or a match), each with what it develops."""
    matches = facts.matches(wanted, options)
    reach = sorted({e for c in wanted for e in matches.equivalents(c)})
    developers = facts.reader.develops(competencies=reach) if reach else []
    courses = sorted({r.course for r in developers if r.course is not None})
    programs = sorted({r.program for r in facts.reader.includes(courses=courses)}) if courses else []
    curricula: dict[str, set[str]] = defaultdict(set)
    for row in facts.reader.includes(programs=programs) if programs else []:
        curricula[row.program].add(row.course)
    rows = facts.develops(sorted({c for found in curricula.values() for c in found}))
    by_course = defaultdict(list)
    for row in rows:
        by_course[row.course].append(row)
    developed = {
        p: Developed([r for c in sorted(curricula[p]) for r in by_course.get(c, ())], matches) for p in programs
    }
    return developed, matches


def match_programs(facts: Facts, occupation: str, level: int, options: Options) -> Ranking:
    """Programs ranked by how much of R(``occupation``, ``level``) they cover."""
    check_level(facts.schema, level)
    facts.expect([occupation], "Occupation")
    levels = facts.levels_required_by({occupation: level}, options)[occupation]
    developed, _ = _programs_for(facts, set(levels), options)
    scored = []
    for program, dev in developed.items():
        t = tally(levels, dev)
        if t.ratio is not None:
            scored.append((program, t, None, t.ratio))
    entries = _ranked(facts, scored)
    return Ranking(occupation, "programs", level, options.include_optional, options.close_match, entries)


def match_programs_for_employer(
    facts: Facts, employer: str, level: int | None, year: int | None, options: Options
) -> Ranking:
    """Programs ranked by their headcount-weighted coverage of ``employer``'s current demand."""
    if level is not None:
        check_level(facts.schema, level)
    facts.expect([employer], "Employer")
    demands = current(facts.reader.demands(employers=[employer]), year)
    top = level_range(facts.schema)[1]
    levels = {d.occupation: level or d.level or top for d in demands}
    headcounts = {d.occupation: d.headcount for d in demands}
    required = facts.levels_required_by(levels, options)
    developed, _ = _programs_for(facts, {c for reqs in required.values() for c in reqs}, options)
    people = sum(headcounts.values())
    scored = []
    for program, dev in developed.items():
        fits, totals, weighted = [], [], 0.0
        for occupation, reqs in required.items():
            t = tally(reqs, dev)
            fits.append(OccupationFit(occupation, headcounts[occupation], levels[occupation], t.ratio))
            totals.append(t)
            weighted += headcounts[occupation] * (t.ratio or 0.0)
        overall = Tally(
            *(sum(getattr(t, f) for t in totals) for f in ("total", "covered", "under_level", "missing")), None
        )
        scored.append((program, overall, fits, weighted / people if people else 0.0))
    entries = _ranked(facts, scored)
    return Ranking(employer, "programs", level, options.include_optional, options.close_match, entries)
