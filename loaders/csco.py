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

from graph.errors import Problem, ValidationError
from graph.records import EdgeRecord, NodeRecord
from loaders.pipeline import Parsed
from ontology.schema import Schema, SchemaError

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

    >>> strip_marker("工业机器人系统操作员S"), strip_marker("护林员L"), strip_marker("车工")
    (('工业机器人系统操作员', 'S'), ('护林员', 'L'), ('车工', None))
    """
    match = _MARKER.search(name)
    if match is None:
        return name, None
    return name[: match.start()].rstrip(), match.group(1)


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
    try:
        text = file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(Problem(file.name, None, None, f"is not UTF-8 text: {exc}"))
        return {}, []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip() for h in next(reader, [])]
    except csv.Error as exc:
        problems.append(Problem(f"{file.name} line 1", None, None, f"is not well-formed CSV: {exc}"))
        return {}, []
    index = {h: i for i, h in enumerate(header)}
    missing = [c for c in REQUIRED_COLUMNS if c not in index]
    if missing:
        problems.extend(Problem(f"{file.name} line 1", c, None, "column is missing") for c in missing)
        return {}, []
    notes = [f"{file.name} has no {c!r} column" for c in OPTIONAL_COLUMNS if c not in index]
    entries: dict[str, _Entry] = {}
    duplicates = 0
    merged: list[str] = []
    line = reader.line_num
    try:
        for cells in reader:
            where, line = f"{file.name} line {line + 1}", reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                problems.append(Problem(where, None, None, f"has {len(cells)} fields, the header {len(header)}"))
                continue
            row = {c: cells[index[c]].strip() if c in index else "" for c in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)}
            entry = _entry(where, row, problems)
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
        problems.append(Problem(f"{file.name} line {reader.line_num}", None, None, f"is not well-formed CSV: {exc}"))
    if duplicates:
        notes.append(f"{duplicates} row(s) repeat an earlier row exactly and were read once")
    if merged:
        notes.append(
            f"{len(merged)} code(s) are on several differing rows with the same name and became one node "
            "(the deepest level, every non-empty field): " + ", ".join(merged)
        )
    return entries, notes


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


def _records(entries: dict[str, _Entry], notes: list[str]) -> tuple[list[NodeRecord], list[EdgeRecord]]:
    nodes: list[NodeRecord] = []
    edges: list[EdgeRecord] = []
    levels: Counter[int] = Counter()
    markers: Counter[str] = Counter()
    # Codes linked to a group more than one level up, by why there is no group in between.
    skipped: dict[str, list[str]] = {"minor_as_occupation": [], "no_minor_segment": [], "minor_missing": []}
    orphans: list[str] = []
    preambles: list[str] = []
    task_count = 0
    for code, entry in entries.items():
        node_id = f"csco:{code}"
        name, marker = strip_marker(entry.name)
        if marker is not None:
            markers[marker] += 1
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
        nodes.append(NodeRecord("Occupation", node_id, {k: v for k, v in props.items() if v}, entry.where))
        levels[entry.level] += 1
        if entry.level > 1:
            parent = next((c for c in ancestor_codes(code) if c in entries), None)
            if parent is None:
                orphans.append(code)
            else:
                edges.append(EdgeRecord("BROADER", node_id, f"csco:{parent}", {}, entry.where))
                if entries[parent].level < entry.level - 1:
                    if ancestor_codes(code)[0] not in entries:
                        skipped["minor_missing"].append(code)
                    elif code_depth(code) < entry.level:
                        skipped["minor_as_occupation"].append(code)
                    else:
                        skipped["no_minor_segment"].append(code)
        tasks, preamble = split_tasks(entry.tasks)
        if preamble:
            preambles.append(code)
        for number, text in tasks:
            task_id = f"{node_id}/task/{number}"
            task_props = {"name_zh": text, "order": number, "origin": TASK_ORIGIN}
            nodes.append(NodeRecord("TypicalWorkTask", task_id, task_props, f"{entry.where}, tasks item {number}"))
            edges.append(EdgeRecord("HAS_TASK", node_id, task_id, {}, f"{entry.where}, tasks item {number}"))
        task_count += len(tasks)
    notes.append(
        f"CSCO: {len(entries)} codes ("
        + ", ".join(f"level {lv}: {n}" for lv, n in sorted(levels.items()))
        + f"), {task_count} typical work tasks"
    )
    if markers:
        detail = ", ".join(f"{m} ({MARKERS[m]}) {n}" for m, n in sorted(markers.items()))
        notes.append(f"CSCO markers stripped from names (raw name kept in alt_labels): {detail}")
    for kind, what in (
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
    ):
        if skipped[kind]:
            notes.append(f"{len(skipped[kind])} {what}: {', '.join(skipped[kind])}")
    if orphans:
        notes.append(f"{len(orphans)} code(s) have no ancestor code in the file, so no BROADER: {', '.join(orphans)}")
    if preambles:
        notes.append(f"{len(preambles)} tasks text(s) have text before '1.' that is not a task: {', '.join(preambles)}")
    return nodes, edges
