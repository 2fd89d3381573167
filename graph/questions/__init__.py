"""The questions of DESIGN §3 (1–9), computed once in Python over the store primitives.

``Questions`` is the entry point: each method reads what it needs through one
``GraphStore.read`` (one read transaction on Neo4j) and returns a plain
dataclass with ``as_dict()``, ordered deterministically, so every store gives
the same answer. The rules are in docs/questions.md and in each module's docstring.

Examples
--------
>>> q = demo_questions()
>>> c = q.coverage("program:IRAM", "csco:6-31-07-03", 3)
>>> (c.overall.total, c.overall.covered, c.overall.under_level, c.overall.missing)
(34, 23, 5, 6)
>>> c.ids("missing")
['comp:P-13', 'comp:P-14', 'comp:P-15', 'comp:P-20', 'comp:S-03', 'comp:Q-05']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from functools import cache
from typing import Any, TypeVar

from graph.questions.assessment import AssessedCoverage, assessed_coverage
from graph.questions.coverage import Coverage, coverage
from graph.questions.curriculum_map import CurriculumMap, curriculum_map
from graph.questions.delivery import Delivery, delivery
from graph.questions.demand import DemandAlignment, demand
from graph.questions.facts import Facts
from graph.questions.gaps import MAX_CANDIDATES, MAX_EMPLOYERS, Gaps, gaps
from graph.questions.matching import Ranking, match_occupations, match_programs, match_programs_for_employer
from graph.questions.model import Options
from graph.questions.orphans import Orphans, orphans
from graph.questions.outcomes import DEFAULT_THRESHOLD, OutcomeGaps, outcome_gaps
from graph.questions.path import LearningPath, learning_path
from graph.questions.research import ResearchUptake, research_uptake
from graph.questions.summary import ProgramSummary, summary
from graph.questions.whatif import NewCourse, WhatIf, whatif
from graph.store import GraphReader, GraphStore

T = TypeVar("T")

__all__ = [
    "AssessedCoverage",
    "Coverage",
    "CurriculumMap",
    "Delivery",
    "DemandAlignment",
    "Gaps",
    "LearningPath",
    "NewCourse",
    "Orphans",
    "OutcomeGaps",
    "ProgramSummary",
    "Questions",
    "Ranking",
    "ResearchUptake",
    "WhatIf",
    "demo_questions",
]


class Questions:
    """Questions 1–9 over one store.

    Ids that do not exist, or are of the wrong class, raise ``NotFoundError``
    naming them; a level outside 1–5, an unknown weight or resource type, or an
    impossible change raise ``InvalidInputError`` saying what is allowed.
    Where a level may be omitted, the level at which the program TARGETS the
    occupation is used.
    """

    def __init__(self, store: GraphStore) -> None:
        self.store = store

    def _read(self, question: Callable[[Facts], T]) -> T:
        schema = self.store.schema
        return self.store.read(lambda reader: question(Facts(reader, schema)))

    # 1
    def coverage(
        self,
        program: str,
        occupation: str,
        level: int | None = None,
        *,
        include_optional: bool = False,
        close_match: bool = False,
        weight: str | None = None,
    ) -> Coverage:
        """How much of R(``occupation``, ``level``) ``program`` develops: per competency, overall, per dimension
        and per typical work task.

        Parameters
        ----------
        program, occupation
            Ids of a Program and an Occupation.
        level
            1–5: requirements at this level or below (or level-agnostic) count. None: the level at which
            ``program`` TARGETS ``occupation``.
        include_optional
            Count optional requirements (``essential`` false) too.
        close_match
            Follow CLOSE_MATCH one step, besides EXACT_MATCH (always followed, transitively).
        weight
            None, ``"importance"`` or ``"demand"``: adds weighted totals and ratios.

        Returns
        -------
        Coverage
            Per competency, overall, per dimension and per task; ``as_dict()`` for JSON.

        Raises
        ------
        NotFoundError
            ``program`` or ``occupation`` is not a node of that class.
        InvalidInputError
            ``level`` is not 1–5 (or is None and P targets O at no level), or ``weight`` is unknown.

        Examples
        --------
        >>> c = demo_questions().coverage("program:IRAM", "csco:6-31-07-03", 3, close_match=True)
        >>> c.get("comp:P-15").status, c.overall.missing, c.by_dimension["quality"].total
        ('covered', 5, 6)
        """
        options = Options(include_optional, close_match)
        return self._read(lambda f: coverage(f, program, occupation, level, options, weight))

    # 2
    def gaps(
        self,
        program: str,
        occupation: str,
        level: int | None = None,
        *,
        include_optional: bool = False,
        close_match: bool = False,
        max_candidates: int = MAX_CANDIDATES,
        max_employers: int = MAX_EMPLOYERS,
    ) -> Gaps:
        """The under-level and missing competencies, ranked by impact, with employers and candidates elsewhere.
        Parameters, errors: as ``coverage``; ``max_candidates`` and ``max_employers``: candidates and employers
        listed per gap, the best first (``candidate_count`` and ``employer_count`` count them all).

        Examples
        --------
        >>> g = demo_questions().gaps("program:IRAM", "csco:6-31-07-03", 3)
        >>> g.ids()[:3]
        ['comp:P-15', 'comp:M-03', 'comp:P-07']
        >>> {gap.competency: [c.course for c in gap.candidates] for gap in g.gaps if gap.candidates}
        {'comp:P-14': ['course:EA-201'], 'comp:P-13': ['course:EA-201'], 'comp:P-20': ['course:EA-202']}
        """
        options = Options(include_optional, close_match)
        return self._read(lambda f: gaps(f, program, occupation, level, options, max_candidates, max_employers))

    # 3
    def curriculum_map(
        self,
        program: str,
        occupation: str | None = None,
        level: int | None = None,
        *,
        include_optional: bool = False,
        close_match: bool = False,
    ) -> CurriculumMap:
        """The course × competency and course × task matrices of ``program`` (against ``occupation`` if given).

        Examples
        --------
        >>> m = demo_questions().curriculum_map("program:IRAM", "csco:6-31-07-03", 3)
        >>> m.rows[0].course, m.columns[0].competency, len(m.grid()) == len(m.rows)
        ('course:GE-101', 'comp:P-01', True)
        """
        options = Options(include_optional, close_match)
        return self._read(lambda f: curriculum_map(f, program, occupation, level, options))

    # 4
    def orphans(
        self,
        program: str,
        occupation: str | None = None,
        level: int | None = None,
        *,
        include_optional: bool = False,
        close_match: bool = False,
        threshold: int = 3,
    ) -> Orphans:
        """Courses that develop nothing required, competencies developed by ``threshold`` or more courses,
        and tasks without a learning task — against ``occupation`` or all the program's targets.

        Examples
        --------
        >>> o = demo_questions().orphans("program:IRAM", "csco:6-31-07-03", 3)
        >>> [c.course for c in o.orphan_courses], [t.task for t in o.untaught_tasks]
        (['course:IR-206'], ['task:IRO-07', 'task:IRO-09'])
        """
        options = Options(include_optional, close_match)
        return self._read(lambda f: orphans(f, program, occupation, level, options, threshold))

    # 5
    def whatif(
        self,
        program: str,
        occupation: str,
        level: int | None = None,
        *,
        add_courses: Iterable[str] = (),
        remove_courses: Iterable[str] = (),
        new_courses: Iterable[Mapping[str, Any] | NewCourse] = (),
        include_optional: bool = False,
        close_match: bool = False,
        weight: str | None = None,
    ) -> WhatIf:
        """Coverage before and after adding, removing or describing courses; nothing is written.

        Examples
        --------
        >>> w = demo_questions().whatif("program:IRAM", "csco:6-31-07-03", 3, add_courses=["course:EA-201"])
        >>> [(c.competency, c.after) for c in w.changes], w.delta["missing"]
        ([('comp:P-13', 'covered'), ('comp:P-14', 'covered')], -2)
        """
        options = Options(include_optional, close_match)
        add, remove, new = list(add_courses), list(remove_courses), list(new_courses)
        return self._read(lambda f: whatif(f, program, occupation, level, options, weight, add, remove, new))

    # 6
    def demand(
        self,
        region: str | None = None,
        industry: str | None = None,
        year: int | None = None,
        *,
        level: int | None = None,
        include_optional: bool = False,
        close_match: bool = False,
        local_programs: bool = True,
    ) -> DemandAlignment:
        """Employer demand (headcount) per occupation and competency against what programs develop.

        Examples
        --------
        >>> d = demo_questions().demand(region="region:320500")
        >>> [(o.occupation, o.headcount) for o in d.occupations][:2]
        [('csco:6-31-07-03', 22), ('csco:6-31-07-01', 10)]
        """
        options = Options(include_optional, close_match)
        return self._read(lambda f: demand(f, region, industry, year, level, options, local_programs))

    # 7
    def match_occupations(
        self, program: str, level: int, *, include_optional: bool = False, close_match: bool = False
    ) -> Ranking:
        """Occupations ranked by how much of their requirements at ``level`` ``program`` covers.

        Examples
        --------
        >>> demo_questions().match_occupations("program:EAEM", 2).ids()[0]
        'csco:6-31-01-03'
        """
        options = Options(include_optional, close_match)
        return self._read(lambda f: match_occupations(f, program, level, options))

    def match_programs(
        self, occupation: str, level: int, *, include_optional: bool = False, close_match: bool = False
    ) -> Ranking:
        """Programs ranked by how much of R(``occupation``, ``level``) they cover.

        Examples
        --------
        >>> demo_questions().match_programs("csco:6-31-01-03", 2).ids()
        ['program:EAEM', 'program:IRAM']
        """
        options = Options(include_optional, close_match)
        return self._read(lambda f: match_programs(f, occupation, level, options))

    def match_programs_for_employer(
        self,
        employer: str,
        level: int | None = None,
        year: int | None = None,
        *,
        include_optional: bool = False,
        close_match: bool = False,
    ) -> Ranking:
        """Programs ranked by their headcount-weighted coverage of ``employer``'s demanded occupations.

        Examples
        --------
        >>> demo_questions().match_programs_for_employer("emp:WX-LANXIN").ids()
        ['program:EAEM', 'program:IRAM']
        """
        options = Options(include_optional, close_match)
        return self._read(lambda f: match_programs_for_employer(f, employer, level, year, options))

    # 8
    def delivery(self, program: str, resource_type: str | None = None) -> Delivery:
        """Courses and learning tasks of ``program`` without a resource (of ``resource_type``), a training base
        or a dual-qualified teacher.

        Examples
        --------
        >>> d = demo_questions().delivery("program:IRAM")
        >>> "course:IR-306" in d.without_dual_qualified_teacher, "course:IR-306" in d.without_resource
        (True, True)
        """
        return self._read(lambda f: delivery(f, program, resource_type))

    # 9
    def learning_path(
        self,
        profile: Mapping[str, int | None],
        occupation: str,
        level: int,
        program: str | None = None,
        *,
        include_optional: bool = False,
        close_match: bool = False,
    ) -> LearningPath:
        """Courses closing the gaps between ``profile`` (competency → level) and R(``occupation``, ``level``),
        in prerequisite order, with their resources.

        Examples
        --------
        >>> profile = {"comp:P-01": 3, "comp:P-35": 3, "comp:Q-01": 3, "comp:P-02": 3, "comp:P-33": 3, "comp:M-02": 3}
        >>> p = demo_questions().learning_path(profile, "csco:6-31-07-03", 3)
        >>> [(s.course, s.reason) for s in p.steps][-3:]
        [('course:IR-304', 'prerequisite'), ('course:IR-305', 'prerequisite'), ('course:IR-306', 'gap')]
        >>> p.uncloseable
        ['comp:P-07', 'comp:P-12', 'comp:P-15', 'comp:P-16', 'comp:P-19', 'comp:M-03', 'comp:S-03', 'comp:Q-05']
        """
        options = Options(include_optional, close_match)
        return self._read(lambda f: learning_path(f, dict(profile), occupation, level, program, options))

    # Co-evaluation (共评培养结果) and co-research (共创科研成果): docs/co-evaluation.md
    def assessed_coverage(
        self,
        program: str,
        occupation: str,
        level: int | None = None,
        *,
        include_optional: bool = False,
        close_match: bool = False,
    ) -> AssessedCoverage:
        """Each competency of R(``occupation``, ``level``) as assessed (by an enterprise), school_only,
        not_assessed (developed but never judged at the required level) or missing (not developed).

        Parameters
        ----------
        program, occupation
            Ids of a Program and an Occupation.
        level
            1–5, or None: the level at which ``program`` TARGETS ``occupation``.
        include_optional, close_match
            As for ``coverage``; matches apply to assessments as they do to developments.

        Returns
        -------
        AssessedCoverage
            Per competency (with the assessments of it and whether each counts), overall and per dimension.

        Raises
        ------
        NotFoundError
            ``program`` or ``occupation`` is not a node of that class.
        InvalidInputError
            ``level`` is not 1–5 (or is None and P targets O at no level).

        Examples
        --------
        >>> a = demo_questions().assessed_coverage("program:IRAM", "csco:6-31-07-03", 3)
        >>> a.ids("school_only")
        ['comp:P-01', 'comp:P-02', 'comp:P-08', 'comp:P-09', 'comp:P-10', 'comp:P-11', 'comp:M-05']
        """
        options = Options(include_optional, close_match)
        return self._read(lambda f: assessed_coverage(f, program, occupation, level, options))

    def outcome_gaps(
        self,
        program: str,
        occupation: str,
        level: int | None = None,
        *,
        cohort: str | None = None,
        threshold: float = DEFAULT_THRESHOLD,
        include_optional: bool = False,
        close_match: bool = False,
    ) -> OutcomeGaps:
        """Where the results of ``program``'s cohorts (or ``cohort``) fall short of the level ``occupation``
        requires: fewer than ``threshold`` % shown to reach it. Ranked by shortfall × the tasks needing it.

        Raises
        ------
        NotFoundError
            An id is not a node of its class.
        InvalidInputError
            A bad level, a threshold not above 0 and at most 100, or a cohort of another program.

        Examples
        --------
        >>> o = demo_questions().outcome_gaps("program:IRAM", "csco:6-31-07-03", 3, cohort="cohort:IRAM-2025")
        >>> [(g.competency, g.share, g.shortfall) for g in o.gaps]
        [('comp:P-16', None, 80.0), ('comp:P-11', 68.0, 12.0), ('comp:P-18', 74.0, 6.0), ('comp:P-02', 79.0, 1.0)]
        """
        options = Options(include_optional, close_match)
        return self._read(lambda f: outcome_gaps(f, program, occupation, level, options, cohort, threshold))

    def research_uptake(
        self,
        program: str,
        occupation: str | None = None,
        level: int | None = None,
        *,
        on: date | str | None = None,
        include_optional: bool = False,
        close_match: bool = False,
    ) -> ResearchUptake:
        """School–enterprise research projects, what they added to which courses, and the gaps of ``program``
        (against ``occupation``, or all it targets) that a project running on day ``on`` (default today) could close.

        Raises
        ------
        NotFoundError
            An id is not a node of its class.
        InvalidInputError
            A bad level or day, or no occupation given for a program that targets none.

        Examples
        --------
        >>> r = demo_questions().research_uptake("program:IRAM", on="2028-01-01")
        >>> offers = {g.competency: [o.project for o in g.offers] for g in r.gaps if g.offers}
        >>> r.projects[0].running, r.coverable, offers
        (False, [], {'comp:P-15': ['proj:VISION-SEAM']})
        """
        options = Options(include_optional, close_match)
        return self._read(lambda f: research_uptake(f, program, occupation, level, options, on))

    def summary(self, program: str) -> ProgramSummary:
        """``program``'s name and properties, the occupations it TARGETS (the highest level first) and the
        courses it INCLUDES (by semester): where a question about it starts.

        Raises
        ------
        NotFoundError
            ``program`` is not a Program of the graph.

        Examples
        --------
        >>> s = demo_questions().summary("program:IRAM")
        >>> [(t.occupation, t.level) for t in s.targets][:2], len(s.courses), s.courses[-1].course
        ([('csco:6-31-07-01', 3), ('csco:6-31-07-03', 3)], 18, 'course:IR-306')
        """
        return self._read(lambda f: summary(f, program))

    def read(self, work: Callable[[GraphReader], T]) -> T:
        """Run ``work`` on the store's primitives in one read (for faces that need raw rows)."""
        return self.store.read(work)


@cache
def demo_questions() -> Questions:
    """Questions over an embedded store holding the demo dataset, in a temporary folder (examples and trials),
    removed when the process exits."""
    import atexit
    import shutil
    import tempfile
    from pathlib import Path

    from graph.embedded import EmbeddedStore
    from graph.service import Chanjiao
    from loaders.pipeline import load
    from loaders.sources import DEMO_PATH
    from loaders.workbook import read_workbook
    from ontology.schema import load_schema

    folder = Path(tempfile.mkdtemp(prefix="chanjiao-demo-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    service = Chanjiao(EmbeddedStore(folder / "demo.db", load_schema()))
    atexit.register(service.close)  # runs first: the store is closed before its folder goes
    load(service, read_workbook(DEMO_PATH, service.schema), source="demo")
    return Questions(service.store)
