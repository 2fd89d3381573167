"""Co-evaluation, assessed coverage (共评培养结果): is each competency O requires developed, and judged?

For program P against occupation O at level L, with R(O, L), D(P), matches and
levels exactly as in coverage (docs/questions.md):

* **P's assessments** are those HAS_ASSESSMENT of P's courses and of their learning tasks;
* an assessment **counts** for a required competency c when it ASSESSES c or a competency
  that counts as c (EXACT_MATCH always, CLOSE_MATCH on request), at a level that satisfies
  the requirement (at or above it, or either side level-agnostic), and its evaluator judges
  (the school or an enterprise; a self-evaluation never counts on its own);
* the **status** of c: ``missing`` when P does not develop it at all (coverage's missing);
  else ``assessed`` when an enterprise assessment counts, ``school_only`` when only
  school assessments count, ``not_assessed`` when none does. Whether the development
  reaches the required level is coverage's question: it is given as ``development``.

Examples
--------
>>> from graph.questions import demo_questions
>>> a = demo_questions().assessed_coverage("program:IRAM", "csco:6-31-07-03", 3)
>>> a.overall.as_tuple()
(34, 11, 7, 10, 6)
>>> a.get("comp:P-04").status, [u.competency for u in a.get("comp:P-04").assessments]
('assessed', ['comp:P-33'])
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from graph.questions import evaluators
from graph.questions.coverage import CompetencyCoverage, score, setting
from graph.questions.facts import Facts
from graph.questions.levels import satisfies
from graph.questions.model import MISSING, Answer, Options, names, sort_key

ASSESSED, SCHOOL_ONLY, NOT_ASSESSED = "assessed", "school_only", "not_assessed"
#: The status of a required competency against P's assessments, best first.
ASSESSED_STATUSES = (ASSESSED, SCHOOL_ONLY, NOT_ASSESSED, MISSING)


@dataclass(frozen=True)
class AssessmentUse(Answer):
    """An assessment of P that ASSESSES a required competency or a match of it.

    ``holder`` is the course or learning task it belongs to, ``course`` that course (or the
    learning task's); ``competency`` what it ASSESSES; ``counts`` whether it counts (see the module).
    """

    assessment: str
    name_zh: str | None
    name_en: str | None
    kind: str | None
    evaluator: str | None
    conducted_by: list[str]
    holder: str
    course: str | None
    competency: str
    level: int | None
    counts: bool


@dataclass(frozen=True)
class AssessedCompetency(Answer):
    """One competency of R(O, L): how P develops it (``development``) and whether P's assessments judge it."""

    competency: str
    name_zh: str | None
    name_en: str | None
    dimension: str | None
    status: str
    development: str
    required_level: int | None
    developed_level: int | None
    tasks: list[str]
    evaluators: list[str]
    assessments: list[AssessmentUse]


@dataclass(frozen=True)
class AssessedTally(Answer):
    """Counts by status; ``ratio`` = assessed / total, ``judged_ratio`` = (assessed + school_only) / total."""

    total: int
    assessed: int
    school_only: int
    not_assessed: int
    missing: int
    ratio: float | None
    judged_ratio: float | None

    @classmethod
    def of(cls, statuses: Iterable[str]) -> AssessedTally:
        """Tally statuses.

        >>> AssessedTally.of(["assessed", "school_only", "missing", "assessed"]).as_tuple()
        (4, 2, 1, 0, 1)
        """
        found = list(statuses)
        counts = [found.count(s) for s in ASSESSED_STATUSES]
        total = len(found)
        return cls(total, *counts, counts[0] / total if total else None, sum(counts[:2]) / total if total else None)

    def as_tuple(self) -> tuple[int, int, int, int, int]:
        return (self.total, self.assessed, self.school_only, self.not_assessed, self.missing)


@dataclass(frozen=True)
class AssessedCoverage(Answer):
    """The answer to the assessed-coverage question."""

    program: str
    occupation: str
    level: int
    include_optional: bool
    close_match: bool
    assessments: list[str]
    overall: AssessedTally
    by_dimension: dict[str, AssessedTally]
    competencies: list[AssessedCompetency]

    def ids(self, status: str) -> list[str]:
        """The competencies with ``status``, in answer order."""
        return [c.competency for c in self.competencies if c.status == status]

    def get(self, competency: str) -> AssessedCompetency:
        """The row of ``competency``; ``KeyError`` when it is not in R."""
        for row in self.competencies:
            if row.competency == competency:
                return row
        raise KeyError(competency)


def status_of(development: str, uses: Iterable[AssessmentUse]) -> str:
    """The status of a required competency from its development status and the assessments of it.

    >>> use = AssessmentUse("a", None, None, "process", "school", [], "course:C", "course:C", "comp:X", 3, True)
    >>> status_of("under_level", [use]), status_of("missing", [use]), status_of("covered", [])
    ('school_only', 'missing', 'not_assessed')
    """
    if development == MISSING:
        return MISSING
    judges = {u.evaluator for u in uses if u.counts}
    if evaluators.ENTERPRISE in judges:
        return ASSESSED
    return SCHOOL_ONLY if judges else NOT_ASSESSED


def assessed_coverage(
    facts: Facts, program: str, occupation: str, level: int | None, options: Options
) -> AssessedCoverage:
    """The assessed coverage of R(``occupation``, ``level``) by ``program`` (level None: the TARGETS level)."""
    evaluators.check(facts.schema)
    facts.prefetch(program, occupation, options)
    facts.nodes([program, occupation])
    facts.expect([program], "Program")
    facts.expect([occupation], "Occupation")
    level = facts.level(program, occupation, level)
    s = setting(facts, occupation, level, options, None)
    courses = [r.course for r in facts.curriculum(program)]
    cov = score(facts, s, program, courses, facts.developed(courses, s.matches))
    uses = _uses(facts, courses, cov.competencies, s.matches.equivalents)
    rows = []
    for c in cov.competencies:
        found = uses.get(c.competency, [])
        judged = {u.evaluator for u in found if u.counts}
        rows.append(
            AssessedCompetency(
                competency=c.competency,
                name_zh=c.name_zh,
                name_en=c.name_en,
                dimension=c.dimension,
                status=status_of(c.status, found),
                development=c.status,
                required_level=c.required_level,
                developed_level=c.developed_level,
                tasks=c.tasks,
                evaluators=sorted(judged, key=lambda e: evaluators.evaluator_order(facts.schema, e)),
                assessments=found,
            )
        )
    dimensions = facts.schema.enumeration("CompetencyDimensionScheme").notations
    assessments = sorted({u.assessment for found in uses.values() for u in found})
    return AssessedCoverage(
        program=program,
        occupation=occupation,
        level=level,
        include_optional=options.include_optional,
        close_match=options.close_match,
        assessments=assessments,
        overall=AssessedTally.of(r.status for r in rows),
        by_dimension={d: AssessedTally.of(r.status for r in rows if r.dimension == d) for d in dimensions},
        competencies=rows,
    )


def _uses(
    facts: Facts, courses: list[str], required: list[CompetencyCoverage], equivalents: Callable[[str], frozenset[str]]
) -> dict[str, list[AssessmentUse]]:
    """Per required competency, P's assessments of it or of a match, each marked as counting or not."""
    tasks = facts.learning_tasks(courses)
    course_of = {t.learning_task: t.course for t in tasks}
    holders = [*courses, *course_of]
    rows = sorted(set(facts.reader.assessments(holders)) if holders else set(), key=lambda r: sort_key(*r))
    ids = sorted({r.assessment for r in rows})
    conductors: dict[str, list[str]] = defaultdict(list)
    for row in sorted(facts.reader.conductors(ids)) if ids else []:
        conductors[row.assessment].append(row.organisation)
    info = facts.nodes(ids)
    inside = set(courses)
    result: dict[str, list[AssessmentUse]] = {}
    for c in required:
        wanted = equivalents(c.competency)
        found = []
        for r in rows:
            if r.competency is None or r.competency not in wanted:
                continue
            props = info[r.assessment].props if r.assessment in info else {}
            evaluator = props.get("evaluator")
            counts = evaluators.judges(evaluator) and satisfies(c.required_level, r.level)
            found.append(
                AssessmentUse(
                    assessment=r.assessment,
                    name_zh=names(info.get(r.assessment))[0],
                    name_en=names(info.get(r.assessment))[1],
                    kind=props.get("kind"),
                    evaluator=evaluator,
                    conducted_by=conductors.get(r.assessment, []),
                    holder=r.holder,
                    course=r.holder if r.holder in inside else course_of.get(r.holder),
                    competency=r.competency,
                    level=r.level,
                    counts=counts,
                )
            )
        result[c.competency] = sorted(found, key=lambda u: sort_key(u.assessment, u.competency, u.holder))
    return result
