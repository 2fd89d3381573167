"""China's occupational classification (中华人民共和国职业分类大典, 2022) as CSV: occupations, hierarchy, tasks.

The file has one row per classification entry with the columns ``level, code, code_num, name,
definition, tasks, csco_code_num, alias``. ``read_csco`` maps:

* each code → ``Occupation`` ``csco:<code>`` (e.g. ``csco:6-31-07-03``): ``name_zh`` (the name without
  its marker, see below), ``csco_code``, ``classification_level`` (the file's ``level``: 1 大类,
  2 中类, 3 小类, 4 细类/职业), ``description`` (``definition``), ``alt_labels`` (``alias``, split on
  commas, plus the raw name when it carries a marker);
* the hierarchy → ``BROADER`` to the nearest ancestor code present in the file: X-XX-XX-XX →
  X-XX-XX-00 → X-XX-00-00 → X-00-00-00. Level-4 codes ending in -00 (a minor group that is itself
  an occupation, e.g. 1-02-01-00) and codes whose minor group is absent (e.g. 1-06-01-01, under
  1-06-00-00) link to the level-2 group their code names; the notes list them;
* the numbered ``tasks`` text (主要工作任务: "1.… 2.… 3.…") → one ``TypicalWorkTask``
  ``csco:<code>/task/<n>`` per number, ``order`` = n, ``origin`` "classification", and
  ``HAS_TASK`` from the occupation (see ``split_tasks``).

Markers: the 2022 edition marks digital occupations (数字职业) with "S", green occupations
(绿色职业) with "L" and occupations that are both with "L/S", written straight after the name
(工业机器人系统操作员S). The ontology has no property for them, so the name is stored without
the marker and the raw, marked name is kept among the alternative labels (and is searchable).

Rows sharing a code: identical rows are read once; rows that differ must have the same name and
become one node with the deepest level and every non-empty field (2-03-01-00 is listed both as a
minor group and as its only occupation). Everything collapsed or re-linked is counted in the notes.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from graph.errors import Problem, ValidationError
from graph.records import EdgeRecord, NodeRecord
from loaders.pipeline import Parsed
from ontology.schema import Schema, SchemaError

if TYPE_CHECKING:
    from _csv import Reader

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

REQUIRED_COLUMNS = ("level", "code", "name")
OPTIONAL_COLUMNS = ("definition", "tasks", "alias")
TASK_ORIGIN = "classification"

_CODE = re.compile(r"^\d-\d{2}-\d{2}-\d{2}$")
#: A digital/green marker straight after a Chinese name (never after a Latin letter, so "…GIS" stays).
_MARKER = re.compile(r"(?<=[^\x00-\x7f])(L/S|S/L|L|S)$")
MARKERS = {"S": "digital occupation 数字职业", "L": "green occupation 绿色职业", "L/S": "digital and green"}
#: A task number: 1–3 digits and a full stop, at the start or after a space or separator, not a decimal point.
_TASK_NUMBER = re.compile(r"(?:^|(?<=[\s；;。，,：:]))(\d{1,3})[.．](?!\d)")
_TASK_END = "。；;，, \t\r\n\u3000"
#: Why a code links to a group more than one level up (there is no group in between), and the
#: note listing such codes, in the order the notes give them.
_SKIPPED_LEVEL_NOTES: tuple[tuple[str, str], ...] = (
    (
        "minor_as_occupation",
        "level-4 code(s) end in -00 (a minor group listed as an occupation) and link to their level-2 group",
    ),
    (
        "no_minor_segment",
        "level-4 code(s) have minor-group segment 00 (X-XX-00-XX) and link to their level-2 group",
    ),
    (
        "minor_missing",
        "code(s) name a minor group (X-XX-XX-00) absent from the file and link to the group above it",
    ),
)


def split_tasks(text: str) -> tuple[list[tuple[int, str]], str]:
    """The numbered tasks of a ``tasks`` cell as (number, text) in order, and any text before "1.".

    A number counts only when it is the next one expected (1, 2, 3, …), stands at the start or
    after a space or a separator, and its full stop is not a decimal point, so "0.5 米", "3D",
    "10千伏" or a stray "5." inside a task do not split it. Each task loses its trailing 。/；.
    Text without a "1." is one task.

    >>> split_tasks("1.进行作业准备 2.使用3.5mm钻头钻孔；3.填写记录。")
    ([(1, '进行作业准备'), (2, '使用3.5mm钻头钻孔'), (3, '填写记录')], '')
    >>> split_tasks("检查设备。")
    ([(1, '检查设备')], '')
    """
    text = text.strip()
    if not text:
        return [], ""
    starts: list[re.Match[str]] = []
    for match in _TASK_NUMBER.finditer(text):
        if int(match.group(1)) == len(starts) + 1:
            starts.append(match)
    if not starts:
        item = text.rstrip(_TASK_END)
        return ([(1, item)] if item else []), ""
    preamble = text[: starts[0].start()].strip()
    tasks = []
    for number, match in enumerate(starts, start=1):
        end = starts[number].start() if number < len(starts) else len(text)
        item = text[match.end() : end].strip().rstrip(_TASK_END)
        if item:
            tasks.append((number, item))
    return tasks, preamble


def strip_marker(name: str) -> tuple[str, str | None]:
    """The name without a trailing digital/green marker, and the marker.

    Both orders of the two markers are the one marker ``L/S``.

    >>> strip_marker("工业机器人系统操作员S"), strip_marker("护林员L"), strip_marker("车工")
    (('工业机器人系统操作员', 'S'), ('护林员', 'L'), ('车工', None))
    >>> strip_marker("护林员S/L")
    ('护林员', 'L/S')
    """
    match = _MARKER.search(name)
    if match is None:
        return name, None
    marker = "L/S" if match.group(1) == "S/L" else match.group(1)
    return name[: match.start()].rstrip(), marker


def code_depth(code: str) -> int:
    """How many leading segments of a code are significant: 1-00-00-00 → 1, 1-02-01-00 → 3, 1-01-00-01 → 4.

    >>> code_depth("6-31-07-03"), code_depth("6-31-07-00"), code_depth("6-31-00-00"), code_depth("6-00-00-00")
    (4, 3, 2, 1)
    """
    parts = code.split("-")
    depth = len(parts)
    while depth > 1 and int(parts[depth - 1]) == 0:
        depth -= 1
    return depth


def ancestor_codes(code: str) -> list[str]:
    """The codes above ``code``, nearest first.

    >>> ancestor_codes("6-31-07-03")
    ['6-31-07-00', '6-31-00-00', '6-00-00-00']
    >>> ancestor_codes("1-02-01-00")
    ['1-02-00-00', '1-00-00-00']
    >>> ancestor_codes("1-01-00-01")
    ['1-01-00-00', '1-00-00-00']
    """
    parts = code.split("-")
    out: list[str] = []
    for depth in range(code_depth(code) - 1, 0, -1):
        candidate = "-".join(parts[:depth] + ["00"] * (len(parts) - depth))
        if candidate != code and candidate not in out:
            out.append(candidate)
    return out


@dataclass
class _Entry:
    """One code of the classification, merged from the rows that carry it."""

    code: str
    level: int
    name: str
    where: str
    definition: str = ""
    tasks: str = ""
    aliases: list[str] = field(default_factory=list)
    rows: list[tuple[str, ...]] = field(default_factory=list)


def read_csco(path: Path, schema: Schema) -> Parsed:
    """Read the CSCO 2022 CSV into Occupation and TypicalWorkTask records with BROADER and HAS_TASK.

    Parameters
    ----------
    path
        The CSV file (``csco22.csv``), or a folder holding exactly one CSV file.
    schema
        The ontology's schema; the task origin used is checked against it.

    Returns
    -------
    Parsed
        Records for the pipeline and notes counting levels, markers, tasks and whatever the
        reader merged or linked past a missing level.

    Raises
    ------
    ValidationError
        Listing every unreadable row, bad code or level, and code whose rows disagree.
    """
    origin_enum = schema.node_class("TypicalWorkTask").properties["origin"].enumeration
    if origin_enum is None or TASK_ORIGIN not in origin_enum.notations:
        raise SchemaError(f"the ontology has no task origin {TASK_ORIGIN!r}")
    problems: list[Problem] = []
    file = _find_file(Path(path), problems)
    entries, notes = ({}, []) if file is None else _read_rows(file, problems)
    if problems:
        raise ValidationError(problems)
    nodes, edges = _records(entries, notes)
    return Parsed(nodes, edges, notes)


def _find_file(path: Path, problems: list[Problem]) -> Path | None:
    if path.is_dir():
        files = sorted(path.glob("*.csv"))
        if len(files) != 1:
            problems.append(Problem(str(path), None, None, f"expected one CSV file in the folder, found {len(files)}"))
            return None
        return files[0]
    if not path.is_file():
        problems.append(Problem(str(path), None, None, "no such file"))
        return None
    return path


def _read_rows(file: Path, problems: list[Problem]) -> tuple[dict[str, _Entry], list[str]]:
    text = _decode(file, problems)
    if text is None:
        return {}, []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header = _header(reader, file.name, problems)
    if header is None or not _has_required_columns(header, file.name, problems):
        return {}, []
    notes = [f"{file.name} has no {c!r} column" for c in OPTIONAL_COLUMNS if c not in header]
    entries, merge_notes = _read_entries(reader, file.name, header, problems)
    return entries, notes + merge_notes


def _decode(file: Path, problems: list[Problem]) -> str | None:
    try:
        return file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(Problem(file.name, None, None, f"is not UTF-8 text: {exc}"))
        return None


def _header(reader: Reader, name: str, problems: list[Problem]) -> list[str] | None:
    try:
        return [h.strip() for h in next(reader, [])]
    except csv.Error as exc:
        problems.append(Problem(f"{name} line 1", None, None, f"is not well-formed CSV: {exc}"))
        return None


def _has_required_columns(header: list[str], name: str, problems: list[Problem]) -> bool:
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    problems.extend(Problem(f"{name} line 1", c, None, "column is missing") for c in missing)
    return not missing


def _read_entries(
    reader: Reader, name: str, header: list[str], problems: list[Problem]
) -> tuple[dict[str, _Entry], list[str]]:
    """The data rows as entries by code, and notes on the rows read once or merged."""
    index = {h: i for i, h in enumerate(header)}
    entries: dict[str, _Entry] = {}
    duplicates = 0
    merged: list[str] = []
    line = reader.line_num
    try:
        for cells in reader:
            # A quoted field may span lines: a row is named by the line it starts on.
            where, line = f"{name} line {line + 1}", reader.line_num
            entry = _row_entry(where, cells, len(header), index, problems)
            if entry is None:
                continue
            current = entries.get(entry.code)
            if current is None:
                entries[entry.code] = entry
            elif entry.rows[0] in current.rows:
                duplicates += 1
            elif _merge(current, entry, problems):
                merged.append(entry.code)
    except csv.Error as exc:
        problems.append(Problem(f"{name} line {reader.line_num}", None, None, f"is not well-formed CSV: {exc}"))
    return entries, _merge_notes(duplicates, merged)


def _row_entry(
    where: str, cells: list[str], width: int, index: dict[str, int], problems: list[Problem]
) -> _Entry | None:
    """The entry of one data row; ``None`` for a blank row or, with a problem, a bad one."""
    if not any(c.strip() for c in cells):
        return None
    # ``width``, not ``len(index)``: a header naming a column twice still has all its fields.
    if len(cells) != width:
        problems.append(Problem(where, None, None, f"has {len(cells)} fields, the header {width}"))
        return None
    row = {c: cells[index[c]].strip() if c in index else "" for c in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)}
    return _entry(where, row, problems)


def _merge_notes(duplicates: int, merged: list[str]) -> list[str]:
    notes: list[str] = []
    if duplicates:
        notes.append(f"{duplicates} row(s) repeat an earlier row exactly and were read once")
    if merged:
        notes.append(
            f"{len(merged)} code(s) are on several differing rows with the same name and became one node "
            "(the deepest level, every non-empty field): " + ", ".join(merged)
        )
    return notes


def _entry(where: str, row: dict[str, str], problems: list[Problem]) -> _Entry | None:
    code, level_text = row["code"], row["level"]
    ok = True
    if not _CODE.match(code):
        problems.append(Problem(where, "code", code, "is not a code like 6-31-07-03"))
        ok = False
    level = int(level_text) if level_text.isdigit() else 0
    if not 1 <= level <= 4:
        problems.append(Problem(where, "level", level_text, "is not a classification level 1–4"))
        ok = False
    elif ok and code_depth(code) > level:
        problems.append(Problem(where, "level", level, f"is above the level of code {code}"))
        ok = False
    if not row["name"]:
        problems.append(Problem(where, "name", None, "is empty"))
        ok = False
    if not ok:
        return None
    aliases = [a.strip() for a in row["alias"].split(",") if a.strip()]
    values = tuple(row[c] for c in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS))
    return _Entry(code, level, row["name"], where, row["definition"], row["tasks"], aliases, [values])


def _merge(current: _Entry, other: _Entry, problems: list[Problem]) -> bool:
    """Fold ``other`` (same code) into ``current``; false, with a problem, when they name different things."""
    if strip_marker(other.name)[0] != strip_marker(current.name)[0]:
        problems.append(
            Problem(other.where, "name", other.name, f"code {other.code} is {current.name!r} at {current.where}")
        )
        return False
    deeper, shallower = (other, current) if other.level > current.level else (current, other)
    current.level, current.name, current.where = deeper.level, deeper.name, deeper.where
    current.definition = deeper.definition or shallower.definition
    current.tasks = deeper.tasks or shallower.tasks
    current.aliases = list(dict.fromkeys([*deeper.aliases, *shallower.aliases]))
    current.rows.extend(other.rows)
    return True


@dataclass
class _Tally:
    """What building the records counted, for the notes."""

    levels: Counter[int] = field(default_factory=Counter)
    markers: Counter[str] = field(default_factory=Counter)
    skipped: dict[str, list[str]] = field(default_factory=lambda: {kind: [] for kind, _ in _SKIPPED_LEVEL_NOTES})
    orphans: list[str] = field(default_factory=list)
    preambles: list[str] = field(default_factory=list)
    tasks: int = 0


def _records(entries: dict[str, _Entry], notes: list[str]) -> tuple[list[NodeRecord], list[EdgeRecord]]:
    nodes: list[NodeRecord] = []
    edges: list[EdgeRecord] = []
    tally = _Tally()
    for code, entry in entries.items():
        nodes.append(_occupation(code, entry, tally))
        broader = _broader(code, entry, entries, tally)
        if broader is not None:
            edges.append(broader)
        for task, has_task in _tasks(code, entry, tally):
            nodes.append(task)
            edges.append(has_task)
    notes.extend(_notes(len(entries), tally))
    return nodes, edges


def _node_id(code: str) -> str:
    return f"csco:{code}"


def _occupation(code: str, entry: _Entry, tally: _Tally) -> NodeRecord:
    """The Occupation node of a code, counting its level and marker."""
    name, marker = strip_marker(entry.name)
    if marker is not None:
        tally.markers[marker] += 1
    tally.levels[entry.level] += 1
    alt_labels = list(dict.fromkeys(a for a in [entry.name, *entry.aliases] if a != name))
    props = {
        "name_zh": name,
        "alt_labels": alt_labels,
        "csco_code": code,
        "classification_level": entry.level,
        "description": entry.definition,
        "digital": marker in ("S", "L/S") or None,
        "green": marker in ("L", "L/S") or None,
    }
    return NodeRecord("Occupation", _node_id(code), {k: v for k, v in props.items() if v}, entry.where)


def _broader(code: str, entry: _Entry, entries: dict[str, _Entry], tally: _Tally) -> EdgeRecord | None:
    """The BROADER edge to the nearest ancestor code in the file, counting codes without one or past a level."""
    if entry.level <= 1:
        return None
    parent = next((c for c in ancestor_codes(code) if c in entries), None)
    if parent is None:
        tally.orphans.append(code)
        return None
    reason = _skipped_level(code, entry.level, entries[parent].level, entries)
    if reason is not None:
        tally.skipped[reason].append(code)
    return EdgeRecord("BROADER", _node_id(code), _node_id(parent), {}, entry.where)


def _skipped_level(code: str, level: int, parent_level: int, entries: dict[str, _Entry]) -> str | None:
    """Why ``code`` links to a group more than one level up (a kind of ``_SKIPPED_LEVEL_NOTES``), if it does."""
    if parent_level >= level - 1:
        return None
    if ancestor_codes(code)[0] not in entries:
        return "minor_missing"
    if code_depth(code) < level:
        return "minor_as_occupation"
    return "no_minor_segment"


def _tasks(code: str, entry: _Entry, tally: _Tally) -> list[tuple[NodeRecord, EdgeRecord]]:
    """Each numbered task of a code with its HAS_TASK edge, counting tasks and text before "1."."""
    tasks, preamble = split_tasks(entry.tasks)
    if preamble:
        tally.preambles.append(code)
    tally.tasks += len(tasks)
    node_id = _node_id(code)
    out: list[tuple[NodeRecord, EdgeRecord]] = []
    for number, text in tasks:
        task_id = f"{node_id}/task/{number}"
        where = f"{entry.where}, tasks item {number}"
        task_props = {"name_zh": text, "order": number, "origin": TASK_ORIGIN}
        task = NodeRecord("TypicalWorkTask", task_id, task_props, where)
        out.append((task, EdgeRecord("HAS_TASK", node_id, task_id, {}, where)))
    return out


def _notes(codes: int, tally: _Tally) -> list[str]:
    orphans, preambles = tally.orphans, tally.preambles
    notes = [
        f"CSCO: {codes} codes ("
        + ", ".join(f"level {lv}: {n}" for lv, n in sorted(tally.levels.items()))
        + f"), {tally.tasks} typical work tasks"
    ]
    if tally.markers:
        detail = ", ".join(f"{m} ({MARKERS[m]}) {n}" for m, n in sorted(tally.markers.items()))
        notes.append(f"CSCO markers stripped from names (raw name kept in alt_labels): {detail}")
    for kind, what in _SKIPPED_LEVEL_NOTES:
        skipped = tally.skipped[kind]
        if skipped:
            notes.append(f"{len(skipped)} {what}: {', '.join(skipped)}")
    if orphans:
        notes.append(f"{len(orphans)} code(s) have no ancestor code in the file, so no BROADER: {', '.join(orphans)}")
    if preambles:
        notes.append(f"{len(preambles)} tasks text(s) have text before '1.' that is not a task: {', '.join(preambles)}")
    return notes
