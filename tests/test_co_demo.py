"""Co-evaluation and co-research on the demo: the hand-checked answers of loaders/demo/README.md, on each store,
and every new question answered identically by the embedded store and Neo4j."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from graph.embedded import EmbeddedStore
from graph.questions import Questions
from graph.service import Chanjiao
from loaders.pipeline import load
from loaders.sources import DEMO_PATH
from loaders.workbook import read_workbook
from ontology.schema import Schema

IRAM, OPERATOR = "program:IRAM", "csco:6-31-07-03"
DAY = "2026-06-01"  # the project runs 2025-09-01 – 2027-08-31


@pytest.fixture
def q(demo: Chanjiao) -> Questions:
    return Questions(demo.store)


def ids(*names: str) -> list[str]:
    return [f"comp:{n}" for n in names]


class TestReadmeAnswers:
    def test_assessed_coverage(self, q: Questions) -> None:
        a = q.assessed_coverage(IRAM, OPERATOR, 3)
        assert a.overall.as_tuple() == (34, 11, 7, 10, 6)
        assert a.ids("assessed") == ids(
            "P-04", "P-05", "P-12", "P-17", "P-18", "P-19", "M-02", "S-01", "Q-01", "Q-02", "Q-04"
        )
        assert a.ids("school_only") == ids("P-01", "P-02", "P-08", "P-09", "P-10", "P-11", "M-05")
        assert a.ids("not_assessed") == ids(
            "P-07", "P-16", "P-26", "P-36", "M-01", "M-03", "M-04", "S-02", "Q-03", "Q-07"
        )
        assert a.ids("missing") == ids("P-13", "P-14", "P-15", "P-20", "S-03", "Q-05")  # = coverage's missing

    def test_assessed_coverage_details(self, q: Questions) -> None:
        a = q.assessed_coverage(IRAM, OPERATOR, 3)
        p04 = a.get("comp:P-04").assessments  # the enterprise assesses the school's statement P-33 (EXACT_MATCH)
        assert [(u.assessment, u.competency, u.conducted_by, u.counts) for u in p04] == [
            ("assess:IR-303-E", "comp:P-33", ["emp:SZ-HENGCHUAN"], True)
        ]
        p16 = a.get("comp:P-16")  # assessed at 2 only: below the required 3
        assert (p16.status, p16.development, [(u.level, u.counts) for u in p16.assessments]) == (
            "not_assessed",
            "under_level",
            [(2, False)],
        )
        q03 = a.get("comp:Q-03")  # a self-evaluation never counts on its own
        assert (q03.status, [u.evaluator for u in q03.assessments]) == ("not_assessed", ["self"])
        assert "assess:EA-301-E" not in a.assessments  # assesses M-03, but in the other program
        assert a.get("comp:P-12").development == "under_level" and a.get("comp:P-12").status == "assessed"

    def test_outcome_gaps(self, q: Questions) -> None:
        o = q.outcome_gaps(IRAM, OPERATOR, 3)
        assert [(g.cohort[-4:], g.competency, g.share, g.score) for g in o.gaps] == [
            ("2025", "comp:P-16", None, 160.0),  # results at level 2 only: 80 points × 2 tasks
            ("2024", "comp:P-12", 55.0, 25.0),
            ("2024", "comp:P-05", 71.0, 18.0),
            ("2024", "comp:P-19", 64.0, 16.0),  # the school's process result at 3; the enterprise's says level 2
            ("2025", "comp:P-11", 68.0, 12.0),
            ("2024", "comp:Q-04", 76.0, 8.0),
            ("2025", "comp:P-18", 74.0, 6.0),
            ("2024", "comp:Q-01", 78.0, 6.0),  # the enterprise's summative 78 % decides, not the school's 88 %
            ("2024", "comp:P-04", 78.0, 2.0),  # through P-33 (EXACT_MATCH)
            ("2025", "comp:P-02", 79.0, 2.0),
        ]
        c2024, c2025 = o.cohorts
        assert (len(c2024.met), len(c2024.short), len(c2024.below_level), len(c2024.no_result)) == (6, 6, 0, 22)
        assert (len(c2025.met), len(c2025.short), len(c2025.below_level), len(c2025.no_result)) == (5, 3, 1, 25)
        assert c2024.no_result[:1] == ids("P-07") and "comp:Q-03" in c2024.no_result  # only self-evaluated

    def test_research_uptake(self, q: Questions) -> None:
        r = q.research_uptake(IRAM, OPERATOR, 3, on=DAY)
        [p] = r.projects
        assert (p.project, p.running, p.ownership) == ("proj:VISION-SEAM", True, "joint")
        assert (p.schools, p.employers, p.studios) == (["school:WSJ"], ["emp:SZ-HENGTUO"], ["studio:WANG-JG"])
        [course] = p.courses
        assert (course.course, course.in_program, course.resources, course.learning_tasks) == (
            "course:IR-305",
            True,
            ["res:CASE-SEAM"],
            ["lt:IR-305-3"],
        )
        assert [(x.competency, x.level) for x in course.competencies] == [("comp:P-34", 3)]
        assert len(r.gaps) == 11 and r.coverable == ids("P-15")  # P-14 is cultivated only at 2
        assert q.research_uptake(IRAM, OPERATOR, 3, on="2028-01-01").coverable == []
        every_target = q.research_uptake(IRAM, on=DAY)  # the three occupations IRAM targets
        assert (len(every_target.gaps), every_target.coverable) == (17, ids("P-15"))

    def test_existing_answers_are_unchanged(self, q: Questions) -> None:
        cov = q.coverage(IRAM, OPERATOR, 3)
        assert cov.overall.as_tuple()[:4] == (34, 23, 5, 6)
        d = q.delivery(IRAM)
        assert [i for i in d.without_resource if i.startswith("lt:")] == ["lt:IR-305-2", "lt:IR-306-1", "lt:IR-306-2"]


def _calls() -> dict[str, Callable[[Questions], Any]]:
    return {
        "assessed": lambda q: q.assessed_coverage(IRAM, OPERATOR, 3),
        "assessed close": lambda q: q.assessed_coverage(IRAM, OPERATOR, 4, include_optional=True, close_match=True),
        "assessed maintainer": lambda q: q.assessed_coverage(IRAM, "csco:6-31-07-01"),
        "outcomes": lambda q: q.outcome_gaps(IRAM, OPERATOR, 3),
        "outcomes of a cohort": lambda q: q.outcome_gaps(IRAM, OPERATOR, 3, cohort="cohort:IRAM-2024", threshold=75),
        "outcomes close": lambda q: q.outcome_gaps(IRAM, OPERATOR, close_match=True, include_optional=True),
        "research": lambda q: q.research_uptake(IRAM, on=DAY),
        "research operator close": lambda q: q.research_uptake(IRAM, OPERATOR, 3, on=DAY, close_match=True),
        "research later": lambda q: q.research_uptake("program:EAEM", on="2028-01-01"),
    }  # fmt: skip


@pytest.mark.neo4j
def test_every_new_question_is_answered_identically_by_both_stores(
    request: pytest.FixtureRequest, tmp_path: Path, schema: Schema
) -> None:
    from tests.conftest import make_store

    neo4j = make_store("neo4j", request, tmp_path, schema)
    embedded = EmbeddedStore(tmp_path / "demo.db", schema)
    try:
        for store in (neo4j, embedded):
            load(Chanjiao(store), read_workbook(DEMO_PATH, schema), source="demo")
        differing = []
        for name, ask in _calls().items():
            mine, theirs = ask(Questions(embedded)).as_dict(), ask(Questions(neo4j)).as_dict()
            json.dumps(mine, ensure_ascii=False)  # every answer is JSON-ready
            if mine != theirs:
                differing.append(name)
        assert differing == []
    finally:
        embedded.close()
