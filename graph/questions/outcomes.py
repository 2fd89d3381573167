"""Co-evaluation, outcome gaps: where a cohort's results fall short of the level the occupation requires.

For program P against occupation O at level L (R(O, L) and matches as in coverage), for each
cohort of P (HAS_COHORT), or the one asked about, and each required competency c at its
required level r:

1. **evidence**: the cohort's results (ACHIEVED) for c or a competency that counts as c
   (EXACT_MATCH always, CLOSE_MATCH on request), from assessments whose evaluator judges
   (the school or an enterprise; self-evaluations are shown, never counted);
2. **per assessment**, the share reaching r is the highest share it states at a level ≥ r
   (shares are cumulative: whoever reached a higher level reached r); with r level-agnostic,
   the highest share at any level. An assessment stating only levels below r says nothing of r;
3. among the assessments that say something of r, **summative ones take precedence** over
   process ones, and the **lowest** of their shares is the cohort's share (the weakest
   judgement decides: an enterprise's 60 % is not hidden by a school's 90 %);
4. **status**: ``met`` (share ≥ threshold), ``short`` (share < threshold), ``below_level``
   (judging results exist, but only below r: nobody is shown to reach r, so the share counts
   as 0), ``no_result`` (no judging result at all: an assessed-coverage matter, not ranked);
5. **shortfall** = threshold − share, in percentage points; **score** = shortfall × the
   number of O's typical work tasks needing c (a competency O requires only directly
   counts as needed by one). Gaps (short and below-level) are ranked by score, shortfall,
   cohort id and competency id.

Examples
--------
>>> from graph.questions import demo_questions
>>> o = demo_questions().outcome_gaps("program:IRAM", "csco:6-31-07-03", 3)
>>> [(g.cohort, g.competency, g.status, g.score) for g in o.gaps][:2]
[('cohort:IRAM-2025', 'comp:P-16', 'below_level', 160.0), ('cohort:IRAM-2024', 'comp:P-12', 'short', 25.0)]
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

from graph.errors import InvalidInputError
from graph.questions import evaluators
from graph.questions.facts import Facts
from graph.questions.model import Answer, Options, names, sort_key
from graph.questions.requirements import Requirement
from graph.store import ResultRow

MET, SHORT, BELOW_LEVEL, NO_RESULT = "met", "short", "below_level", "no_result"
OUTCOME_STATUSES = (MET, SHORT, BELOW_LEVEL, NO_RESULT)
DEFAULT_THRESHOLD = 80.0


@dataclass(frozen=True)
class Evidence(Answer):
    """One result of the cohort for the competency (or a match): ``counts`` when it decides the share."""

    assessment: str
    kind: str | None
    evaluator: str | None
    competency: str
    level: int
    share: float
    counts: bool


@dataclass(frozen=True)
class OutcomeGap(Answer):
    """A required competency whose results, for one cohort, fall short."""

    rank: int
    cohort: str
    year: int | None
    competency: str
    name_zh: str | None
    name_en: str | None
    dimension: str | None
    status: str
    required_level: int | None
    tasks: list[str]
    share: float | None
    shortfall: float
    score: float
    evidence: list[Evidence]


@dataclass(frozen=True)
class CohortOutcome(Answer):
    """One cohort of P: the required competencies by status, and the share of each met or short one."""

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


@dataclass(frozen=True)
class OutcomeGaps(Answer):
    """The answer to the outcome-gaps question."""

    program: str
    occupation: str
    level: int
    threshold: float
    include_optional: bool
    close_match: bool
    cohorts: list[CohortOutcome]
    gaps: list[OutcomeGap]

    def ids(self) -> list[tuple[str, str]]:
        """(cohort, competency) of each gap, in rank order."""
        return [(g.cohort, g.competency) for g in self.gaps]


def check_threshold(facts: Facts, threshold: object) -> float:
    """``threshold`` as a float if it is a percentage above 0 (bounds: the ontology's ``share``), else an error."""
    share = facts.schema.relationship("ACHIEVED").properties["share"]
    low, high = share.minimum, share.maximum
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or not low < threshold <= high:  # type: ignore[operator]
        raise InvalidInputError(f"threshold must be a percentage above {low} and at most {high}, not {threshold!r}")
    return float(threshold)


def judge(
    requirement: Requirement, rows: list[ResultRow], kinds: dict[str, tuple[str | None, str | None]]
) -> tuple[str, float | None, set[str]]:
    """(status before the threshold, share, deciding assessments) of one cohort for one requirement.

    ``rows``: the cohort's results for the competency or its matches; ``kinds``: assessment → (kind, evaluator).
    The status is ``no_result``, ``below_level``, or ``measured`` (compare the share with the threshold).

    >>> from graph.store import ResultRow as R
    >>> req = Requirement("comp:X", 3, True, None, False, ())
    >>> kinds = {"a": ("process", "school"), "b": ("summative", "enterprise"), "s": ("summative", "self")}
    >>> rows = [R("co", "a", "comp:X", 3, 90.0), R("co", "b", "comp:X", 4, 60.0), R("co", "b", "comp:X", 3, 70.0)]
    >>> judge(req, rows, kinds)  # b is summative: it decides, with its share at level ≥ 3
    ('measured', 70.0, {'b'})
    >>> judge(req, [R("co", "a", "comp:X", 2, 95.0), R("co", "s", "comp:X", 3, 99.0)], kinds)
    ('below_level', None, set())
    """
    judging = [r for r in rows if evaluators.judges(kinds.get(r.assessment, (None, None))[1])]
    if not judging:
        return NO_RESULT, None, set()
    best: dict[str, float] = {}
    for r in judging:
        if requirement.level is None or r.level >= requirement.level:
            best[r.assessment] = max(best.get(r.assessment, r.share), r.share)
    if not best:
        return BELOW_LEVEL, None, set()
    summative = {a for a in best if kinds[a][0] == evaluators.SUMMATIVE}
    deciding = summative or set(best)
    return "measured", min(best[a] for a in deciding), deciding


def outcome_gaps(
    facts: Facts,
    program: str,
    occupation: str,
    level: int | None,
    options: Options,
    cohort: str | None,
    threshold: float,
) -> OutcomeGaps:
    """The outcome gaps of ``program``'s cohorts (or ``cohort``) against R(``occupation``, ``level``)."""
    evaluators.check(facts.schema)
    threshold = check_threshold(facts, threshold)
    facts.prefetch(program, occupation, options)
    facts.nodes([program, occupation] + ([cohort] if cohort else []))
    facts.expect([program], "Program")
    facts.expect([occupation], "Occupation")
    level = facts.level(program, occupation, level)
    cohorts = sorted({r.cohort for r in facts.reader.cohorts([program])})
    if cohort is not None:
        facts.expect([cohort], "Cohort")
        if cohort not in cohorts:
            raise InvalidInputError(
                f"{cohort!r} is not a cohort of {program!r}; its cohorts: {', '.join(cohorts) or 'none'}"
            )
        cohorts = [cohort]
    requirements = facts.required(occupation, level, options)
    matches = facts.matches(requirements, options)
    results = sorted(set(facts.reader.results(cohorts)) if cohorts else set(), key=lambda r: sort_key(*r))
    assessments = sorted({r.assessment for r in results})
    info = facts.nodes([*cohorts, *requirements, *assessments])
    kinds = {a: (info[a].props.get("kind"), info[a].props.get("evaluator")) for a in assessments if a in info}
    by_cohort: dict[str, list[ResultRow]] = defaultdict(list)
    for r in results:
        by_cohort[r.cohort].append(r)
    order = sorted(requirements, key=facts.dimension_order)
    outcomes, gaps = [], []
    for co in cohorts:
        statuses: dict[str, list[str]] = {s: [] for s in OUTCOME_STATUSES}
        shares: dict[str, float] = {}
        for c in order:
            req = requirements[c]
            wanted = matches.equivalents(c)
            rows = [r for r in by_cohort[co] if r.competency in wanted]
            status, share, deciding = judge(req, rows, kinds)
            if status == "measured":
                assert share is not None
                shares[c] = share
                status = MET if share >= threshold else SHORT
            statuses[status].append(c)
            if status not in (SHORT, BELOW_LEVEL):
                continue
            shortfall = threshold - (share or 0.0)
            evidence = [
                Evidence(r.assessment, *kinds.get(r.assessment, (None, None)), r.competency, r.level, r.share,
                         r.assessment in deciding and (req.level is None or r.level >= req.level))
                for r in rows
            ]  # fmt: skip
            node = info.get(c)
            gaps.append(
                OutcomeGap(
                    rank=0,
                    cohort=co,
                    year=info[co].props.get("year") if co in info else None,
                    competency=c,
                    name_zh=names(node)[0],
                    name_en=names(node)[1],
                    dimension=node.props.get("dimension") if node else None,
                    status=status,
                    required_level=req.level,
                    tasks=req.task_ids,
                    share=share,
                    shortfall=shortfall,
                    score=shortfall * max(1, len(req.tasks)),
                    evidence=evidence,
                )
            )
        node = info.get(co)
        props = node.props if node else {}
        outcomes.append(
            CohortOutcome(
                cohort=co,
                name_zh=names(node)[0],
                name_en=names(node)[1],
                year=props.get("year"),
                size=props.get("size"),
                met=statuses[MET],
                short=statuses[SHORT],
                below_level=statuses[BELOW_LEVEL],
                no_result=statuses[NO_RESULT],
                shares=shares,
            )
        )
    gaps.sort(key=lambda g: (-g.score, -g.shortfall, g.cohort, g.competency))
    ranked = [replace(g, rank=i) for i, g in enumerate(gaps, start=1)]
    return OutcomeGaps(
        program, occupation, level, threshold, options.include_optional, options.close_match, outcomes, ranked
    )
