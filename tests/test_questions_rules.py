"""Every rule of the questions (docs/questions.md), pinned on tiny graphs worked out by hand, on each store.

The main graph (``tiny``): occupation ``occ:O`` with tasks T1, T2 (requirements) and T3 (none);
program ``prog:P`` with courses C1, C2 (and its learning task ``lt:C2-1``, derived from T1) and C3.

==========  =========  ==================================  ===============================  ============
competency  dimension  required (task: level, importance)  developed in P                   at L=3
==========  =========  ==================================  ===============================  ============
A           prof.      T1: 3, 5                            C1: 3, C2: 1                     covered
B           prof.      T1: 2, 3 · T2: 3, 4                 C1: 2                            under (2<3)
C           method.    occupation itself: 2, —             lt:C2-1: no level                covered
D           social     T2: no level, 2, essential absent   C2: 1                            covered
E           quality    T2: 2, optional                     —                                (optional)
F           prof.      T1: 4, 4                            —                                (above L)
G           prof.      T2: 3, 4                            G2 →EXACT→ G; C2 develops G2: 3  covered
H           prof.      T1: 3, 4                            H →EXACT→ H2; C2 develops H2: 3  covered
K           method.    T2: 3, 1                            K2 →CLOSE→ K; C1 develops K2: 3  missing
M           quality    T1: 1, 5                            —                                missing
N           prof.      T1: 3, 5                            —                                missing
==========  =========  ==================================  ===============================  ============

Elsewhere: ``prog:Q`` includes X1 (N: 3) and X2 (N: 2); X3, in no program, has ``lt:X3-1`` (M: 1).
Demand: E1 DEMANDS O 10 (2025) and 30 (2026), NEEDS B; E2 DEMANDS O 5 (2026); E3 NEEDS N, demands nothing.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import pytest

from graph.errors import InvalidInputError, NotFoundError
from graph.questions import Questions
from graph.records import Batch, EdgeRecord, NodeRecord
from graph.service import Chanjiao
from tests.test_store_contract import snapshot

E = EdgeRecord
DIMENSIONS = {"A": "professional", "B": "professional", "C": "methodological", "D": "social", "E": "quality"}
DIMENSIONS |= {"F": "professional", "G": "professional", "G2": "professional", "H": "professional"}
DIMENSIONS |= {"H2": "professional", "K": "methodological", "K2": "methodological", "M": "quality"}
DIMENSIONS |= {"N": "professional", "Z": "professional", "Z9": "quality"}


def comp(name: str) -> NodeRecord:
    return NodeRecord("Competency", f"comp:{name}", {"name_en": name, "dimension": DIMENSIONS[name], "kind": "skill"})


def course(cid: str, **props: Any) -> NodeRecord:
    return NodeRecord("Course", cid, {"name_zh": cid, "category": "integrated", **props})


def req(holder: str, competency: str, level: int | None, importance: float | None, essential: bool | None = True):
    props = {"level": level, "importance": importance, "essential": essential}
    return E("REQUIRES", holder, f"comp:{competency}", {k: v for k, v in props.items() if v is not None})


def dev(holder: str, competency: str, level: int | None = None) -> EdgeRecord:
    return E("DEVELOPS", holder, f"comp:{competency}", {} if level is None else {"level": level})


NODES = [
    NodeRecord("Occupation", "occ:O", {"name_zh": "职业O"}),
    NodeRecord("Occupation", "occ:O2", {"name_zh": "职业O2"}),
    NodeRecord("Occupation", "occ:O3", {"name_zh": "职业O3"}),
    *(NodeRecord("TypicalWorkTask", f"task:T{i}", {"name_zh": f"任务{i}", "order": i}) for i in (1, 2, 3)),
    *(comp(n) for n in DIMENSIONS),
    NodeRecord("Program", "prog:P", {"name_zh": "专业P"}),
    NodeRecord("Program", "prog:Q", {"name_zh": "专业Q"}),
    course("course:C1", hours=60, semester=1),
    course("course:C2", hours=100, semester=2),
    course("course:C3", semester=3),
    NodeRecord("LearningTask", "lt:C2-1", {"name_zh": "学习任务"}),
    course("course:X1", hours=30),
    course("course:X2", hours=30),
    course("course:X3"),
    NodeRecord("LearningTask", "lt:X3-1", {"name_zh": "X3的学习任务"}),
    NodeRecord("Resource", "res:R1", {"name_zh": "X1工作页", "type": "workbook"}),
    NodeRecord("Resource", "res:R2", {"name_zh": "X3微课", "type": "micro_video"}),
    NodeRecord("Resource", "res:P1", {"name_zh": "C1活页教材", "type": "loose_leaf_textbook"}),
    NodeRecord("Resource", "res:P2", {"name_zh": "C2-1微课", "type": "micro_video"}),
    NodeRecord("TrainingBase", "base:B1", {"name_zh": "基地"}),
    NodeRecord("Teacher", "tch:1", {"name_zh": "双师", "dual_qualified": True}),
    NodeRecord("Teacher", "tch:2", {"name_zh": "非双师", "dual_qualified": False}),
    NodeRecord("Employer", "emp:E1", {"name_zh": "企业1"}),
    NodeRecord("Employer", "emp:E2", {"name_zh": "企业2"}),
    NodeRecord("Employer", "emp:E3", {"name_zh": "企业3"}),
    NodeRecord("Region", "region:R1", {"name_zh": "地区1"}),
    NodeRecord("Region", "region:R2", {"name_zh": "地区2"}),
    NodeRecord("Industry", "ind:I1", {"name_zh": "行业1"}),
    NodeRecord("School", "school:S1", {"name_zh": "学校1"}),
    NodeRecord("School", "school:S2", {"name_zh": "学校2"}),
]
EDGES = [
    *(E("HAS_TASK", "occ:O", f"task:T{i}") for i in (1, 2, 3)),
    req("task:T1", "A", 3, 5),
    req("task:T1", "B", 2, 3),
    req("task:T2", "B", 3, 4),
    req("occ:O", "C", 2, None),
    req("task:T2", "D", None, 2, essential=None),
    req("task:T2", "E", 2, 4, essential=False),
    req("task:T1", "F", 4, 4),
    req("task:T2", "G", 3, 4),
    req("task:T1", "H", 3, 4),
    req("task:T2", "K", 3, 1),
    req("task:T1", "M", 1, 5),
    req("task:T1", "N", 3, 5),
    req("occ:O2", "A", 3, 5),
    req("occ:O2", "N", 3, 5),
    req("occ:O3", "Z9", 3, 5),
    E("EXACT_MATCH", "comp:G2", "comp:G"),
    E("EXACT_MATCH", "comp:H", "comp:H2"),
    E("CLOSE_MATCH", "comp:K2", "comp:K"),
    E("TARGETS", "prog:P", "occ:O", {"level": 3}),
    *(E("INCLUDES", "prog:P", f"course:C{i}", {"semester": i}) for i in (1, 2, 3)),
    E("INCLUDES", "prog:Q", "course:X1"),
    E("INCLUDES", "prog:Q", "course:X2"),
    E("HAS_LEARNING_TASK", "course:C2", "lt:C2-1"),
    E("DERIVED_FROM", "lt:C2-1", "task:T1"),
    E("HAS_LEARNING_TASK", "course:X3", "lt:X3-1"),
    dev("course:C1", "A", 3),
    dev("course:C1", "B", 2),
    dev("course:C1", "K2", 3),
    dev("course:C2", "A", 1),
    dev("lt:C2-1", "C"),
    dev("course:C2", "D", 1),
    dev("course:C2", "G2", 3),
    dev("course:C2", "H2", 3),
    dev("course:C3", "Z", 2),
    dev("course:X1", "N", 3),
    dev("course:X2", "N", 2),
    dev("lt:X3-1", "M", 1),
    E("SUPPORTS", "res:R1", "course:X1"),
    E("SUPPORTS", "res:R2", "lt:X3-1"),
    E("SUPPORTS", "res:P1", "course:C1"),
    E("SUPPORTS", "res:P2", "lt:C2-1"),
    E("HOSTS", "base:B1", "course:C1"),
    E("HOSTS", "base:B1", "course:C3"),
    E("TEACHES", "tch:1", "course:C1"),
    E("TEACHES", "tch:2", "course:C2"),
    E("DEMANDS", "emp:E1", "occ:O", {"headcount": 10, "year": 2025, "level": 3}),
    E("DEMANDS", "emp:E1", "occ:O", {"headcount": 30, "year": 2026, "level": 3}),
    E("DEMANDS", "emp:E2", "occ:O", {"headcount": 5, "year": 2026}),
    E("NEEDS", "emp:E1", "comp:B", {"level": 3}),
    E("NEEDS", "emp:E3", "comp:N", {"level": 2}),
    E("IN_REGION", "emp:E1", "region:R1"),
    E("IN_REGION", "emp:E3", "region:R1"),
    E("IN_REGION", "emp:E2", "region:R2"),
    E("IN_INDUSTRY", "emp:E1", "ind:I1"),
    E("IN_REGION", "school:S1", "region:R1"),
    E("IN_REGION", "school:S2", "region:R2"),
    E("OFFERS", "school:S1", "prog:P"),
    E("OFFERS", "school:S2", "prog:Q"),
]


@pytest.fixture
def q(service: Chanjiao) -> Questions:
    service.upsert(NODES, EDGES, source="rules")
    return Questions(service.store)


def c(*names: str) -> list[str]:
    return [f"comp:{n}" for n in names]


def statuses(cov) -> dict[str, list[str]]:
    return {s: cov.ids(s) for s in ("covered", "under_level", "missing")}


class TestCoverage:
    def test_levels_tasks_direct_and_matches(self, q: Questions) -> None:
        cov = q.coverage("prog:P", "occ:O", 3)
        # Ordered by dimension (professional, methodological, social, quality), then id.
        assert [x.competency for x in cov.competencies] == c("A", "B", "G", "H", "N", "C", "K", "D", "M")
        assert statuses(cov) == {
            "covered": c("A", "G", "H", "C", "D"),  # ≥ level; via EXACT_MATCH either way; either side agnostic
            "under_level": c("B"),
            "missing": c("N", "K", "M"),  # K only close-matches what is developed
        }
        assert cov.overall.as_tuple() == (9, 5, 1, 3, 5 / 9)
        assert cov.courses == ["course:C1", "course:C2", "course:C3"]

    def test_each_competency_row(self, q: Questions) -> None:
        cov = q.coverage("prog:P", "occ:O", 3)
        b = cov.get("comp:B")
        assert (b.required_level, b.developed_level, b.importance, b.tasks) == (3, 2, 4.0, ["task:T1", "task:T2"])
        assert (b.essential, b.direct) == (True, False)
        a = cov.get("comp:A")
        assert a.developed_level == 3
        assert [(s.course, s.level) for s in a.developed_by] == [("course:C1", 3), ("course:C2", 1)]
        cc = cov.get("comp:C")
        assert (cc.direct, cc.tasks, cc.developed_level, cc.status) == (True, [], None, "covered")
        assert [(s.course, s.learning_task) for s in cc.developed_by] == [("course:C2", "lt:C2-1")]
        d = cov.get("comp:D")
        assert (d.required_level, d.developed_level, d.essential) == (None, 1, True)  # essential absent = essential
        g, h = cov.get("comp:G"), cov.get("comp:H")
        assert [s.competency for s in g.developed_by] == ["comp:G2"]
        assert [s.competency for s in h.developed_by] == ["comp:H2"]
        assert (g.developed_level, h.developed_level) == (3, 3)

    def test_close_match_only_on_request(self, q: Questions) -> None:
        cov = q.coverage("prog:P", "occ:O", 3, close_match=True)
        assert cov.get("comp:K").status == "covered"
        assert [s.competency for s in cov.get("comp:K").developed_by] == ["comp:K2"]
        assert cov.overall.as_tuple()[:4] == (9, 6, 1, 2)

    def test_optional_on_request(self, q: Questions) -> None:
        cov = q.coverage("prog:P", "occ:O", 3, include_optional=True)
        assert cov.get("comp:E").status == "missing"
        assert cov.get("comp:E").essential is False
        assert cov.overall.total == 10

    @pytest.mark.parametrize(
        ("level", "required"),
        [
            (1, ["D", "M"]),  # only level ≤ 1 and the level-agnostic D
            (2, ["B", "C", "D", "M"]),
            (4, ["A", "B", "F", "G", "H", "N", "C", "K", "D", "M"]),
        ],
    )
    def test_level_filter(self, q: Questions, level: int, required: list[str]) -> None:
        cov = q.coverage("prog:P", "occ:O", level)
        assert sorted(x.competency for x in cov.competencies) == sorted(c(*required))

    def test_max_level_among_included_requirements(self, q: Questions) -> None:
        # At L=2 only T1's requirement of B (level 2) is included: B is needed at 2, so covered.
        b = q.coverage("prog:P", "occ:O", 2).get("comp:B")
        assert (b.required_level, b.tasks, b.status) == (2, ["task:T1"], "covered")

    def test_level_defaults_to_the_targets_level(self, q: Questions) -> None:
        assert q.coverage("prog:P", "occ:O").level == 3
        with pytest.raises(InvalidInputError, match="give a level from 1 to 5"):
            q.coverage("prog:P", "occ:O2")

    def test_per_dimension_all_four_present(self, q: Questions) -> None:
        dims = q.coverage("prog:P", "occ:O", 3).by_dimension
        assert list(dims) == ["professional", "methodological", "social", "quality"]
        assert {d: t.as_tuple()[:4] for d, t in dims.items()} == {
            "professional": (5, 3, 1, 1),
            "methodological": (2, 1, 0, 1),
            "social": (1, 1, 0, 0),
            "quality": (1, 0, 0, 1),
        }
        empty = q.coverage("prog:P", "occ:O", 1).by_dimension["professional"]
        assert (empty.total, empty.ratio) == (0, None)

    def test_per_task_at_each_tasks_own_level(self, q: Questions) -> None:
        tasks = q.coverage("prog:P", "occ:O", 3).by_task
        assert [t.task for t in tasks] == ["task:T1", "task:T2", "task:T3"]
        t1, t2, t3 = tasks
        # T1 needs B only at 2, which C1 develops: covered for T1, though under-level overall.
        assert (t1.covered, t1.under_level, t1.missing) == (c("A", "B", "H"), [], c("M", "N"))
        assert (t2.covered, t2.under_level, t2.missing) == (c("D", "G"), c("B"), c("K"))
        assert (t3.tally.total, t3.tally.ratio) == (0, None)
        assert (t1.name_zh, t1.order) == ("任务1", 1)

    def test_weight_by_importance(self, q: Questions) -> None:
        cov = q.coverage("prog:P", "occ:O", 3, weight="importance")
        # A5 B4 C(absent→3) D2 G4 H4 K1 M5 N5; covered A C D G H.
        assert cov.get("comp:C").weight == 3.0
        assert (cov.overall.weighted_total, cov.overall.weighted_covered) == (33.0, 18.0)
        assert cov.overall.weighted_ratio == 18 / 33
        assert cov.by_dimension["social"].weighted_ratio == 1.0

    def test_weight_by_demand(self, q: Questions) -> None:
        cov = q.coverage("prog:P", "occ:O", 3, weight="demand")
        # 35 people demanded for O (E1's latest year 30 + E2 5); E1 NEEDS B (+30), E3 NEEDS N, hires none (+1).
        weights = {x.competency: x.weight for x in cov.competencies}
        assert weights == {**dict.fromkeys(c("A", "G", "H", "C", "K", "D", "M"), 35.0), "comp:B": 65.0, "comp:N": 36.0}
        assert cov.overall.weighted_ratio == 175 / 346
        assert cov.overall.ratio == 5 / 9

    def test_unweighted_has_no_weights(self, q: Questions) -> None:
        cov = q.coverage("prog:P", "occ:O", 3)
        assert cov.overall.weighted_ratio is None
        assert cov.get("comp:A").weight is None


class TestErrors:
    def test_unknown_program_and_occupation(self, q: Questions) -> None:
        with pytest.raises(NotFoundError, match="no Program 'prog:NOPE' in the graph"):
            q.coverage("prog:NOPE", "occ:O", 3)
        with pytest.raises(NotFoundError, match="no Occupation 'occ:NOPE' in the graph"):
            q.gaps("prog:P", "occ:NOPE", 3)

    def test_wrong_class(self, q: Questions) -> None:
        with pytest.raises(NotFoundError, match=r"no Program 'occ:O' \(it is an Occupation\)"):
            q.coverage("occ:O", "occ:O", 3)
        with pytest.raises(NotFoundError, match=r"no Occupation 'course:C1' \(it is a Course\)"):
            q.coverage("prog:P", "course:C1", 3)

    @pytest.mark.parametrize("level", [0, 6, "3", 2.5, True])
    def test_level_out_of_range(self, q: Questions, level: Any) -> None:
        with pytest.raises(InvalidInputError, match="level must be a whole number from 1 to 5"):
            q.coverage("prog:P", "occ:O", level)

    def test_bad_weight_and_resource_type(self, q: Questions) -> None:
        with pytest.raises(InvalidInputError, match="weight must be one of importance, demand"):
            q.coverage("prog:P", "occ:O", 3, weight="headcount")
        with pytest.raises(InvalidInputError, match="resource type must be one of loose_leaf_textbook"):
            q.delivery("prog:P", "video")


class TestGaps:
    def test_ranking(self, q: Questions) -> None:
        g = q.gaps("prog:P", "occ:O", 3)
        # B: 2 tasks. N, M, K: 1 task; N and M importance 5 (N more demand: 36 > 35), K importance 1.
        assert g.ids() == c("B", "N", "M", "K")
        assert [x.rank for x in g.gaps] == [1, 2, 3, 4]
        assert [x.demand for x in g.gaps] == [65, 36, 35, 35]
        assert (g.gaps[0].status, g.gaps[0].required_level, g.gaps[0].developed_level) == ("under_level", 3, 2)

    def test_employers_behind_a_gap(self, q: Questions) -> None:
        g = {x.competency: x for x in q.gaps("prog:P", "occ:O", 3).gaps}
        # Those that NEED the competency first, then the larger headcount demanded for O.
        assert [(e.employer, e.name_zh, e.needs, e.needs_level, e.headcount) for e in g["comp:N"].employers] == [
            ("emp:E3", "企业3", True, 2, None),
            ("emp:E1", "企业1", False, None, 30),
            ("emp:E2", "企业2", False, None, 5),
        ]
        assert [(e.employer, e.needs) for e in g["comp:B"].employers] == [("emp:E1", True), ("emp:E2", False)]
        assert [(x.competency, x.employer_count) for x in g.values()] == [
            ("comp:B", 2),
            ("comp:N", 3),
            ("comp:M", 2),
            ("comp:K", 2),
        ]

    def test_the_best_employers_are_listed_and_all_counted(self, service: Chanjiao, q: Questions) -> None:
        # N gains E4 (NEEDS it at 4, DEMANDS O 5), E5 (NEEDS it, hires none) and E6 (DEMANDS O 5, as E2 does).
        service.upsert(
            [NodeRecord("Employer", f"emp:E{i}", {"name_zh": f"企业{i}"}) for i in (4, 5, 6)],
            [
                E("NEEDS", "emp:E4", "comp:N", {"level": 4}),
                E("DEMANDS", "emp:E4", "occ:O", {"headcount": 5, "year": 2026}),
                E("NEEDS", "emp:E5", "comp:N"),
                E("DEMANDS", "emp:E6", "occ:O", {"headcount": 5, "year": 2026}),
            ],
            source="rules",
        )

        def listed(max_employers: int) -> tuple[list[tuple[str, str | None, bool, int | None]], int]:
            g = q.gaps("prog:P", "occ:O", 3, max_employers=max_employers)
            n = next(x for x in g.gaps if x.competency == "comp:N")
            return [(e.employer, e.name_zh, e.needs, e.headcount) for e in n.employers], n.employer_count

        # Needers by headcount then id (E4 5, then E3 and E5 with none), then the others by headcount then id.
        everything = [
            ("emp:E4", "企业4", True, 5),
            ("emp:E3", "企业3", True, None),
            ("emp:E5", "企业5", True, None),
            ("emp:E1", "企业1", False, 30),
            ("emp:E2", "企业2", False, 5),
            ("emp:E6", "企业6", False, 5),
        ]
        assert listed(10) == (everything, 6)
        assert listed(4) == (everything[:4], 6)
        assert listed(2) == (everything[:2], 6)
        assert listed(0) == ([], 6)
        with pytest.raises(InvalidInputError, match="max_employers must be 0 or more, not -1"):
            q.gaps("prog:P", "occ:O", 3, max_employers=-1)

    def test_candidates_elsewhere_at_the_required_level(self, q: Questions) -> None:
        g = {x.competency: x for x in q.gaps("prog:P", "occ:O", 3).gaps}
        n = g["comp:N"].candidates
        assert [(x.course, x.learning_task, x.level, x.programs) for x in n] == [("course:X1", None, 3, ["prog:Q"])]
        assert [r.id for r in n[0].resources] == ["res:R1"]  # X2 develops N only at 2: not a candidate
        m = g["comp:M"].candidates
        assert [(x.course, x.learning_task, x.programs) for x in m] == [("course:X3", "lt:X3-1", [])]
        assert [(r.id, r.type) for r in m[0].resources] == [("res:R2", "micro_video")]
        # K2 close-matches K, but C1 is in P: never a candidate.
        assert g["comp:K"].candidates == []
        assert [(x.competency, x.candidate_count) for x in g.values()] == [
            ("comp:B", 0),
            ("comp:N", 1),
            ("comp:M", 1),
            ("comp:K", 0),
        ]

    def test_the_best_candidates_are_listed_and_all_counted(self, service: Chanjiao, q: Questions) -> None:
        # N (required at 3) gains: Y1 at 3, Y2 at 5, lt:Y3-1 at 4, Y4 through N2 (EXACT_MATCH) at 5, Y5 at 2.
        service.upsert(
            [
                *(course(f"course:Y{i}") for i in range(1, 6)),
                NodeRecord("LearningTask", "lt:Y3-1", {"name_zh": "Y3的学习任务"}),
                NodeRecord("Competency", "comp:N2", {"name_en": "N2", "dimension": "professional", "kind": "skill"}),
            ],
            [
                E("EXACT_MATCH", "comp:N2", "comp:N"),
                E("HAS_LEARNING_TASK", "course:Y3", "lt:Y3-1"),
                *(E("INCLUDES", "prog:Q", f"course:Y{i}") for i in range(1, 6)),
                dev("course:Y1", "N", 3),
                dev("course:Y2", "N", 5),
                dev("lt:Y3-1", "N", 4),
                dev("course:Y4", "N2", 5),
                dev("course:Y5", "N", 2),
            ],
            source="rules",
        )

        def listed(max_candidates: int) -> tuple[list[tuple[str | None, ...]], int]:
            n = next(
                x for x in q.gaps("prog:P", "occ:O", 3, max_candidates=max_candidates).gaps if x.competency == "comp:N"
            )
            return [(x.course, x.learning_task, x.competency, x.level) for x in n.candidates], n.candidate_count

        # The competency itself before a match, then the higher level, then the id.
        everything = [
            ("course:Y2", None, "comp:N", 5),
            ("course:Y3", "lt:Y3-1", "comp:N", 4),
            ("course:X1", None, "comp:N", 3),
            ("course:Y1", None, "comp:N", 3),
            ("course:Y4", None, "comp:N2", 5),
        ]
        assert listed(10) == (everything, 5)
        assert listed(2) == (everything[:2], 5)
        assert listed(0) == ([], 5)
        with pytest.raises(InvalidInputError, match="max_candidates must be 0 or more, not -1"):
            q.gaps("prog:P", "occ:O", 3, max_candidates=-1)


class TestWhatIf:
    def test_add_remove_and_new_course_without_writing(self, q: Questions) -> None:
        before = snapshot(q.store)
        w = q.whatif(
            "prog:P",
            "occ:O",
            3,
            add_courses=["course:X1"],
            remove_courses=["course:C1"],
            new_courses=[{"name": "新课", "develops": [{"competency": "comp:M", "level": 2}], "hours": 40}],
        )
        assert snapshot(q.store) == before
        changes = {x.competency: (x.before, x.after, x.before_level, x.after_level) for x in w.changes}
        assert changes == {
            "comp:A": ("covered", "under_level", 3, 1),  # C2 still develops A at 1
            "comp:B": ("under_level", "missing", 2, None),
            "comp:N": ("missing", "covered", None, 3),
            "comp:M": ("missing", "covered", None, 2),
        }
        assert w.delta == {
            "covered": 1,
            "under_level": 0,
            "missing": -1,
            "ratio": pytest.approx(1 / 9),
            "weighted_ratio": None,
        }
        assert [n.id for n in w.new_courses] == ["new:1"]
        assert w.after.courses == ["course:C2", "course:C3", "course:X1", "new:1"]
        assert w.before.as_dict() == q.coverage("prog:P", "occ:O", 3).as_dict()

    def test_nothing_changed(self, q: Questions) -> None:
        w = q.whatif("prog:P", "occ:O", 3)
        assert w.changes == [] and w.before.as_dict() == w.after.as_dict()

    @pytest.mark.parametrize(
        ("change", "error", "message"),
        [
            ({"add_courses": ["course:C1"]}, InvalidInputError, "already in 'prog:P'"),
            ({"remove_courses": ["course:X1"]}, InvalidInputError, "not in 'prog:P'"),
            ({"add_courses": ["course:NOPE"]}, NotFoundError, "no Course 'course:NOPE'"),
            ({"new_courses": [{"name": "x", "develops": [{"competency": "comp:NOPE"}]}]}, NotFoundError, "comp:NOPE"),
            (
                {"new_courses": [{"name": "x", "develops": [{"competency": "comp:A", "level": 9}]}]},
                InvalidInputError,
                "level must be",
            ),
            ({"new_courses": [{"develops": [{"competency": "comp:A"}]}]}, InvalidInputError, "needs a name"),
        ],
    )
    def test_impossible_changes(self, q: Questions, change: dict, error: type, message: str) -> None:
        with pytest.raises(error, match=message):
            q.whatif("prog:P", "occ:O", 3, **change)


class TestOrphans:
    def test_orphans_redundancy_and_untaught_tasks(self, q: Questions) -> None:
        o = q.orphans("prog:P", "occ:O", 3)
        assert [(x.course, x.develops) for x in o.orphan_courses] == [("course:C3", ["comp:Z"])]
        assert o.redundant == []  # threshold 3: A is developed by two courses only
        assert [t.task for t in o.untaught_tasks] == ["task:T2", "task:T3"]  # lt:C2-1 derives from T1

    def test_threshold_and_all_targets(self, q: Questions) -> None:
        o = q.orphans("prog:P", threshold=2)
        assert o.occupations == {"occ:O": 3}  # P's targets at their TARGETS level
        assert [(r.competency, r.courses) for r in o.redundant] == [("comp:A", ["course:C1", "course:C2"])]
        with pytest.raises(InvalidInputError, match="threshold"):
            q.orphans("prog:P", threshold=1)
        with pytest.raises(InvalidInputError, match="'prog:Q' targets no occupation"):
            q.orphans("prog:Q")

    def test_a_course_developing_only_a_match_is_not_an_orphan(self, q: Questions, service: Chanjiao) -> None:
        service.upsert([], [E("DEVELOPS", "course:C3", "comp:H2", {"level": 1})])
        assert q.orphans("prog:P", "occ:O", 3).orphan_courses == []


class TestDelivery:
    def test_what_each_course_and_learning_task_lacks(self, q: Questions) -> None:
        d = q.delivery("prog:P")
        lacks = {i.id: i.lacks for i in d.items}
        assert [i.id for i in d.items] == ["course:C1", "course:C2", "lt:C2-1", "course:C3"]
        assert lacks == {
            "course:C1": [],
            "course:C2": ["resource", "training_base", "dual_qualified_teacher"],
            "lt:C2-1": ["training_base", "dual_qualified_teacher"],  # its own micro-video; its course's teachers
            "course:C3": ["resource", "dual_qualified_teacher"],
        }
        assert d.without_resource == ["course:C2", "course:C3"]
        assert d.without_training_base == ["course:C2", "lt:C2-1"]
        assert d.without_dual_qualified_teacher == ["course:C2", "lt:C2-1", "course:C3"]

    def test_learning_task_counts_its_courses_things(self, q: Questions, service: Chanjiao) -> None:
        service.upsert([], [E("HOSTS", "base:B1", "course:C2"), E("SUPPORTS", "res:P1", "course:C2")])
        item = {i.id: i for i in q.delivery("prog:P").items}["lt:C2-1"]
        assert (item.resources, item.training_bases, item.lacks) == (["res:P1", "res:P2"], ["base:B1"], [DUAL])

    def test_of_a_resource_type(self, q: Questions) -> None:
        d = q.delivery("prog:P", "micro_video")
        assert d.without_resource == ["course:C1", "course:C2", "course:C3"]
        assert {i.id: i.resources for i in d.items}["lt:C2-1"] == ["res:P2"]


DUAL = "dual_qualified_teacher"


class TestMatching:
    def test_occupations_ranked_for_a_program(self, q: Questions) -> None:
        r = q.match_occupations("prog:P", 3)
        # O: 5 of 9; O2: A covered, N missing = 1 of 2; O3 shares nothing with P: not listed.
        assert [(e.id, e.ratio, e.covered, e.total) for e in r.entries] == [
            ("occ:O", 5 / 9, 5, 9),
            ("occ:O2", 0.5, 1, 2),
        ]

    def test_programs_ranked_for_an_occupation(self, q: Questions) -> None:
        assert q.match_programs("occ:O", 3).ids() == ["prog:P", "prog:Q"]
        assert [e.ratio for e in q.match_programs("occ:O2", 3).entries] == [0.5, 0.5]  # tie: by covered, then id

    def test_programs_ranked_for_an_employer(self, q: Questions, service: Chanjiao) -> None:
        service.upsert([], [E("DEMANDS", "emp:E2", "occ:O2", {"headcount": 20, "year": 2026, "level": 3})])
        r = q.match_programs_for_employer("emp:E2")
        # O is taken at the top level (that demand states none): R(O, 5) adds F, so P covers 5 of 10, Q 1 of 10.
        # P: (5 × 5/10 + 20 × 1/2) / 25; Q: (5 × 1/10 + 20 × 1/2) / 25.
        assert [(e.id, e.ratio) for e in r.entries] == [("prog:P", 0.5), ("prog:Q", pytest.approx(0.42))]
        assert [(f.occupation, f.headcount, f.level) for f in r.entries[0].occupations] == [
            ("occ:O", 5, 5),  # no level on this demand: the top level
            ("occ:O2", 20, 3),
        ]


class TestDemand:
    def test_region_latest_year_and_local_programs(self, q: Questions) -> None:
        d = q.demand(region="region:R1")
        assert d.employers == ["emp:E1", "emp:E3"]
        [o] = d.occupations
        assert (o.occupation, o.headcount, o.level, o.best_ratio) == ("occ:O", 30, 3, 5 / 9)
        assert o.unmet_headcount == 30 * (1 - 5 / 9)
        assert [p.program for p in d.programs] == ["prog:P"]  # only S1, in R1, offers a program there
        weights = {x.competency: x.weight for x in d.competencies}
        assert (weights["comp:B"], weights["comp:N"], weights["comp:A"]) == (60, 31, 30)
        assert d.unmet == c("B", "N", "K", "M")

    def test_every_program_and_a_past_year(self, q: Questions) -> None:
        d = q.demand(region="region:R1", year=2025, local_programs=False)
        assert d.occupations[0].headcount == 10
        assert "comp:N" not in d.unmet  # prog:Q's X1 develops N at 3
        n = {x.competency: x for x in d.competencies}["comp:N"]
        assert (n.required_level, n.status, n.programs) == (3, "covered", ["prog:Q"])

    def test_industry_and_no_filter(self, q: Questions) -> None:
        assert q.demand(industry="ind:I1").employers == ["emp:E1"]
        assert q.demand().occupations[0].headcount == 35
        with pytest.raises(NotFoundError, match="no Region 'region:NOPE'"):
            q.demand(region="region:NOPE")


PATH_NODES = [
    NodeRecord("Occupation", "occ:L", {"name_zh": "学习者目标职业"}),
    NodeRecord("TypicalWorkTask", "task:L1", {"name_zh": "任务"}),
    *(NodeRecord("Competency", f"comp:a{i}", {"dimension": "professional", "kind": "skill"}) for i in range(1, 7)),
    NodeRecord("Competency", "comp:z", {"dimension": "quality", "kind": "attitude"}),
    course("course:k1", hours=100, semester=2),
    course("course:k2", hours=30, semester=2),
    course("course:k3", hours=30, semester=2),
    course("course:k4", semester=1),  # hours unknown: costs the median, 30
    course("course:k5", hours=50, semester=3),
    course("course:p0", hours=10, semester=5),
    course("course:m0", semester=1),
    NodeRecord("Program", "prog:L", {"name_zh": "专业L"}),
    NodeRecord("Resource", "res:K4", {"name_zh": "k4教材", "type": "workbook"}),
]
PATH_EDGES = [
    E("HAS_TASK", "occ:L", "task:L1"),
    *(req("task:L1", f"a{i}", 3, 3) for i in (1, 2, 3, 4, 6)),
    req("task:L1", "a5", 2, 3),
    dev("course:k1", "a2", 3),
    dev("course:k1", "a3", 3),
    dev("course:k2", "a2", 3),
    dev("course:k3", "a3", 3),
    dev("course:k4", "a4", 3),
    dev("course:k5", "a5", 2),
    dev("course:p0", "z", 1),
    dev("course:m0", "a1", 2),
    E("PREREQUISITE_OF", "course:p0", "course:k4"),
    E("PREREQUISITE_OF", "course:m0", "course:p0"),
    E("SUPPORTS", "res:K4", "course:k4"),
    *(E("INCLUDES", "prog:L", f"course:{k}") for k in ("k1", "k4", "k5")),
]
PROFILE = {"comp:a1": 3, "comp:a5": 1}


@pytest.fixture
def lp(service: Chanjiao) -> Questions:
    service.upsert(PATH_NODES, PATH_EDGES, source="rules")
    return Questions(service.store)


class TestLearningPath:
    def test_gaps_cover_prerequisites_and_order(self, lp: Questions) -> None:
        p = lp.learning_path(PROFILE, "occ:L", 3)
        assert p.held == ["comp:a1"]
        assert [(g.competency, g.status, g.held_level) for g in p.gaps] == [
            ("comp:a2", "missing", None),
            ("comp:a3", "missing", None),
            ("comp:a4", "missing", None),
            ("comp:a5", "under_level", 1),
            ("comp:a6", "missing", None),
        ]
        # Per hour: k2 and k3 (1 gap / 30 h) beat k4 (+ its prerequisite p0: 1 / 40 h), k1 (2 / 100) and k5 (1 / 50).
        # p0 is a prerequisite the learner lacks; m0 (before p0) develops only a1, which the learner holds.
        # Order: prerequisites first (p0 before k4, though k4 is in semester 1), then semester, then id.
        assert [(s.course, s.reason) for s in p.steps] == [
            ("course:k2", "gap"),
            ("course:k3", "gap"),
            ("course:k5", "gap"),
            ("course:p0", "prerequisite"),
            ("course:k4", "gap"),
        ]
        k4 = p.steps[-1]
        assert (k4.closes, k4.prerequisites, [r.id for r in k4.resources]) == (["comp:a4"], ["course:p0"], ["res:K4"])
        assert p.uncloseable == ["comp:a6"]
        assert (p.total_hours, p.hours_unknown) == (120, ["course:k4"])
        assert {g.competency: g.closed_by for g in p.gaps}["comp:a2"] == ["course:k2"]

    def test_within_a_program(self, lp: Questions) -> None:
        p = lp.learning_path(PROFILE, "occ:L", 3, program="prog:L")
        # k1 closes a2 and a3 in the program; p0 is followed though outside it.
        assert p.courses() == ["course:k1", "course:k5", "course:p0", "course:k4"]

    def test_a_prerequisite_cycle_is_named(self, lp: Questions, service: Chanjiao) -> None:
        # Loads refuse a cycle, so write it past validation, as another tool could (e.g. the Neo4j Browser).
        cycle = E("PREREQUISITE_OF", "course:k4", "course:p0")
        service.store.write(Batch([], [cycle], {"course:k4": "Course", "course:p0": "Course"}))
        with pytest.raises(
            InvalidInputError, match="form a cycle: course:k4 → course:p0 → course:k4; fix PREREQUISITE_OF"
        ):
            lp.learning_path(PROFILE, "occ:L", 3)

    def test_profile_is_checked(self, lp: Questions) -> None:
        with pytest.raises(NotFoundError, match="no Competency 'comp:nope'"):
            lp.learning_path({"comp:nope": 1}, "occ:L", 3)
        with pytest.raises(InvalidInputError, match="the level of 'comp:a1' must be"):
            lp.learning_path({"comp:a1": 7}, "occ:L", 3)

    def test_nothing_to_learn(self, lp: Questions) -> None:
        full = {f"comp:a{i}": 3 for i in range(1, 7)}
        p = lp.learning_path(full, "occ:L", 3)
        assert (p.gaps, p.steps, p.uncloseable, p.total_hours) == ([], [], [], 0)


class TestCurriculumMap:
    def test_rows_columns_cells(self, q: Questions) -> None:
        m = q.curriculum_map("prog:P", "occ:O", 3)
        assert [r.course for r in m.rows] == ["course:C1", "course:C2", "course:C3"]
        columns = [col.competency for col in m.columns]
        assert columns == c("A", "B", "G", "G2", "H", "H2", "N", "Z", "C", "K", "K2", "D", "M")
        cells = {(x.course, x.competency): (x.level, x.direct, x.learning_tasks, x.via) for x in m.cells}
        assert cells[("course:C2", "comp:C")] == (None, False, ["lt:C2-1"], [])
        assert cells[("course:C2", "comp:G")] == (3, True, [], ["comp:G2"])  # counts through the match
        assert ("course:C1", "comp:K") not in cells  # CLOSE_MATCH not asked for
        status = {col.competency: (col.required, col.required_level, col.status) for col in m.columns}
        assert status["comp:B"] == (True, 3, "under_level")
        assert status["comp:Z"] == (False, None, None)
        grid = m.grid()
        assert grid[0][columns.index("comp:A")] == 3
        assert grid[1][columns.index("comp:C")] == "✓"
        assert m.table()[0][:3] == ["course", "name_zh", "comp:A"]

    def test_task_map(self, q: Questions) -> None:
        m = q.curriculum_map("prog:P", "occ:O", 3)
        assert [t.task for t in m.task_columns] == ["task:T1", "task:T2", "task:T3"]
        assert [(x.course, x.task, x.learning_tasks) for x in m.task_cells] == [("course:C2", "task:T1", ["lt:C2-1"])]

    def test_without_an_occupation(self, q: Questions) -> None:
        m = q.curriculum_map("prog:P")
        assert [col.competency for col in m.columns] == c("A", "B", "G2", "H2", "Z", "C", "K2", "D")
        assert all(col.status is None for col in m.columns)
        assert [t.task for t in m.task_columns] == ["task:T1"]


def test_docs_list_every_entry_point_with_its_signature() -> None:
    docs = (Path(__file__).resolve().parents[1] / "docs" / "questions.md").read_text(encoding="utf-8")
    for name, method in inspect.getmembers(Questions, inspect.isfunction):
        if name.startswith("_") or name == "read":
            continue
        parameters = [p for p in inspect.signature(method).parameters if p != "self"]
        assert f"`{name}(" in docs, f"docs/questions.md does not list Questions.{name}"
        line = next(line for line in docs.splitlines() if f"`{name}(" in line)
        assert all(p in line for p in parameters), f"docs/questions.md: {name} lacks a parameter of {parameters}"
