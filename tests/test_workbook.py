"""The school workbook: formats, encodings, grids, templates, and the bad-input corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.errors import ValidationError
from graph.service import Chanjiao
from loaders.pipeline import load
from loaders.sources import DEMO_PATH
from loaders.templates import reference_markdown, write_csv, write_xlsx
from loaders.workbook import read_workbook
from ontology.schema import Schema
from tests.test_store_contract import snapshot

ROOT = Path(__file__).resolve().parents[1]

COURSES = (
    "id,name_zh,category,hours\ncourse:A,工业机器人编程,integrated,64\ncourse:B,机械制图,professional_foundation,48\n"
)
COMPETENCIES = "id,中文名称,能力维度,能力类型\ncomp:1,示教编程,professional,skill\ncomp:2,安全意识,quality,attitude\n"


def folder(tmp_path: Path, files: dict[str, str | bytes], name: str = "book") -> Path:
    """A CSV workbook folder with ``files`` (text is written as UTF-8)."""
    path = tmp_path / name
    path.mkdir()
    for filename, content in files.items():
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        (path / filename).write_bytes(data)
    return path


class TestReading:
    def test_headers_in_english_chinese_or_property_names(self, tmp_path: Path, schema: Schema) -> None:
        parsed = read_workbook(folder(tmp_path, {"Course.csv": COURSES, "能力.csv": COMPETENCIES}), schema)
        assert {n.id: n.label for n in parsed.nodes} == {
            "course:A": "Course",
            "course:B": "Course",
            "comp:1": "Competency",
            "comp:2": "Competency",
        }
        comp = next(n for n in parsed.nodes if n.id == "comp:2")
        assert comp.props == {"name_zh": "安全意识", "dimension": "quality", "kind": "attitude"}
        assert comp.location == "能力.csv row 3"

    @pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
    def test_encodings_chinese_office_software_writes(self, tmp_path: Path, schema: Schema, encoding: str) -> None:
        parsed = read_workbook(folder(tmp_path, {"课程.csv": COURSES.encode(encoding)}), schema)
        assert [n.props["name_zh"] for n in parsed.nodes] == ["工业机器人编程", "机械制图"]

    def test_grid_of_levels_and_marks(self, tmp_path: Path, schema: Schema) -> None:
        grid = "课程＼能力,comp:1 示教编程,comp:2 安全意识\ncourse:A 工业机器人编程,3,✓\ncourse:B,,2\n,,\n"
        parsed = read_workbook(folder(tmp_path, {"培养矩阵.csv": grid}), schema)
        edges = [(e.type, e.source, e.target, e.props) for e in parsed.edges]
        assert edges == [
            ("DEVELOPS", "course:A", "comp:1", {"level": "3"}),
            ("DEVELOPS", "course:A", "comp:2", {}),
            ("DEVELOPS", "course:B", "comp:2", {"level": "2"}),
        ]

    def test_grid_loads_into_both_stores(self, tmp_path: Path, service: Chanjiao) -> None:
        book = folder(
            tmp_path,
            {
                "Course.csv": COURSES,
                "Competency.csv": COMPETENCIES,
                "DEVELOPS grid.csv": ",comp:1,comp:2\ncourse:A,3,√\n",
            },
        )
        report = load(service, read_workbook(book, service.schema), source="grid")
        assert report.summary.edges_created == 2
        levels = sorted((e.target, e.props.get("level")) for e in service.store.adjacent(["course:A"]))
        assert levels == [("comp:1", 3), ("comp:2", None)]

    def test_xlsx_template_with_the_demo_round_trips(self, tmp_path: Path, schema: Schema) -> None:
        demo = read_workbook(DEMO_PATH, schema)
        book = write_xlsx(tmp_path / "demo.xlsx", schema, demo.nodes, demo.edges)
        again = read_workbook(book, schema)
        assert sorted((n.label, n.id) for n in again.nodes) == sorted((n.label, n.id) for n in demo.nodes)
        assert len(again.edges) == len(demo.edges)
        csv_again = read_workbook(write_csv(tmp_path / "csv", schema, demo.nodes, demo.edges), schema)
        assert len(csv_again.nodes) == len(demo.nodes) and len(csv_again.edges) == len(demo.edges)

    def test_empty_template_reads_as_nothing(self, tmp_path: Path, schema: Schema) -> None:
        parsed = read_workbook(write_xlsx(tmp_path / "empty.xlsx", schema), schema)
        assert (parsed.nodes, parsed.edges) == ([], [])

    def test_shipped_template_and_reference_are_current(self, schema: Schema) -> None:
        shipped = read_workbook(ROOT / "docs" / "templates" / "chanjiao-workbook.xlsx", schema)
        assert (shipped.nodes, shipped.edges) == ([], [])
        from openpyxl import load_workbook

        names = load_workbook(ROOT / "docs" / "templates" / "chanjiao-workbook.xlsx", read_only=True).sheetnames
        assert names == ["说明 README", *schema.classes, *schema.relationships]
        doc = (ROOT / "docs" / "workbook.md").read_text(encoding="utf-8")
        between = doc.split("<!-- reference:start -->\n")[1].split("<!-- reference:end -->")[0]
        assert between == reference_markdown(schema), "docs/workbook.md is stale: regenerate its reference"


# Each case: files of a CSV workbook, and a fragment of the message that must locate the problem.
BAD = {
    "unknown sheet": ({"Lectures.csv": "id\nx\n"}, "Lectures.csv: is neither a class nor a relationship type"),
    "unknown header": ({"Course.csv": "id,category,colour\ncourse:X,integrated,red\n"}, "Course.csv row 1 column 3"),
    "no id column": (
        {"Course.csv": "name_zh,category\n课,integrated\n"},
        "Course.csv, field 'id': the sheet has no id column",
    ),
    "empty id": ({"Course.csv": "id,category\n,integrated\n"}, "Course.csv row 2, field 'id': is empty"),
    "duplicate id": (
        {"Course.csv": "id,category\ncourse:X,integrated\ncourse:X,integrated\n"},
        "Course.csv row 3, field 'id' = 'course:X': duplicate id (first at Course.csv row 2)",
    ),
    "unknown enum value": (
        {"Course.csv": "id,category\ncourse:X,lecture\n"},
        "Course.csv row 2, field 'category' = 'lecture': 'lecture' is not one of",
    ),
    "level out of range": (
        {"Course.csv": COURSES, "Competency.csv": COMPETENCIES, "DEVELOPS.csv": "from,to,level\ncourse:A,comp:1,7\n"},
        "DEVELOPS.csv row 2, field 'level' = '7': 7 is above the maximum 5",
    ),
    "not a number": (
        {"Course.csv": "id,category,hours\ncourse:X,integrated,sixty\n"},
        "Course.csv row 2, field 'hours' = 'sixty': 'sixty' is not a whole number",
    ),
    "dangling reference": (
        {"Course.csv": COURSES, "DEVELOPS.csv": "from,to,level\ncourse:A,comp:GONE,2\n"},
        "DEVELOPS.csv row 2, field 'to' = 'comp:GONE': refers to a node that is neither in this load nor in the graph",
    ),
    "wrong classes": (
        {"Course.csv": COURSES, "Competency.csv": COMPETENCIES, "TEACHES.csv": "from,to\ncourse:A,comp:1\n"},
        "TEACHES.csv row 2, field 'from' = 'course:A': is a Course, but TEACHES from must be one of: Teacher",
    ),
    "prerequisite cycle": (
        {"Course.csv": COURSES, "PREREQUISITE_OF.csv": "from,to\ncourse:A,course:B\ncourse:B,course:A\n"},
        "PREREQUISITE_OF would close a cycle: course:",
    ),
    "malformed csv": ({"Course.csv": 'id,category\n"course:X,integrated\n'}, "Course.csv: is not well-formed CSV"),
    "undecodable bytes": (
        {"Course.csv": b"id,category\ncourse:X,integrated\n\xff\xfe\x00\x81\xff,x\n"},
        "Course.csv line 3: is neither UTF-8 nor GBK/GB18030",
    ),
    "extra cells": ({"Course.csv": "id,category\ncourse:X,integrated,oops\n"}, "Course.csv row 2: has more cells"),
    "grid level where no level exists": (
        {"Course.csv": COURSES, "先修于矩阵.csv": ",course:B\ncourse:A,3\n"},
        "PREREQUISITE_OF has no level: mark the cell",
    ),
    "required value missing": ({"Competency.csv": "id,dimension\ncomp:9,social\n"}, "field 'kind': is required"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_workbook_gets_a_located_error_and_writes_nothing(case: str, tmp_path: Path, demo: Chanjiao) -> None:
    files, message = BAD[case]
    before = snapshot_counts(demo)
    with pytest.raises(ValidationError) as caught:
        load(demo, read_workbook(folder(tmp_path, files), demo.schema), source="bad")
    assert any(message in str(p) for p in caught.value.problems), [str(p) for p in caught.value.problems]
    assert snapshot_counts(demo) == before


def test_broken_xlsx_is_a_clear_error(tmp_path: Path, schema: Schema) -> None:
    broken = tmp_path / "book.xlsx"
    broken.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(ValidationError, match=r"book\.xlsx: cannot be read as an Excel workbook"):
        read_workbook(broken, schema)


def test_keep_valid_writes_the_rest_and_saves_rejects(tmp_path: Path, service: Chanjiao) -> None:
    book = folder(
        tmp_path,
        {
            "Course.csv": COURSES + "course:C,坏课程,lecture,10\n",
            "Competency.csv": COMPETENCIES,
            "DEVELOPS.csv": "from,to,level\ncourse:A,comp:1,3\ncourse:C,comp:1,2\ncourse:B,comp:2,9\n",
        },
    )
    rejects = tmp_path / "rejects.csv"
    report = load(service, read_workbook(book, service.schema), source="partial", keep_valid=True, reject_file=rejects)
    assert (report.summary.nodes_created, report.summary.edges_created) == (4, 1)
    lines = rejects.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "location,field,value,reason"
    assert [line.split(",")[0] for line in lines[1:]] == [
        "Course.csv row 4",
        "DEVELOPS.csv row 3",
        "DEVELOPS.csv row 4",
    ]


def test_dry_run_writes_nothing(tmp_path: Path, service: Chanjiao) -> None:
    before = snapshot(service.store)
    report = load(service, read_workbook(DEMO_PATH, service.schema), source="demo", dry_run=True)
    assert report.nodes_read == 182 and report.summary.nodes_created == 0
    assert snapshot(service.store) == before


def snapshot_counts(service: Chanjiao) -> dict:
    return service.stats()
