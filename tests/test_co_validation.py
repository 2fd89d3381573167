"""Bad or inconsistent co-evaluation data: a clear, located error and nothing written, on each store.

The rules come from the ontology: ``share`` is a ``Percentage`` (0–100); a result names, in its
``assessment`` property (``cj:refersTo``), an Assessment that ASSESSES the result's competency at the
result's level or above (``cj:coveredBy``); a Cohort belongs to exactly one Program and an Assessment to
exactly one course or learning task (``owl:Restriction`` cardinalities on the inverse relationships).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.errors import ValidationError
from graph.records import EdgeRecord, NodeRecord
from graph.service import Chanjiao
from loaders.pipeline import load
from loaders.workbook import read_workbook
from ontology.schema import CoverRule, LinkRule, Schema, SchemaError, load_schema
from tests.test_workbook import folder

RESULT = "from,to,assessment,level,share\n"

# Each case: files of a CSV workbook loaded over the demo, and a fragment of the message that must locate it.
BAD = {
    "share above 100 %": (
        {"ACHIEVED.csv": RESULT + "cohort:IRAM-2025,comp:P-01,assess:IR-301-P,3,101\n"},
        "ACHIEVED.csv row 2, field 'share' = '101': 101.0 is above the maximum 100",
    ),
    "negative share": (
        {"ACHIEVED.csv": RESULT + "cohort:IRAM-2025,comp:P-01,assess:IR-301-P,3,-1\n"},
        "field 'share' = '-1': -1.0 is below the minimum 0",
    ),
    "result for a competency the assessment does not cover": (
        {"ACHIEVED.csv": RESULT + "cohort:IRAM-2025,comp:P-20,assess:IR-301-P,3,50\n"},
        "ACHIEVED.csv row 2, field 'to' = 'comp:P-20': Assessment 'assess:IR-301-P' (field 'assessment') has no "
        "ASSESSES to 'comp:P-20' (it has ASSESSES to comp:P-01, comp:P-02, comp:Q-01 only)",
    ),
    "result above the assessed level": (
        {"ACHIEVED.csv": RESULT + "cohort:IRAM-2025,comp:P-16,assess:IR-305-1-P,3,40\n"},
        "ACHIEVED.csv row 2, field 'level' = 3: level 3 is above the level at which Assessment 'assess:IR-305-1-P' "
        "ASSESSES 'comp:P-16' (2)",
    ),
    "result of an unknown assessment": (
        {"ACHIEVED.csv": RESULT + "cohort:IRAM-2025,comp:P-01,assess:NOPE,3,50\n"},
        "field 'assessment' = 'assess:NOPE': refers to no Assessment: neither in this load nor in the graph",
    ),
    "result naming a course as its assessment": (
        {"ACHIEVED.csv": RESULT + "cohort:IRAM-2025,comp:P-01,course:IR-301,3,50\n"},
        "field 'assessment' = 'course:IR-301': is a Course, but ACHIEVED assessment must name an Assessment",
    ),
    "result without its assessment": (
        {"ACHIEVED.csv": "from,to,level,share\ncohort:IRAM-2025,comp:P-01,3,50\n"},
        "ACHIEVED.csv row 2, field 'assessment': is required",
    ),
    "cohort without a program": (
        {"Cohort.csv": "id,year,size\ncohort:IRAM-2026,2026,40\n"},
        "Cohort.csv row 2: a Cohort needs exactly 1 HAS_COHORT (包含届次) from a Program; none in this load or the "
        "graph",
    ),
    "cohort in a second program": (
        {"HAS_COHORT.csv": "from,to\nprogram:EAEM,cohort:IRAM-2024\n"},
        "HAS_COHORT.csv row 2, field 'from' = 'program:EAEM': Cohort 'cohort:IRAM-2024' would have 2 HAS_COHORT "
        "(program:EAEM, program:IRAM); it needs exactly 1 HAS_COHORT (包含届次) from a Program",
    ),
    "assessment of nothing": (
        {"Assessment.csv": "id,kind,evaluator\nassess:X,process,school\n"},
        "Assessment.csv row 2: an Assessment needs exactly 1 HAS_ASSESSMENT (包含考核) from a Course or LearningTask",
    ),
    "unknown evaluator": (
        {
            "Assessment.csv": "id,评价类型,评价主体\nassess:X,summative,boss\n",
            "包含考核.csv": "起点,终点\ncourse:IR-301,assess:X\n",
        },
        "Assessment.csv row 2, field 'evaluator' = 'boss': 'boss' is not one of: self, school, enterprise",
    ),
    "impossible date": (
        {"ResearchProject.csv": "id,start_date\nproj:X,2025-02-30\n"},
        "ResearchProject.csv row 2, field 'start_date' = '2025-02-30': '2025-02-30' is not a calendar date",
    ),
    "date in another format": (
        {"ResearchProject.csv": "id,end_date\nproj:X,2025/03/01\n"},
        "field 'end_date' = '2025/03/01': '2025/03/01' is not a date written as YYYY-MM-DD",
    ),
    "unknown ownership": (
        {"ResearchProject.csv": "id,ownership\nproj:X,shared\n"},
        "'shared' is not one of: school, enterprise, joint",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD))
def test_bad_data_gets_a_located_error_and_writes_nothing(case: str, tmp_path: Path, demo: Chanjiao) -> None:
    files, message = BAD[case]
    before = demo.stats()
    with pytest.raises(ValidationError) as caught:
        load(demo, read_workbook(folder(tmp_path, files), demo.schema), source="bad")
    assert any(message in str(p) for p in caught.value.problems), [str(p) for p in caught.value.problems]
    assert demo.stats() == before


def test_a_new_cohort_with_its_program_and_results_in_one_load(tmp_path: Path, demo: Chanjiao) -> None:
    """The batch counts: the cohort's program, a new assessment's course and what it ASSESSES arrive together."""
    files = {
        "Cohort.csv": "id,year,size\ncohort:IRAM-2026,2026,40\n",
        "HAS_COHORT.csv": "from,to\nprogram:IRAM,cohort:IRAM-2026\n",
        "Assessment.csv": "id,kind,evaluator\nassess:NEW,summative,enterprise\n",
        "HAS_ASSESSMENT.csv": "from,to\ncourse:IR-305,assess:NEW\n",
        "ASSESSES.csv": "from,to,level\nassess:NEW,comp:P-34,3\n",
        "ACHIEVED.csv": RESULT
        + "cohort:IRAM-2026,comp:P-34,assess:NEW,3,66.5\ncohort:IRAM-2025,comp:P-34,assess:NEW,2,90\n",
    }
    report = load(demo, read_workbook(folder(tmp_path, files), demo.schema), source="good")
    assert (report.summary.nodes_created, report.summary.edges_created) == (2, 5)
    again = load(demo, read_workbook(folder(tmp_path, files, "again"), demo.schema), source="good")
    assert again.summary.edges_unchanged == 5  # keyed by (assessment, level): a re-load changes nothing


def test_keep_valid_writes_the_cohort_with_a_program_and_rejects_the_other(tmp_path: Path, service: Chanjiao) -> None:
    service.upsert(
        [NodeRecord("Program", "prog:P"), NodeRecord("Competency", "comp:A", {"dimension": "social", "kind": "skill"})],
        [],
    )
    files = {
        "Cohort.csv": "id,year\nco:ok,2025\nco:lost,2025\n",
        "HAS_COHORT.csv": "from,to\nprog:P,co:ok\n",
    }
    report = load(service, read_workbook(folder(tmp_path, files), service.schema), source="part", keep_valid=True)
    assert (report.summary.nodes_created, report.summary.edges_created) == (1, 1)
    [rejected] = report.rejected
    assert rejected.location == "Cohort.csv row 3" and rejected.reason.startswith("a Cohort needs exactly 1")
    assert service.store.labels_of(["co:ok", "co:lost"]) == {"co:ok": "Cohort"}


def test_upserts_are_checked_the_same_way(service: Chanjiao) -> None:
    with pytest.raises(ValidationError, match="a Cohort needs exactly 1 HAS_COHORT"):
        service.upsert([NodeRecord("Cohort", "co:1", {"year": 2025})], [])
    assert service.stats()["total_nodes"] == 0
    service.upsert([NodeRecord("Program", "prog:P"), NodeRecord("Cohort", "co:1", {"year": 2025})],
                   [EdgeRecord("HAS_COHORT", "prog:P", "co:1")])  # fmt: skip
    service.upsert([NodeRecord("Cohort", "co:1", {"size": 30})], [])  # an update needs no program again
    assert service.get("co:1").props == {"year": 2025, "size": 30}


class TestSchema:
    def test_rules_read_from_the_ontology(self, schema: Schema) -> None:
        assert schema.node_class("Cohort").links == (LinkRule("HAS_COHORT", True, 1, 1),)
        assert schema.node_class("Assessment").links == (LinkRule("HAS_ASSESSMENT", True, 1, 1),)
        assert schema.node_class("Course").links == ()
        assert schema.relationship("ACHIEVED").covered_by == CoverRule("assessment", "ASSESSES", "Assessment")
        assert schema.relationship("ACHIEVED").keys == ("level", "assessment")
        share = schema.relationship("ACHIEVED").properties["share"]
        assert (share.datatype, share.minimum, share.maximum) == ("number", 0, 100)
        assert [v.label_zh for v in schema.enumeration("EvaluatorScheme").values] == [
            "学生自评",
            "学校评价",
            "企业评价",
        ]

    @pytest.mark.parametrize(
        ("value", "expected"), [("2025-03-01", "2025-03-01"), (" 2025-03-01 ", "2025-03-01"), (None, None)]
    )
    def test_dates(self, schema: Schema, value: str | None, expected: str | None) -> None:
        assert schema.node_class("ResearchProject").properties["start_date"].coerce(value) == expected

    @pytest.mark.parametrize(
        ("old", "new", "message"),
        [
            ("owl:onProperty [ owl:inverseOf cj:HAS_COHORT ]", "owl:onProperty cj:HAS_COHORT",
             "Cohort restricts HAS_COHORT, which does not end at a Cohort"),
            ("cj:coveredBy cj:ASSESSES", "cj:coveredBy cj:DEVELOPS",
             "ACHIEVED is covered by DEVELOPS, which must join an Assessment to its targets"),
            ("cj:refersTo cj:Assessment ;", "",
             "ACHIEVED is cj:coveredBy, so it needs exactly one cj:refersTo property"),
        ],
    )  # fmt: skip
    def test_inconsistent_rules_are_refused(self, tmp_path: Path, old: str, new: str, message: str) -> None:
        text = (Path(load_schema.__module__.replace(".", "/")).parent / "chanjiao.ttl").read_text(encoding="utf-8")
        assert old in text
        broken = tmp_path / "broken.ttl"
        broken.write_text(text.replace(old, new, 1), encoding="utf-8")
        with pytest.raises(SchemaError, match=message):
            load_schema(broken)
