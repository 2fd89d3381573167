"""The questions on the demo dataset: the hand-checked answers of loaders/demo/README.md, on each store,
and every question answered identically by the embedded store and Neo4j."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from graph.embedded import EmbeddedStore
from graph.errors import NotFoundError
from graph.questions import Questions
from graph.service import Chanjiao
from loaders.pipeline import load
from loaders.sources import DEMO_PATH
from loaders.workbook import read_workbook
from ontology.schema import Schema
from tests.conftest import ROOT

IRAM, OPERATOR, ELECTRICIAN = "program:IRAM", "csco:6-31-07-03", "csco:6-31-01-03"


@pytest.fixture
def q(demo: Chanjiao) -> Questions:
    return Questions(demo.store)


def ids(*names: str) -> list[str]:
    return [f"comp:{n}" for n in names]


class TestReadmeAnswers:
    def test_coverage_at_level_3(self, q: Questions) -> None:
        cov = q.coverage(IRAM, OPERATOR, 3)
        assert cov.overall.as_tuple()[:4] == (34, 23, 5, 6)
        assert sorted(cov.ids("missing")) == ids("P-13", "P-14", "P-15", "P-20", "Q-05", "S-03")
        under = {
            c.competency: (c.required_level, c.developed_level) for c in cov.competencies if c.status == "under_level"
        }
        assert under == {c: (3, 2) for c in ids("M-03", "P-07", "P-12", "P-16", "P-19")}

    def test_covered_only_through_matches(self, q: Questions) -> None:
        cov = q.coverage(IRAM, OPERATOR, 3)
        p04 = cov.get("comp:P-04")
        assert (p04.status, p04.developed_level, {s.competency for s in p04.developed_by}) == (
            "covered",
            3,
            {"comp:P-33"},
        )
        q03 = cov.get("comp:Q-03")
        assert q03.developed_level == 3  # 2 directly, 3 through comp:Q-06 (EXACT_MATCH the other way)
        assert {s.competency: s.level for s in q03.developed_by if s.competency == "comp:Q-06"} == {"comp:Q-06": 3}

    def test_variants(self, q: Questions) -> None:
        def statuses(cov: Any) -> dict[str, str]:
            return {c.competency: c.status for c in cov.competencies}

        base = statuses(q.coverage(IRAM, OPERATOR, 3))
        close = q.coverage(IRAM, OPERATOR, 3, close_match=True)
        assert close.get("comp:P-15").status == "covered"
        assert close.overall.missing == 5
        optional = statuses(q.coverage(IRAM, OPERATOR, 3, include_optional=True))
        added = {c: s for c, s in optional.items() if c not in base}
        assert added == {"comp:P-06": "missing", "comp:P-38": "covered", "comp:S-05": "covered"}
        level4 = statuses(q.coverage(IRAM, OPERATOR, 4))
        assert sorted(set(level4) - set(base)) == ids("P-06", "S-04")

    def test_level_agnostic_entries(self, q: Questions) -> None:
        cov = q.coverage(IRAM, OPERATOR, 3)
        q02, q07 = cov.get("comp:Q-02"), cov.get("comp:Q-07")
        assert (q02.required_level, q02.status, q02.direct) == (None, "covered", True)
        assert (q07.required_level, q07.essential, q07.status, q07.developed_level) == (None, True, "covered", None)

    def test_gap_candidates_in_the_other_program(self, q: Questions) -> None:
        gaps = {g.competency: g for g in q.gaps(IRAM, OPERATOR, 3).gaps}
        assert len(gaps) == 11
        candidates = {c: [x.course for x in g.candidates] for c, g in gaps.items() if g.candidates}
        assert candidates == {
            "comp:P-13": ["course:EA-201"],
            "comp:P-14": ["course:EA-201"],
            "comp:P-20": ["course:EA-202"],
        }
        assert gaps["comp:Q-05"].candidates == gaps["comp:S-03"].candidates == []
        assert gaps["comp:P-14"].candidates[0].programs == ["program:EAEM"]

    def test_orphans_and_untaught_tasks(self, q: Questions) -> None:
        o = q.orphans(IRAM, OPERATOR, 3)
        assert [c.course for c in o.orphan_courses] == ["course:IR-206"]
        assert o.orphan_courses[0].develops == ["comp:P-32"]
        assert [t.task for t in o.untaught_tasks] == ["task:IRO-07", "task:IRO-09"]
        assert [c.course for c in q.orphans(IRAM).orphan_courses] == ["course:IR-206"]  # against all targets too

    def test_delivery_gaps(self, q: Questions) -> None:
        d = q.delivery(IRAM)
        ir306 = {i.id: i for i in d.items}["course:IR-306"]
        assert ir306.lacks == ["resource", "training_base", "dual_qualified_teacher"]
        assert ir306.teachers == ["teacher:T04", "teacher:T08"]
        tasks_without = [i for i in d.without_resource if i.startswith("lt:")]
        assert tasks_without == ["lt:IR-305-2", "lt:IR-306-1", "lt:IR-306-2"]
        hosted = {i.id: i.training_bases for i in d.items}
        assert hosted["lt:IR-306-1"] == ["base:WSJ-ROBOT"] and hosted["lt:IR-306-2"] == ["base:WSJ-HC"]

    def test_demand_years_and_program_ranking(self, q: Questions) -> None:
        assert q.match_programs(ELECTRICIAN, 2).ids()[:2] == ["program:EAEM", "program:IRAM"]
        latest = {o.occupation: o.headcount for o in q.demand().occupations}
        assert latest[OPERATOR] == 12 + 20 + 10 + 4  # emp:KS-JINGRUI's 2025 row is replaced by its 2026 one
        assert {o.occupation: o.headcount for o in q.demand(year=2025).occupations} == {OPERATOR: 15}

    def test_program_summary(self, q: Questions) -> None:
        s = q.summary(IRAM)
        assert (s.name_zh, s.properties["code"], s.properties["duration_years"]) == (
            "工业机器人应用与维护",
            "0112-4",
            5,
        )
        assert [(t.occupation, t.level) for t in s.targets] == [
            ("csco:6-31-07-01", 3),
            (OPERATOR, 3),
            (ELECTRICIAN, 2),
        ]  # TARGETS.csv, the highest level first
        by_semester = [(c.semester, c.course.removeprefix("course:")) for c in s.courses]
        assert by_semester == [
            (1, "GE-101"), (1, "GE-102"), (1, "GE-103"), (1, "GE-105"), (2, "GE-104"), (2, "GE-106"),
            (3, "IR-101"), (3, "IR-102"), (3, "IR-103"), (4, "IR-104"), (4, "IR-105"), (5, "IR-301"),
            (6, "IR-206"), (6, "IR-302"), (6, "IR-303"), (7, "IR-304"), (7, "IR-305"), (8, "IR-306"),
        ]  # fmt: skip
        assert [c.course for c in s.courses if not c.required] == ["course:IR-206"]  # INCLUDES.csv: required false
        ir306 = s.courses[-1]
        assert (ir306.name_zh, ir306.hours, ir306.category) == (
            "工业机器人工作站综合项目",
            240,
            "integrated",
        )  # Course.csv

    @pytest.mark.parametrize("program", ["program:NOPE", "course:IR-301"])
    def test_program_summary_of_what_is_no_program(self, q: Questions, program: str) -> None:
        with pytest.raises(NotFoundError, match=f"{program}"):
            q.summary(program)


def _calls() -> dict[str, Callable[[Questions], Any]]:
    """Every question, with its options, as the faces would ask it."""
    profile = {"comp:P-01": 3, "comp:P-33": 2, "comp:Q-01": None, "comp:M-03": 1}
    new = {"name": "视觉系统应用", "develops": [{"competency": "comp:P-15", "level": 3}, {"competency": "comp:S-03"}]}
    return {
        "coverage": lambda q: q.coverage(IRAM, OPERATOR, 3),
        "coverage optional close": lambda q: q.coverage(IRAM, OPERATOR, 4, include_optional=True, close_match=True),
        "coverage by importance": lambda q: q.coverage(IRAM, OPERATOR, weight="importance"),
        "coverage by demand": lambda q: q.coverage("program:EAEM", ELECTRICIAN, 2, weight="demand"),
        "gaps": lambda q: q.gaps(IRAM, OPERATOR, 3),
        "gaps close optional": lambda q: q.gaps(IRAM, "csco:6-31-07-01", 4, close_match=True, include_optional=True),
        "map": lambda q: q.curriculum_map(IRAM, OPERATOR, 3, close_match=True),
        "map without occupation": lambda q: q.curriculum_map("program:EAEM"),
        "orphans": lambda q: q.orphans(IRAM, threshold=2),
        "orphans of one occupation": lambda q: q.orphans(IRAM, OPERATOR, 3),
        "what-if": lambda q: q.whatif(
            IRAM, OPERATOR, 3, add_courses=["course:EA-201"], remove_courses=["course:IR-305"], new_courses=[new]
        ),
        "what-if by demand": lambda q: q.whatif(IRAM, OPERATOR, 3, add_courses=["course:EA-202"], weight="demand"),
        "demand": lambda q: q.demand(),
        "demand in a region": lambda q: q.demand(region="region:320500", year=2026, local_programs=False),
        "demand in an industry": lambda q: q.demand(industry="ind:C34", level=3, close_match=True),
        "match occupations": lambda q: q.match_occupations(IRAM, 3),
        "match programs": lambda q: q.match_programs(ELECTRICIAN, 2),
        "match programs for an employer": lambda q: q.match_programs_for_employer("emp:KS-JINGRUI"),
        "delivery": lambda q: q.delivery(IRAM),
        "delivery of a type": lambda q: q.delivery(IRAM, "workbook"),
        "learning path": lambda q: q.learning_path(profile, OPERATOR, 3),
        "learning path in a program": lambda q: q.learning_path(profile, OPERATOR, 3, IRAM, close_match=True),
        "program summary": lambda q: q.summary(IRAM),
    }


@pytest.mark.neo4j
def test_every_question_is_answered_identically_by_both_stores(
    demo_neo4j: Questions, tmp_path: Path, schema: Schema
) -> None:
    embedded = EmbeddedStore(tmp_path / "demo.db", schema)
    try:
        load(Chanjiao(embedded), read_workbook(DEMO_PATH, schema), source="demo")
        local = Questions(embedded)
        differing = []
        for name, ask in _calls().items():
            mine, theirs = ask(local).as_dict(), ask(demo_neo4j).as_dict()
            json.dumps(mine, ensure_ascii=False)  # every answer is JSON-ready
            if mine != theirs:
                differing.append(name)
        assert differing == []
    finally:
        embedded.close()


@pytest.fixture
def demo_neo4j(request: pytest.FixtureRequest, tmp_path: Path, schema: Schema) -> Questions:
    """The demo in Neo4j (the shared test database, wiped first)."""
    from tests.conftest import make_store

    store = make_store("neo4j", request, tmp_path, schema)
    load(Chanjiao(store), read_workbook(DEMO_PATH, schema), source="demo")
    return Questions(store)


def test_every_map_column_is_named_even_when_nothing_develops_it(demo) -> None:
    columns = demo.questions.curriculum_map("program:IRAM", "csco:6-31-07-03", 3).columns
    assert all(c.name_zh and c.dimension for c in columns), [c.competency for c in columns if not c.name_zh]
    missing = next(c for c in columns if c.competency == "comp:P-13")
    assert (missing.name_zh, missing.status) == ("人机界面（HMI）组态", "missing")


def test_the_demo_for_examples_leaves_no_folder_behind() -> None:
    """``demo_questions`` (the docstrings' examples) loads the demo into a temporary folder of its own; the
    folder goes when the process does, so that test runs do not pile them up."""
    code = "from graph.questions import demo_questions; print(demo_questions().store.path.parent)"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    folder = Path(done.stdout.strip())
    assert folder.name.startswith("chanjiao-demo-") and not folder.exists()
