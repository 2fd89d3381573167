"""The co-evaluation and co-research rules (docs/co-evaluation.md), pinned on a tiny graph worked out by hand,
on each store.

Occupation ``occ:O`` (tasks T1, T2) and program ``prog:P`` (courses C1 with ``lt:C1-1``, and C2; TARGETS O at 3):

==========  ======================  ==========================  ====================================  ==============
competency  required (task: level)  developed in P              P's assessments (evaluator, level)    assessed at L3
==========  ======================  ==========================  ====================================  ==============
A           T1: 3                   C1: 3                       ent 3 (enterprise), sch 3 (school)    assessed
B           T1: 2 · T2: 3           C1: 3                       sch 3                                 school_only
C           T2: 3                   C2: 3                       low 2 (enterprise, below level)       not_assessed
D           T1: 3                   C2: 2 (under level)         sch 3                                 school_only
E           O itself: no level      C2: no level                self (self), sch (no level)           school_only
F           T1: 2                   —                           ent 2                                 missing
G           T2: 3                   G2 →EXACT→ G; C2: G2 3      ent assesses G2 3                     assessed
H           T2: 3                   C1: 3                       ent assesses H2 3; H2 →CLOSE→ H       not_assessed
==========  ======================  ==========================  ====================================  ==============

``out`` (enterprise) assesses C at 3 but belongs to X1, a course of ``prog:Q``: never P's.
Cohorts of P: ``co:1`` (2024), ``co:2`` (2025); ``co:X`` belongs to ``prog:Q``. Projects: R1 (2025) and R2 (from 2026).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graph.errors import InvalidInputError, NotFoundError
from graph.questions import Questions
from graph.records import EdgeRecord, NodeRecord
from graph.service import Chanjiao
from ontology.schema import Schema

E = EdgeRecord
DIMENSIONS = dict.fromkeys(["A", "B", "C", "D", "F", "G", "G2", "H", "H2"], "professional") | {"E": "quality"}


def comp(name: str) -> NodeRecord:
    return NodeRecord("Competency", f"comp:{name}", {"name_en": name, "dimension": DIMENSIONS[name], "kind": "skill"})


def lv(level: int | None) -> dict[str, Any]:
    return {} if level is None else {"level": level}


def assessment(aid: str, kind: str, evaluator: str) -> NodeRecord:
    return NodeRecord("Assessment", f"a:{aid}", {"name_zh": aid, "kind": kind, "evaluator": evaluator})


def assesses(aid: str, competency: str, level: int | None) -> EdgeRecord:
    return E("ASSESSES", f"a:{aid}", f"comp:{competency}", lv(level))


def result(cohort: str, competency: str, aid: str, level: int, share: float) -> EdgeRecord:
    return E("ACHIEVED", cohort, f"comp:{competency}", {"assessment": f"a:{aid}", "level": level, "share": share})


def c(*names: str) -> list[str]:
    return [f"comp:{n}" for n in names]


NODES = [
    NodeRecord("Occupation", "occ:O", {"name_zh": "职业O"}),
    *(NodeRecord("TypicalWorkTask", f"task:T{i}", {"order": i}) for i in (1, 2)),
    *(comp(n) for n in DIMENSIONS),
    NodeRecord("Program", "prog:P", {"name_zh": "专业P"}),
    NodeRecord("Program", "prog:Q", {"name_zh": "专业Q"}),
    NodeRecord("Course", "course:C1", {"category": "integrated", "semester": 1}),
    NodeRecord("Course", "course:C2", {"category": "integrated", "semester": 2}),
    NodeRecord("Course", "course:X1", {"category": "integrated"}),
    NodeRecord("LearningTask", "lt:C1-1", {"name_zh": "学习任务"}),
    NodeRecord("Employer", "emp:E", {"name_zh": "企业"}),
    NodeRecord("School", "school:S", {"name_zh": "学校"}),
    assessment("ent", "summative", "enterprise"),
    assessment("sch", "process", "school"),
    assessment("low", "process", "enterprise"),
    assessment("self", "process", "self"),
    assessment("out", "summative", "enterprise"),
    NodeRecord("Cohort", "co:1", {"year": 2024, "size": 30}),
    NodeRecord("Cohort", "co:2", {"year": 2025, "size": 28}),
    NodeRecord("Cohort", "co:X", {"year": 2025}),
]
EDGES = [
    *(E("HAS_TASK", "occ:O", f"task:T{i}") for i in (1, 2)),
    E("REQUIRES", "task:T1", "comp:A", {"level": 3}),
    E("REQUIRES", "task:T1", "comp:B", {"level": 2}),
    E("REQUIRES", "task:T2", "comp:B", {"level": 3}),
    E("REQUIRES", "task:T2", "comp:C", {"level": 3}),
    E("REQUIRES", "task:T1", "comp:D", {"level": 3}),
    E("REQUIRES", "occ:O", "comp:E", {}),
    E("REQUIRES", "task:T1", "comp:F", {"level": 2}),
    E("REQUIRES", "task:T2", "comp:G", {"level": 3}),
    E("REQUIRES", "task:T2", "comp:H", {"level": 3}),
    E("EXACT_MATCH", "comp:G2", "comp:G"),
    E("CLOSE_MATCH", "comp:H2", "comp:H"),
    E("TARGETS", "prog:P", "occ:O", {"level": 3}),
    E("INCLUDES", "prog:P", "course:C1"),
    E("INCLUDES", "prog:P", "course:C2"),
    E("INCLUDES", "prog:Q", "course:X1"),
    E("HAS_LEARNING_TASK", "course:C1", "lt:C1-1"),
    E("DEVELOPS", "course:C1", "comp:A", {"level": 3}),
    E("DEVELOPS", "lt:C1-1", "comp:B", {"level": 3}),
    E("DEVELOPS", "course:C2", "comp:C", {"level": 3}),
    E("DEVELOPS", "course:C2", "comp:D", {"level": 2}),
    E("DEVELOPS", "course:C2", "comp:E"),
    E("DEVELOPS", "course:C2", "comp:G2", {"level": 3}),
    E("DEVELOPS", "course:C1", "comp:H", {"level": 3}),
    E("HAS_ASSESSMENT", "course:C1", "a:ent"),
    E("HAS_ASSESSMENT", "lt:C1-1", "a:sch"),
    E("HAS_ASSESSMENT", "course:C2", "a:low"),
    E("HAS_ASSESSMENT", "course:C2", "a:self"),
    E("HAS_ASSESSMENT", "course:X1", "a:out"),
    E("CONDUCTS", "emp:E", "a:ent"),
    E("CONDUCTS", "school:S", "a:sch"),
    assesses("ent", "A", 3),
    assesses("ent", "F", 2),
    assesses("ent", "G2", 3),
    assesses("ent", "H2", 3),
    assesses("sch", "A", 3),
    assesses("sch", "B", 3),
    assesses("sch", "D", 3),
    assesses("sch", "E", None),
    assesses("low", "C", 2),
    assesses("self", "E", None),
    assesses("out", "C", 3),
    E("HAS_COHORT", "prog:P", "co:1"),
    E("HAS_COHORT", "prog:P", "co:2"),
    E("HAS_COHORT", "prog:Q", "co:X"),
    result("co:1", "A", "sch", 3, 95),  # process: yields to the summative result below
    result("co:1", "A", "ent", 3, 60),
    result("co:1", "A", "ent", 2, 90),  # below the required level: says nothing of level 3
    result("co:1", "B", "sch", 2, 99),
    result("co:1", "B", "sch", 3, 90),
    result("co:1", "C", "low", 2, 95),  # only below level 3: below_level
    result("co:1", "D", "sch", 2, 85),
    result("co:1", "E", "self", 1, 100),  # self-evaluation: never counted
    result("co:1", "G2", "ent", 3, 70),  # for G, through EXACT_MATCH
    result("co:2", "A", "ent", 3, 85),
    result("co:2", "B", "sch", 3, 70),
    result("co:2", "E", "sch", 1, 88),  # E is required level-agnostically: any level shows it
    result("co:X", "C", "out", 3, 10),
]


@pytest.fixture
def q(service: Chanjiao) -> Questions:
    service.upsert(NODES, EDGES, source="co-rules")
    return Questions(service.store)


class TestAssessedCoverage:
    def test_statuses(self, q: Questions) -> None:
        a = q.assessed_coverage("prog:P", "occ:O", 3)
        assert [x.competency for x in a.competencies] == c("A", "B", "C", "D", "F", "G", "H", "E")
        assert {s: a.ids(s) for s in ("assessed", "school_only", "not_assessed", "missing")} == {
            "assessed": c("A", "G"),
            "school_only": c("B", "D", "E"),
            "not_assessed": c("C", "H"),  # C: only below level, or outside P; H: only a CLOSE_MATCH
            "missing": c("F"),  # not developed, though an enterprise assesses it
        }
        assert a.overall.as_tuple() == (8, 2, 3, 2, 1)
        assert (a.overall.ratio, a.overall.judged_ratio) == (2 / 8, 5 / 8)
        assert a.by_dimension["quality"].as_tuple() == (1, 0, 1, 0, 0)
        assert a.by_dimension["social"].total == 0
        assert a.assessments == ["a:ent", "a:low", "a:sch", "a:self"]  # a:out belongs to prog:Q

    def test_each_assessment_and_whether_it_counts(self, q: Questions) -> None:
        a = q.assessed_coverage("prog:P", "occ:O", 3)
        uses = {
            x.competency: [(u.assessment, u.competency, u.level, u.counts) for u in x.assessments]
            for x in a.competencies
        }
        assert uses["comp:A"] == [("a:ent", "comp:A", 3, True), ("a:sch", "comp:A", 3, True)]
        assert uses["comp:C"] == [("a:low", "comp:C", 2, False)]  # below the required level
        assert uses["comp:E"] == [("a:sch", "comp:E", None, True), ("a:self", "comp:E", None, False)]
        assert uses["comp:G"] == [("a:ent", "comp:G2", 3, True)]  # through EXACT_MATCH
        assert uses["comp:H"] == []
        ent = a.get("comp:A").assessments[0]
        assert (ent.kind, ent.evaluator, ent.conducted_by, ent.holder, ent.course) == (
            "summative",
            "enterprise",
            ["emp:E"],
            "course:C1",
            "course:C1",
        )
        sch = a.get("comp:B").assessments[0]
        assert (sch.holder, sch.course, sch.conducted_by) == ("lt:C1-1", "course:C1", ["school:S"])
        d = a.get("comp:D")
        assert (d.status, d.development, d.developed_level, d.evaluators) == (
            "school_only",
            "under_level",
            2,
            ["school"],
        )
        assert a.get("comp:A").evaluators == ["school", "enterprise"]  # the ontology's order

    def test_close_match_on_request(self, q: Questions) -> None:
        a = q.assessed_coverage("prog:P", "occ:O", 3, close_match=True)
        assert a.get("comp:H").status == "assessed"
        assert [u.competency for u in a.get("comp:H").assessments] == ["comp:H2"]

    def test_level_filter_and_default_level(self, q: Questions) -> None:
        # At level 2 C is not required; B only at 2 (T1). The TARGETS level (3) is the default.
        a = q.assessed_coverage("prog:P", "occ:O", 2)
        assert sorted(x.competency for x in a.competencies) == c("B", "E", "F")
        assert q.assessed_coverage("prog:P", "occ:O").as_dict() == q.assessed_coverage("prog:P", "occ:O", 3).as_dict()

    def test_errors(self, q: Questions) -> None:
        with pytest.raises(NotFoundError, match="no Program 'occ:O' \\(it is an Occupation\\)"):
            q.assessed_coverage("occ:O", "occ:O", 3)
        with pytest.raises(InvalidInputError, match="level must be a whole number from 1 to 5"):
            q.assessed_coverage("prog:P", "occ:O", 6)


class TestOutcomeGaps:
    def test_ranking_across_cohorts(self, q: Questions) -> None:
        o = q.outcome_gaps("prog:P", "occ:O", 3)
        # co:1: C and D only below level 3 (share 0: 80 points × 1 task); A 60 (the summative result decides,
        # not the school's 95): 20 × 1; G 70 through G2: 10 × 1. co:2: B 70: 10 × 2 tasks = 20.
        assert [(g.rank, g.cohort, g.competency, g.status, g.share, g.shortfall, g.score) for g in o.gaps] == [
            (1, "co:1", "comp:C", "below_level", None, 80.0, 80.0),
            (2, "co:1", "comp:D", "below_level", None, 80.0, 80.0),
            (3, "co:1", "comp:A", "short", 60.0, 20.0, 20.0),
            (4, "co:2", "comp:B", "short", 70.0, 10.0, 20.0),
            (5, "co:1", "comp:G", "short", 70.0, 10.0, 10.0),
        ]
        assert [c.cohort for c in o.cohorts] == ["co:1", "co:2"]  # co:X belongs to prog:Q

    def test_per_cohort_statuses_and_shares(self, q: Questions) -> None:
        one, two = q.outcome_gaps("prog:P", "occ:O", 3).cohorts
        assert (one.met, one.short, one.below_level, one.no_result) == (
            c("B"),
            c("A", "G"),
            c("C", "D"),
            c("F", "H", "E"),
        )
        assert one.shares == {"comp:A": 60.0, "comp:B": 90.0, "comp:G": 70.0}  # B: the best share at level ≥ 3
        assert (two.met, two.short, two.no_result) == (c("A", "E"), c("B"), c("C", "D", "F", "G", "H"))
        assert two.shares == {"comp:A": 85.0, "comp:B": 70.0, "comp:E": 88.0}
        assert (one.year, one.size) == (2024, 30)

    def test_evidence_says_what_decided(self, q: Questions) -> None:
        gaps = {(g.cohort, g.competency): g for g in q.outcome_gaps("prog:P", "occ:O", 3).gaps}
        a = gaps[("co:1", "comp:A")]
        assert [(e.assessment, e.kind, e.level, e.share, e.counts) for e in a.evidence] == [
            ("a:ent", "summative", 2, 90.0, False),
            ("a:ent", "summative", 3, 60.0, True),
            ("a:sch", "process", 3, 95.0, False),
        ]
        assert a.tasks == ["task:T1"] and a.required_level == 3

    def test_threshold_and_one_cohort(self, q: Questions) -> None:
        o = q.outcome_gaps("prog:P", "occ:O", 3, threshold=60)
        assert [(g.competency, g.shortfall) for g in o.gaps] == [("comp:C", 60.0), ("comp:D", 60.0)]
        two = q.outcome_gaps("prog:P", "occ:O", 3, cohort="co:2")
        assert o.threshold == 60.0 and two.ids() == [("co:2", "comp:B")]

    def test_close_match_is_followed_on_request(self, q: Questions, service: Chanjiao) -> None:
        service.upsert([], [result("co:2", "H2", "ent", 3, 50)])
        assert ("co:2", "comp:H") not in q.outcome_gaps("prog:P", "occ:O", 3).ids()
        assert ("co:2", "comp:H") in q.outcome_gaps("prog:P", "occ:O", 3, close_match=True).ids()

    @pytest.mark.parametrize("threshold", [0, -5, 101, "80", True])
    def test_bad_threshold(self, q: Questions, threshold: Any) -> None:
        with pytest.raises(InvalidInputError, match="threshold must be a percentage above 0 and at most 100"):
            q.outcome_gaps("prog:P", "occ:O", 3, threshold=threshold)

    def test_a_cohort_of_another_program(self, q: Questions) -> None:
        with pytest.raises(InvalidInputError, match="'co:X' is not a cohort of 'prog:P'; its cohorts: co:1, co:2"):
            q.outcome_gaps("prog:P", "occ:O", 3, cohort="co:X")
        with pytest.raises(NotFoundError, match="no Cohort 'prog:Q' \\(it is a Program\\)"):
            q.outcome_gaps("prog:P", "occ:O", 3, cohort="prog:Q")


R1 = {
    "name_zh": "项目1",
    "start_date": "2025-01-01",
    "end_date": "2025-12-31",
    "ownership": "joint",
    "ownership_note": "共有",
}
R2 = {"name_zh": "项目2", "start_date": "2026-01-01", "ownership": "enterprise"}  # no end date: open
PROJECTS = [
    NodeRecord("ResearchProject", "proj:R1", R1),
    NodeRecord("ResearchProject", "proj:R2", R2),
    NodeRecord("MasterStudio", "studio:M", {"name_zh": "大师工作室"}),
    NodeRecord("Resource", "res:R", {"type": "case"}),
    NodeRecord("LearningTask", "lt:Y", {"name_zh": "项目学习任务"}),
    NodeRecord("LearningTask", "lt:Z", {"name_zh": "尚未进入课程的学习任务"}),
]
PROJECT_EDGES = [
    *(E("PARTICIPATES_IN", who, "proj:R1") for who in ("school:S", "emp:E", "studio:M")),
    E("PARTICIPATES_IN", "emp:E", "proj:R2"),
    E("BASED_AT", "studio:M", "school:S"),
    E("YIELDS", "proj:R1", "res:R"),
    E("YIELDS", "proj:R1", "lt:Y"),
    E("YIELDS", "proj:R2", "lt:Z"),
    E("SUPPORTS", "res:R", "lt:C1-1"),  # reaches course C1 through its learning task
    E("HAS_LEARNING_TASK", "course:X1", "lt:Y"),  # a course of prog:Q
    E("DEVELOPS", "lt:Y", "comp:F", {"level": 3}),
    E("DEVELOPS", "lt:Z", "comp:D", {"level": 3}),
    E("CULTIVATES", "proj:R1", "comp:D", {"level": 3}),
    E("CULTIVATES", "proj:R1", "comp:C", {"level": 2}),  # C is covered anyway
    E("CULTIVATES", "proj:R2", "comp:F"),  # level-agnostic: satisfies any requirement
]


@pytest.fixture
def r(q: Questions, service: Chanjiao) -> Questions:
    service.upsert(PROJECTS, PROJECT_EDGES, source="co-rules")
    return q


class TestResearchUptake:
    def test_projects_and_what_they_added_to_courses(self, r: Questions) -> None:
        u = r.research_uptake("prog:P", "occ:O", 3, on="2025-06-01")
        p1, p2 = u.projects
        assert (p1.project, p1.running, p2.running) == ("proj:R1", True, False)
        assert (p1.schools, p1.employers, p1.studios) == (["school:S"], ["emp:E"], ["studio:M"])
        assert (p1.resources, p1.learning_tasks, p1.ownership) == (["res:R"], ["lt:Y"], "joint")
        assert [(x.competency, x.level) for x in p1.cultivates] == [("comp:C", 2), ("comp:D", 3)]
        assert [(x.course, x.in_program, x.resources, x.learning_tasks) for x in p1.courses] == [
            ("course:C1", True, ["res:R"], []),
            ("course:X1", False, [], ["lt:Y"]),  # P's courses first
        ]
        assert [(x.competency, x.level, x.learning_task) for x in p1.courses[1].competencies] == [("comp:F", 3, "lt:Y")]
        assert p2.courses == []  # lt:Z is in no course yet

    def test_gaps_and_offers(self, r: Questions) -> None:
        u = r.research_uptake("prog:P", "occ:O", 3, on="2025-06-01")
        assert [(g.competency, g.status, g.required_level, g.developed_level) for g in u.gaps] == [
            ("comp:D", "under_level", 3, 2),
            ("comp:F", "missing", 2, None),
        ]
        offers = {
            g.competency: [(o.project, o.running, o.via, o.learning_task, o.level) for o in g.offers] for g in u.gaps
        }
        assert offers == {
            "comp:D": [("proj:R1", True, "cultivates", None, 3), ("proj:R2", False, "learning_task", "lt:Z", 3)],
            "comp:F": [("proj:R1", True, "learning_task", "lt:Y", 3), ("proj:R2", False, "cultivates", None, None)],
        }
        assert u.coverable == c("D", "F")
        assert [p.could_cover for p in u.projects] == [c("D", "F"), c("D", "F")]

    @pytest.mark.parametrize(
        ("on", "running", "coverable"),
        [
            ("2024-12-31", [False, False], []),
            ("2025-12-31", [True, False], ["D", "F"]),  # the end date is the last day
            ("2030-01-01", [False, True], ["D", "F"]),
        ],
    )
    def test_running_on_a_day(self, r: Questions, on: str, running: list[bool], coverable: list[str]) -> None:
        u = r.research_uptake("prog:P", on=on)  # no occupation: all P targets, at the TARGETS level
        assert u.occupations == {"occ:O": 3} and u.on == on
        assert [p.running for p in u.projects] == running
        assert u.coverable == c(*coverable)

    def test_level_matters(self, r: Questions, service: Chanjiao) -> None:
        service.upsert([], [E("REQUIRES", "task:T1", "comp:D", {"level": 4})])
        u = r.research_uptake("prog:P", "occ:O", 4, on="2025-06-01")
        d = next(g for g in u.gaps if g.competency == "comp:D")
        assert (d.required_level, d.offers) == (4, [])  # R1 cultivates D at 3 only, lt:Z develops it at 3

    def test_errors(self, r: Questions, service: Chanjiao) -> None:
        with pytest.raises(InvalidInputError, match="the day must be a date written as YYYY-MM-DD, not '2025-13-01'"):
            r.research_uptake("prog:P", on="2025-13-01")
        with pytest.raises(InvalidInputError, match="'prog:Q' targets no occupation"):
            r.research_uptake("prog:Q")
        with pytest.raises(NotFoundError, match="no Occupation 'task:T1'"):
            r.research_uptake("prog:P", "task:T1")


def _every_answer(q: Questions) -> dict[str, dict]:
    return {
        "assessed": q.assessed_coverage("prog:P", "occ:O", 3).as_dict(),
        "assessed close": q.assessed_coverage("prog:P", "occ:O", 3, include_optional=True, close_match=True).as_dict(),
        "outcomes": q.outcome_gaps("prog:P", "occ:O", 3).as_dict(),
        "outcomes of a cohort": q.outcome_gaps("prog:P", "occ:O", 2, cohort="co:1", threshold=95).as_dict(),
        "research": q.research_uptake("prog:P", on="2025-06-01").as_dict(),
        "research close": q.research_uptake("prog:P", "occ:O", 3, on="2026-06-01", close_match=True).as_dict(),
    }


@pytest.mark.neo4j
def test_both_stores_give_identical_answers(request: pytest.FixtureRequest, tmp_path: Path, schema: Schema) -> None:
    from tests.conftest import make_store

    answers = []
    for kind in ("embedded", "neo4j"):
        store = make_store(kind, request, tmp_path, schema)
        Chanjiao(store).upsert([*NODES, *PROJECTS], [*EDGES, *PROJECT_EDGES], source="co-rules")
        answers.append(_every_answer(Questions(store)))
    assert answers[0] == answers[1]
