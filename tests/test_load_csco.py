"""The CSCO 2022 reader: the real classification into each store, and its task splitter on tricky text.

Expected numbers come from the file, computed here another way than the reader does: tasks
are counted by splitting on separators and hierarchy parents found by comparing codes'
significant segments rather than by truncating codes.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from graph.errors import ValidationError
from graph.service import Chanjiao
from loaders.csco import read_csco, split_tasks, strip_marker
from loaders.pipeline import Parsed, load
from loaders.sources import READERS
from ontology.schema import Schema

ROBOT = "6-31-07-03"  # 工业机器人系统操作员S


def significant(code: str) -> tuple[str, ...]:
    """A code's segments without its trailing zero segments: 1-02-01-00 → (1, 02, 01)."""
    parts = code.split("-")
    while len(parts) > 1 and parts[-1].strip("0") == "":
        parts.pop()
    return tuple(parts)


def task_items(text: str) -> list[str]:
    """The numbered items of a tasks text, found by splitting on spaces and 「；」 before a number."""
    pieces = re.split(r"[\s；]+(?=\d+\.(?!\d))", text.strip())
    items = [p for p in pieces if p]
    for number, item in enumerate(items, start=1):
        assert item.startswith(f"{number}."), item  # the file numbers its tasks 1, 2, 3, …
    return [item.split(".", 1)[1].strip().rstrip("。；，") for item in items]


@dataclass
class Facts:
    """What csco22.csv holds, per distinct code."""

    rows: int = 0
    repeated_rows: int = 0  # rows whose code an earlier row already had
    level_of: dict[str, int] = field(default_factory=dict)  # code -> deepest level among its rows
    name_of: dict[str, str] = field(default_factory=dict)
    tasks_of: dict[str, list[str]] = field(default_factory=dict)
    aliases_of: dict[str, list[str]] = field(default_factory=dict)
    raw_tasks_of: dict[str, str] = field(default_factory=dict)

    def parent(self, code: str) -> str | None:
        """The code whose significant segments are the longest proper prefix of this code's."""
        mine = significant(code)
        best = None
        for other in self.level_of:
            theirs = significant(other)
            is_ancestor = other != code and len(theirs) < len(mine) and mine[: len(theirs)] == theirs
            if is_ancestor and (best is None or len(theirs) > len(significant(best))):
                best = other
        return best


@pytest.fixture(scope="module")
def csco_file(shared_data: Path) -> Path:
    return shared_data / "csco-2022" / "csco22.csv"


@pytest.fixture(scope="module")
def facts(csco_file: Path) -> Facts:
    with csco_file.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    out = Facts(rows=len(rows))
    for row in rows:
        code = row["code"]
        out.repeated_rows += code in out.level_of
        out.raw_tasks_of.setdefault(code, row["tasks"])
        out.level_of[code] = max(out.level_of.get(code, 0), int(row["level"]))
        out.name_of.setdefault(code, row["name"])
        if row["tasks"]:
            out.tasks_of[code] = task_items(row["tasks"])
        out.aliases_of.setdefault(code, []).extend(a for a in row["alias"].split(",") if a)
    return out


@pytest.fixture(scope="module")
def parsed(csco_file: Path, schema: Schema) -> Parsed:
    return read_csco(csco_file, schema)


def test_registered() -> None:
    assert READERS["csco"] is read_csco


def test_parse_counts_levels_like_the_file(parsed: Parsed, facts: Facts) -> None:
    # The issue quotes 8 / 73 / 336 / 1,634: rows per level; a few codes are on two rows.
    assert facts.rows == sum(1 for _ in facts.level_of) + facts.repeated_rows
    levels = Counter(facts.level_of.values())
    summary = ", ".join(f"level {level}: {n}" for level, n in sorted(levels.items()))
    assert any(f"{len(facts.level_of)} codes ({summary})" in note for note in parsed.notes)
    assert Counter(n.label for n in parsed.nodes)["Occupation"] == len(facts.level_of)


@pytest.mark.slow
def test_full_classification_loads_and_reloads(service: Chanjiao, parsed: Parsed, facts: Facts) -> None:
    report = load(service, parsed, source="csco")
    assert report.rejected == []

    stats = service.stats()
    task_total = sum(len(items) for items in facts.tasks_of.values())
    assert stats["nodes"]["Occupation"] == len(facts.level_of)
    assert stats["nodes"]["TypicalWorkTask"] == task_total
    assert stats["relationships"]["HAS_TASK"] == task_total
    parents = {code: facts.parent(code) for code in facts.level_of}
    assert stats["relationships"]["BROADER"] == sum(p is not None for p in parents.values())
    assert stats["total_relationships"] == stats["relationships"]["BROADER"] + task_total

    occupations, total = service.store.list_nodes("Occupation", 0, 10_000)
    assert total == len(facts.level_of)
    assert Counter(n.props["classification_level"] for n in occupations) == Counter(facts.level_of.values())

    ids = [f"csco:{code}" for code in facts.level_of]
    broader = {e.source: e.target for e in service.store.adjacent(ids) if e.type == "BROADER"}
    assert broader == {f"csco:{c}": f"csco:{p}" for c, p in parents.items() if p is not None}

    robot = service.get(f"csco:{ROBOT}", "Occupation").props
    assert robot["name_zh"] == "工业机器人系统操作员"
    assert "工业机器人系统操作员S" in robot["alt_labels"]
    assert (robot["csco_code"], robot["classification_level"]) == (ROBOT, 4)
    tasks = [e.target for e in service.store.adjacent([f"csco:{ROBOT}"]) if e.type == "HAS_TASK"]
    nodes = sorted(service.store.get_nodes(tasks).values(), key=lambda n: n.props["order"])
    assert [n.props["name_zh"] for n in nodes] == facts.tasks_of[ROBOT]
    assert [n.id for n in nodes] == [f"csco:{ROBOT}/task/{i}" for i in range(1, len(nodes) + 1)]
    assert len(nodes) == 7 and nodes[0].props["name_zh"] == "进行作业准备"
    assert {n.props["origin"] for n in nodes} == {"classification"}

    # An alias that shares no word with the name finds its occupation first.
    alias = "科研人员"
    (code,) = [c for c, aliases in facts.aliases_of.items() if alias in aliases]
    assert "科研" not in facts.name_of[code]
    hits = service.search(alias, ["Occupation"], 3)
    assert hits[0][0].id == f"csco:{code}"

    again = load(service, parsed, source="csco")
    assert service.stats() == stats
    assert (again.summary.nodes_created, again.summary.nodes_updated) == (0, 0)
    assert (again.summary.edges_created, again.summary.edges_updated) == (0, 0)
    assert again.summary.nodes_unchanged == stats["total_nodes"]
    assert again.summary.edges_unchanged == stats["total_relationships"]


def test_parsed_notes_report_what_was_merged_and_relinked(parsed: Parsed, facts: Facts) -> None:
    notes = "\n".join(parsed.notes)
    assert "became one node (the deepest level, every non-empty field): 2-03-01-00" in notes
    assert "3 row(s) repeat an earlier row exactly" in notes
    # Minor groups absent from the file: their occupations are linked to the level-2 group.
    assert "1-06-01-01" in notes and "5-02-03-02" in notes
    markers = Counter(strip_marker(name)[1] for name in facts.name_of.values())
    for marker in ("S", "L", "L/S"):
        assert f"{marker} (" in notes and markers[marker] > 0


# -- the task splitter


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.进行作业准备 2.填写记录。", ["进行作业准备", "填写记录"]),
        # decimals, ranges and digits inside a task are not numbers of tasks
        ("1.使用0.5mm焊丝焊接 2.调整电压至1.5千伏。", ["使用0.5mm焊丝焊接", "调整电压至1.5千伏"]),
        (
            "1.指导看护人了解0～3岁婴幼儿发育 2.进行农网10千伏及以下线路施工",
            ["指导看护人了解0～3岁婴幼儿发育", "进行农网10千伏及以下线路施工"],
        ),
        (
            "1.使用3D打印技术制作模型 2.将原料气净化为1:3的氮氢混合气",
            ["使用3D打印技术制作模型", "将原料气净化为1:3的氮氢混合气"],
        ),
        # a decimal after a space whose integer part is the next number expected
        ("1.将间隙调至 2.5 mm以内 2.记录间隙", ["将间隙调至 2.5 mm以内", "记录间隙"]),
        # a separator other than a space before the next number
        ("1.收集客户等信息；2.接洽客户委托；3.分析需求。", ["收集客户等信息", "接洽客户委托", "分析需求"]),
        # a number that is not the next one expected stays inside the task
        ("1.按第 5. 条规定检查 2.记录", ["按第 5. 条规定检查", "记录"]),
        (
            "1.甲 2.乙 3.丙 4.丁 5.戊 6.己 7.庚 8.辛 9.壬 10.癸 11.子",
            ["甲", "乙", "丙", "丁", "戊", "己", "庚", "辛", "壬", "癸", "子"],
        ),
        ("1．全角句点 2．也算", ["全角句点", "也算"]),
        ("没有编号的任务。", ["没有编号的任务"]),
        ("", []),
    ],
)
def test_split_tasks(text: str, expected: list[str]) -> None:
    tasks, preamble = split_tasks(text)
    assert [t for _, t in tasks] == expected
    assert [n for n, _ in tasks] == list(range(1, len(expected) + 1))
    assert preamble == ""


def test_split_tasks_keeps_a_preamble_apart() -> None:
    assert split_tasks("主要任务如下：1.检查 2.维修") == ([(1, "检查"), (2, "维修")], "主要任务如下：")


def test_split_tasks_on_tricky_real_rows(facts: Facts) -> None:
    # Rows with 「；」 before a number, 0～3岁, 10千伏, 3D and 1:3 in their tasks.
    for code in ("4-05-02-02", "4-10-01-01", "4-11-01-01", "6-09-03-15", "6-11-03-01", "6-15-04-01"):
        tasks, _ = split_tasks(facts.raw_tasks_of[code])
        assert [t for _, t in tasks] == facts.tasks_of[code], code


def test_every_real_row_splits_like_the_independent_count(csco_file: Path) -> None:
    with csco_file.open(encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            tasks, preamble = split_tasks(row["tasks"])
            assert [t for _, t in tasks] == (task_items(row["tasks"]) if row["tasks"] else []), row["code"]
            assert preamble == ""


# -- tiny hand-made files

HEADER = "level,code,code_num,name,definition,tasks,csco_code_num,alias\n"


def write(tmp_path: Path, body: str) -> Path:
    file = tmp_path / "csco.csv"
    file.write_text(HEADER + body, encoding="utf-8")
    return file


def test_hierarchy_markers_duplicates_and_merges(tmp_path: Path, schema: Schema) -> None:
    file = write(
        tmp_path,
        "1,6-00-00-00,6000000,生产制造及有关人员,,,6000000,生产制造及有关人员\n"
        "2,6-31-00-00,6310000,机械制造人员,,,6310000,机械制造人员\n"
        "3,6-31-07-00,6310700,机器人操作人员,,,6310700,机器人操作人员\n"
        '4,6-31-07-03,6310703,工业机器人系统操作员S,定义。,"1.进行作业准备 2.装配系统。",6310703,'
        '"工业机器人系统操作员S,机器人操作工, 示教员"\n'
        "4,6-31-07-03,6310703,工业机器人系统操作员S,定义。,1.进行作业准备 2.装配系统。,6310703,"
        '"工业机器人系统操作员S,机器人操作工, 示教员"\n'
        "4,6-31-08-01,6310801,护林员L/S,,,6310801,护林员L/S\n"  # its minor group 6-31-08-00 is absent
        "4,6-31-08-02,6310802,园林绿化工S/L,,,6310802,\n"  # the same marker as L/S
        "3,6-31-09-00,6310900,土壤肥料技术人员,,,6310900,土壤肥料技术人员\n"
        "4,6-31-09-00,6310900,土壤肥料技术人员,定义。,1.调查土壤,6310900,土壤肥料技术人员\n",
    )
    parsed = read_csco(file, schema)
    nodes = {n.id: n for n in parsed.nodes}
    edges = {(e.type, e.source, e.target) for e in parsed.edges}
    robot = nodes["csco:6-31-07-03"].props
    assert robot["name_zh"] == "工业机器人系统操作员"
    assert robot["alt_labels"] == ["工业机器人系统操作员S", "机器人操作工", "示教员"]
    assert nodes["csco:6-31-08-01"].props["name_zh"] == "护林员"
    both = nodes["csco:6-31-08-02"].props
    assert (both["name_zh"], both["digital"], both["green"]) == ("园林绿化工", True, True)
    assert nodes["csco:6-31-07-03/task/2"].props == {"name_zh": "装配系统", "order": 2, "origin": "classification"}
    merged = nodes["csco:6-31-09-00"].props
    assert (merged["classification_level"], merged["description"]) == (4, "定义。")
    assert "alt_labels" not in merged  # the alias only repeats the name
    assert edges == {
        ("BROADER", "csco:6-31-00-00", "csco:6-00-00-00"),
        ("BROADER", "csco:6-31-07-00", "csco:6-31-00-00"),
        ("BROADER", "csco:6-31-07-03", "csco:6-31-07-00"),
        ("BROADER", "csco:6-31-08-01", "csco:6-31-00-00"),
        ("BROADER", "csco:6-31-08-02", "csco:6-31-00-00"),
        ("BROADER", "csco:6-31-09-00", "csco:6-31-00-00"),
        ("HAS_TASK", "csco:6-31-07-03", "csco:6-31-07-03/task/1"),
        ("HAS_TASK", "csco:6-31-07-03", "csco:6-31-07-03/task/2"),
        ("HAS_TASK", "csco:6-31-09-00", "csco:6-31-09-00/task/1"),
    }
    notes = "\n".join(parsed.notes)
    assert "1 row(s) repeat an earlier row exactly" in notes
    assert "became one node (the deepest level, every non-empty field): 6-31-09-00" in notes
    assert "absent from the file and link to the group above it: 6-31-08-01, 6-31-08-02" in notes
    assert "level-4 code(s) end in -00" in notes and "L/S (digital and green) 2" in notes


def test_bad_rows_are_reported_with_their_lines(tmp_path: Path, schema: Schema) -> None:
    file = write(
        tmp_path,
        "1,6-00-00-00,6000000,生产制造及有关人员,,,6000000,\n"
        "5,6-31-00-00,6310000,机械制造人员,,,6310000,\n"
        '4,6-31-7-03,6310703,工业机器人系统操作员,"多行\n定义",,6310703,\n'
        "1,6-00-00-00,6000000,另一个名称,,,6000000,\n"
        "2,6-31-01-01,6310101,层级过浅,,,6310101,\n",
    )
    with pytest.raises(ValidationError) as caught:
        read_csco(file, schema)
    got = [(p.location, p.field) for p in caught.value.problems]
    assert got == [
        ("csco.csv line 3", "level"),
        ("csco.csv line 4", "code"),
        ("csco.csv line 6", "name"),
        ("csco.csv line 7", "level"),
    ]
