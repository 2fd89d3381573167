"""The question commands of ``chanjiao``, over an embedded store file loaded with ``chanjiao demo``."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from api import cli
from api.cli import app
from graph.embedded import EmbeddedStore
from graph.questions import Questions
from ontology.schema import load_schema
from tests.test_store_contract import snapshot

IRAM, OPERATOR = "program:IRAM", "csco:6-31-07-03"
runner = CliRunner()


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An embedded store file with the demo, loaded by the CLI itself (the questions only read it)."""
    path = tmp_path_factory.mktemp("cli") / "demo.db"
    result = runner.invoke(app, ["demo", "--store", str(path)])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture(autouse=True)
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tables are laid out for the terminal's width: a wide one keeps each row on one line for the assertions.
    monkeypatch.setattr(cli.console, "width", 240)
    monkeypatch.setattr(cli.err, "width", 240)


def run(demo_file: Path, *args: str) -> str:
    result = runner.invoke(app, [*args, "--store", str(demo_file)])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result.output


def fail(demo_file: Path, *args: str) -> str:
    result = runner.invoke(app, [*args, "--store", str(demo_file)])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.output


@pytest.fixture
def questions(demo_file: Path) -> Iterator[Questions]:
    store = EmbeddedStore(demo_file, load_schema())
    yield Questions(store)
    store.close()


def line_with(output: str, text: str) -> str:
    return next(line for line in output.splitlines() if text in line)


class TestCoverage:
    def test_tables(self, demo_file: Path) -> None:
        out = run(demo_file, "coverage", IRAM, OPERATOR, "--level", "3")
        assert "工业机器人应用与维护 (program:IRAM) → 工业机器人系统操作员 (csco:6-31-07-03), level 3" in out
        assert "覆盖率 coverage 67.6%: 23/34 covered, 5 under level, 6 missing" in out
        assert all(cell in line_with(out, "│ 整体") for cell in ("34", "23", "5", "6", "67.6"))
        assert "职业素养/思政素养" in out  # every dimension
        assert "40.0" in line_with(out, "task:IRO-06")  # per task
        p15 = line_with(out, "comp:P-15")
        assert "视觉系统配置与标定" in p15 and "缺失" in p15 and "Machine vision configuration" in p15

    def test_json_is_the_engines_answer(self, demo_file: Path, questions: Questions) -> None:
        out = run(demo_file, "coverage", IRAM, OPERATOR, "--format", "json", "--weight", "importance")
        assert json.loads(out) == questions.coverage(IRAM, OPERATOR, weight="importance").as_dict()

    def test_picture(self, demo_file: Path, tmp_path: Path) -> None:
        pytest.importorskip("api.pictures")
        target = tmp_path / "coverage.png"
        run(demo_file, "coverage", IRAM, OPERATOR, "--output", str(target))  # the format from the suffix
        assert target.read_bytes().startswith(b"\x89PNG")

    def test_errors_are_a_message(self, demo_file: Path) -> None:
        assert "✗ Not found: no Program 'program:NOPE' in the graph" in fail(
            demo_file, "coverage", "program:NOPE", OPERATOR
        )
        out = fail(demo_file, "coverage", IRAM, OPERATOR, "--level", "7")
        assert "level must be a whole number from 1 to 5" in out


def test_gaps_ranked_with_tasks_employers_and_candidates(demo_file: Path) -> None:
    out = run(demo_file, "gaps", IRAM, OPERATOR)
    assert "11 gap(s)" in out
    ranks = [line.split("│")[1:3] for line in out.splitlines() if line.startswith("│ ") and "comp:" in line]
    assert [(r.strip(), c.strip()) for r, c in ranks[:3]] == [
        ("1", "comp:P-15"),
        ("2", "comp:M-03"),
        ("3", "comp:P-07"),
    ]
    top = line_with(out, "comp:P-15")
    # The employers behind it, one a line in the cell: the one that NEEDS machine vision first.
    assert "task:IRO-03; task:IRO-08" in top and "苏州恒拓机器人系统集成有限公司" in top
    assert "昆山景睿汽车零部件有限公司" in out and "苏州衡川智能装备有限公司" in out
    assert any("comp:P-14" in line and "course:EA-201" in line for line in out.splitlines())  # a candidate


def test_gaps_lists_as_many_employers_as_asked(demo_file: Path) -> None:
    out = run(demo_file, "gaps", IRAM, OPERATOR, "--employers", "1", "--format", "csv")
    top = next(csv.DictReader(io.StringIO(out)))
    assert (top["能力编号"], top["相关企业"], top["企业总数"]) == ("comp:P-15", "苏州恒拓机器人系统集成有限公司", "4")


def test_gaps_as_csv_on_stdout(demo_file: Path) -> None:
    out = run(demo_file, "gaps", IRAM, OPERATOR, "--format", "csv")
    header, *rows = csv.reader(io.StringIO(out))
    assert header[:3] == ["排名", "能力编号", "能力名称"]
    assert [r[1] for r in rows][:3] == ["comp:P-15", "comp:M-03", "comp:P-07"] and len(rows) == 11


def test_map_as_xlsx_and_table(demo_file: Path, tmp_path: Path, questions: Questions) -> None:
    target = tmp_path / "map.xlsx"
    out = run(demo_file, "map", IRAM, "--occupation", OPERATOR, "--format", "xlsx", "--output", str(target))
    assert f"wrote {target}" in out
    book = load_workbook(target)
    assert book.sheetnames == ["课程×能力", "能力", "课程", "课程×任务"]
    assert [r[0] for r in book["课程×能力"].iter_rows(min_row=2, values_only=True)][:2] == [
        "course:GE-101",
        "course:GE-102",
    ]
    out = run(demo_file, "map", IRAM)
    m = questions.curriculum_map(IRAM)
    assert f"{len(m.rows)} courses × {len(m.columns)} competencies" in out
    assert "comp:Q-07:✓" in line_with(out, "course:GE-101")
    assert "task:IRO-01" in line_with(out, "course:IR-301")
    assert "writes a file" in fail(demo_file, "map", IRAM, "--format", "xlsx")


def test_orphans(demo_file: Path) -> None:
    out = run(demo_file, "orphans", IRAM, "--occupation", OPERATOR, "--level", "3")
    orphan = line_with(out, "course:IR-206")
    assert "孤立课程" in orphan and "3D打印技术" in orphan and "comp:P-32" in orphan
    assert "1 orphan course(s)" in out and "无学习任务的典型工作任务" in line_with(out, "task:IRO-07")


def test_whatif_shows_changes_and_writes_nothing(demo_file: Path, tmp_path: Path, questions: Questions) -> None:
    store = EmbeddedStore(demo_file, load_schema())
    before = snapshot(store)
    store.close()
    course = tmp_path / "course.json"
    course.write_text(json.dumps({"name": "视觉", "develops": [{"competency": "comp:P-15", "level": 3}]}), "utf-8")
    out = run(demo_file, "whatif", IRAM, OPERATOR, "--add", "course:EA-201", "--new-course", str(course))
    w = questions.whatif(IRAM, OPERATOR, add_courses=["course:EA-201"], new_courses=[json.loads(course.read_text())])
    assert f"coverage 67.6% → {w.after.overall.ratio:.1%}" in out
    assert all(c in out for c in ("comp:P-13", "comp:P-14", "comp:P-15"))
    assert "-3" in line_with(out, "│ 缺失")
    inline = '{"name": "HMI", "develops": [{"competency": "comp:P-13", "level": 3}]}'
    body = json.loads(
        run(demo_file, "whatif", IRAM, OPERATOR, "--remove", "course:IR-206", "--new-course", inline, "-f", "json")
    )
    assert body["remove_courses"] == ["course:IR-206"] and body["delta"]["missing"] == -1
    assert "neither JSON nor a JSON file" in fail(demo_file, "whatif", IRAM, OPERATOR, "--new-course", "{oops")
    assert "already in" in fail(demo_file, "whatif", IRAM, OPERATOR, "--add", "course:IR-301")
    store = EmbeddedStore(demo_file, load_schema())
    assert snapshot(store) == before
    store.close()


def test_demand(demo_file: Path, tmp_path: Path) -> None:
    out = run(demo_file, "demand", "--region", "region:320500", "--top", "3")
    assert "苏州市 (region:320500): 2 employer(s)" in out
    first = line_with(out, "csco:6-31-07-03")
    assert "工业机器人系统操作员" in first and "22" in first and "7.1" in first
    assert "more (--format csv or xlsx for all)" in out
    target = tmp_path / "demand.csv"
    run(demo_file, "demand", "--region", "region:320500", "--output", str(target))
    content = target.read_bytes()
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert [r[1] for r in rows[1:]] == ["csco:6-31-07-03", "csco:6-31-07-01"]


class TestMatch:
    def test_occupations(self, demo_file: Path) -> None:
        out = run(demo_file, "match", "occupations", IRAM, "--level", "3")
        ranked = [line.split("│")[2].strip() for line in out.splitlines() if line.startswith("│ ")]
        assert ranked == ["csco:6-31-07-01", "csco:6-31-01-03", "csco:6-31-07-03"]

    def test_programs(self, demo_file: Path, questions: Questions) -> None:
        out = run(demo_file, "match", "programs", "csco:6-31-01-03", "--level", "2", "--format", "json")
        assert json.loads(out) == questions.match_programs("csco:6-31-01-03", 2).as_dict()

    def test_employer(self, demo_file: Path) -> None:
        out = run(demo_file, "match", "employer", "emp:WX-LANXIN")
        assert "2 programs for 无锡澜芯电气有限公司 (emp:WX-LANXIN)" in out
        assert "csco:6-31-01-03 ×15 at 2: 90.0%" in line_with(out, "  program:EAEM:")
        assert "needs a level" not in out
        assert "Missing option '--level'" in runner.invoke(app, ["match", "programs", OPERATOR]).output


def test_delivery(demo_file: Path, questions: Questions) -> None:
    out = run(demo_file, "delivery", IRAM, "--resource-type", "micro_video")
    d = questions.delivery(IRAM, "micro_video")
    assert f"{len(d.items)} courses and learning tasks; {len(d.without_resource)} without a resource of type" in out
    assert "教学资源; 实训基地; 双师型教师" in line_with(out, "course:IR-306 ")
    bad = runner.invoke(app, ["delivery", IRAM, "--resource-type", "video", "--store", str(demo_file)])
    assert bad.exit_code == 2 and "loose_leaf_textbook" in bad.output  # the choices come from the ontology


def test_program_summary(demo_file: Path, tmp_path: Path) -> None:
    out = run(demo_file, "program", IRAM)
    assert "工业机器人应用与维护 (program:IRAM): 3 target(s), 18 course(s)" in out
    assert "6 " in line_with(out, "course:IR-206 ") and "否" in line_with(out, "course:IR-206 ")  # semester, elective
    book = tmp_path / "program.xlsx"
    run(demo_file, "program", IRAM, "-o", str(book))
    sheets = load_workbook(book)
    assert sheets.sheetnames == ["课程", "目标职业"] and sheets["课程"].max_row == 1 + 18
    assert "no Program 'course:IR-301'" in fail(demo_file, "program", "course:IR-301")


class TestPath:
    def test_profile_as_csv(self, demo_file: Path, tmp_path: Path, questions: Questions) -> None:
        profile = tmp_path / "profile.csv"
        profile.write_text("competency,level\ncomp:P-01,3\ncomp:P-35,3\ncomp:Q-01,3\ncomp:M-02,\n", "utf-8")
        out = run(demo_file, "path", OPERATOR, "--level", "3", "--profile", str(profile), "--format", "json")
        expected = {"comp:P-01": 3, "comp:P-35": 3, "comp:Q-01": 3, "comp:M-02": None}
        assert json.loads(out) == questions.learning_path(expected, OPERATOR, 3).as_dict()

    def test_profile_as_json_and_table(self, demo_file: Path, tmp_path: Path) -> None:
        profile = tmp_path / "profile.json"
        profile.write_text(json.dumps({"comp:P-01": 3, "comp:P-35": 3, "comp:Q-01": 3, "comp:P-02": 3}), "utf-8")
        out = run(demo_file, "path", OPERATOR, "-l", "3", "--profile", str(profile), "--program", IRAM)
        assert "工业机器人系统操作员 (csco:6-31-07-03), level 3" in out
        last = line_with(out, "course:IR-306 ")
        assert "弥补差距" in last and "course:IR-303;" in last  # picked for gaps; its prerequisites on the path
        assert "no course closes: comp:P-07" in out

    def test_bad_profiles(self, demo_file: Path, tmp_path: Path) -> None:
        profile = tmp_path / "bad.csv"
        profile.write_text("comp:P-01,three\n", "utf-8")
        assert "row 1: the level 'three' is not a whole number" in fail(
            demo_file, "path", OPERATOR, "-l", "3", "--profile", str(profile)
        )
        profile.write_text("comp:NOPE,2\n", "utf-8")
        assert "comp:NOPE" in fail(demo_file, "path", OPERATOR, "-l", "3", "--profile", str(profile))
        assert "no such file" in fail(demo_file, "path", OPERATOR, "-l", "3", "--profile", str(tmp_path / "none.csv"))


def test_every_question_command_is_listed() -> None:
    out = runner.invoke(app, ["--help"]).output
    for command in ("coverage", "gaps", "map", "orphans", "whatif", "demand", "match", "delivery", "path", "program"):
        assert f" {command} " in out
