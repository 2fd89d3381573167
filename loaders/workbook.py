"""The school workbook: one sheet (or CSV file) per class and per relationship type.

A class sheet has an ``id`` column and one column per property; a relationship
sheet has ``from`` and ``to`` columns (node ids) and one per property. Sheet
names and column headers may be the ontology's names or its zh/en labels, so a
school can fill in ``课程.csv`` with a ``中文名称`` column. See docs/workbook.md.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph.errors import Problem, ValidationError
from graph.records import EdgeRecord, NodeRecord
from loaders.pipeline import Parsed
from ontology.schema import Schema

csv.field_size_limit(sys.maxsize)

FROM_HEADERS = {"from", "起点", "从"}  # not "source": that is the provenance property
TO_HEADERS = {"to", "target", "终点", "到"}
ENCODINGS = ("utf-8-sig", "gb18030")
# A grid sheet is named after a relationship type plus one of these: "DEVELOPS grid", "培养矩阵".
GRID_SUFFIXES = (" grid", " matrix", "矩阵", "矩阵表")
# Sheets that explain the workbook to the people filling it in (the template's first sheet).
GUIDE_SHEETS = ("说明", "readme")
# Marks that mean "yes, at no particular level" in a grid cell.
MARKS = {"x", "√", "✓", "✔", "●", "○", "◎", "★", "是", "y", "yes"}


@dataclass
class Sheet:
    """One table of the workbook: its name, where it came from, and its rows as header → cell."""

    name: str
    origin: str  # file name, or "book.xlsx: sheet"
    header_row: list[str]
    rows: list[tuple[int, list[Any]]]  # (1-based spreadsheet row number, cells)


def read_workbook(path: Path, schema: Schema) -> Parsed:
    """Read a workbook (an .xlsx file or a folder of .csv files) into records.

    Raises ``ValidationError`` listing every unreadable sheet, header or cell found.
    """
    path = Path(path)
    problems: list[Problem] = []
    if path.is_dir():
        sheets = list(_csv_sheets(path, problems))
    elif path.suffix.lower() in (".xlsx", ".xlsm"):
        sheets = list(_xlsx_sheets(path, problems))
    elif path.suffix.lower() == ".csv":
        sheets = list(_csv_sheets(path, problems))
    else:
        raise ValidationError([Problem(str(path), None, None, "expected an .xlsx workbook or a folder of .csv files")])
    nodes: list[NodeRecord] = []
    edges: list[EdgeRecord] = []
    names = _sheet_names(schema)
    for sheet in sheets:
        target = names.get(_norm(sheet.name))
        grid = _grid_type(sheet.name, schema, names)
        if _norm(sheet.name).startswith(GUIDE_SHEETS):
            continue
        if target is None and grid is None:
            problems.append(
                Problem(
                    sheet.origin, None, sheet.name, "is neither a class nor a relationship type (nor a grid of one)"
                )
            )
        elif grid is not None:
            edges.extend(_grid_rows(sheet, grid, schema, problems))
        elif target in schema.classes:
            nodes.extend(_node_rows(sheet, target, schema, problems))
        else:
            edges.extend(_edge_rows(sheet, target, schema, problems))
    if problems:
        raise ValidationError(problems)
    return Parsed(nodes, edges)


def _sheet_names(schema: Schema) -> dict[str, str]:
    names: dict[str, str] = {}
    for thing in [*schema.classes.values(), *schema.relationships.values()]:
        for alias in (thing.name, thing.label_zh, thing.label_en):
            names[_norm(alias)] = thing.name
    return names


def _header_names(props: dict[str, Any]) -> dict[str, str]:
    names: dict[str, str] = {}
    for p in props.values():
        for alias in (p.name, p.label_zh, p.label_en):
            names[_norm(alias)] = p.name
    return names


def _norm(text: str) -> str:
    return " ".join(str(text).replace("\ufeff", "").strip().lower().replace("_", " ").split())


def _columns(sheet: Sheet, known: dict[str, str], problems: list[Problem]) -> list[str | None]:
    columns: list[str | None] = []
    seen: set[str] = set()
    for number, header in enumerate(sheet.header_row, start=1):
        if header is None or not str(header).strip():
            columns.append(None)
            continue
        name = known.get(_norm(header))
        if name is None:
            problems.append(
                Problem(f"{sheet.origin} row 1 column {number}", str(header), None, "unknown column header")
            )
        elif name in seen:
            problems.append(Problem(f"{sheet.origin} row 1 column {number}", str(header), None, "column appears twice"))
            name = None
        else:
            seen.add(name)
        columns.append(name)
    return columns


def _cells(sheet: Sheet, columns: list[str | None], problems: list[Problem]) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, cells in sheet.rows:
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        if len(cells) > len(columns) and any(c not in (None, "") for c in cells[len(columns) :]):
            problems.append(
                Problem(f"{sheet.origin} row {number}", None, None, "has more cells than the header has columns")
            )
            continue
        yield number, {name: cell for name, cell in zip(columns, cells, strict=False) if name is not None}


def _node_rows(sheet: Sheet, label: str, schema: Schema, problems: list[Problem]) -> Iterator[NodeRecord]:
    columns = _columns(sheet, _header_names(schema.node_class(label).properties), problems)
    if "id" not in columns:
        problems.append(Problem(sheet.origin, "id", None, "the sheet has no id column"))
        return
    for number, values in _cells(sheet, columns, problems):
        node_id = _text(values.pop("id", None))
        where = f"{sheet.origin} row {number}"
        if not node_id:
            problems.append(Problem(where, "id", None, "is empty"))
            continue
        yield NodeRecord(label, node_id, values, where)


def _edge_rows(sheet: Sheet, rel_type: str, schema: Schema, problems: list[Problem]) -> Iterator[EdgeRecord]:
    known = _header_names(schema.relationship(rel_type).properties)
    known.update({_norm(h): "from" for h in FROM_HEADERS} | {_norm(h): "to" for h in TO_HEADERS})
    columns = _columns(sheet, known, problems)
    for end in ("from", "to"):
        if end not in columns:
            problems.append(Problem(sheet.origin, end, None, f"the sheet has no {end!r} column"))
            return
    for number, values in _cells(sheet, columns, problems):
        where = f"{sheet.origin} row {number}"
        source, target = _text(values.pop("from", None)), _text(values.pop("to", None))
        for end, value in (("from", source), ("to", target)):
            if not value:
                problems.append(Problem(where, end, None, "is empty"))
        if source and target:
            yield EdgeRecord(rel_type, source, target, values, where)


def _grid_type(name: str, schema: Schema, names: dict[str, str]) -> str | None:
    """The relationship type a grid sheet holds ("DEVELOPS grid", "培养矩阵"), or None for other sheets."""
    lowered = _norm(name)
    for suffix in GRID_SUFFIXES:
        if lowered.endswith(suffix.strip()) and lowered != suffix.strip():
            target = names.get(_norm(lowered[: -len(suffix.strip())]))
            if target in schema.relationships:
                return target
    return None


def _grid_rows(sheet: Sheet, rel_type: str, schema: Schema, problems: list[Problem]) -> Iterator[EdgeRecord]:
    """A curriculum-map grid: row heads are ``from`` ids, column heads ``to`` ids, a cell a level or a mark.

    A head may carry a name after the id ("comp:P-01 示教器操作"); only the first word is the id.
    An empty cell means no relationship.
    """
    level = schema.relationship(rel_type).properties.get("level")
    heads = [_head_id(h) for h in sheet.header_row[1:]]
    for number, cells in sheet.rows:
        source = _head_id(cells[0] if cells else None)
        if source is None:
            if any(_text(c) for c in cells[1:]):
                problems.append(Problem(f"{sheet.origin} row {number}", "from", None, "the row has marks but no id"))
            continue
        for column, (target, cell) in enumerate(zip(heads, cells[1:], strict=False), start=2):
            value = _text(cell)
            if value is None:
                continue
            where = f"{sheet.origin} row {number} column {column}"
            if target is None:
                problems.append(Problem(where, "to", None, "a marked cell under a column without an id"))
                continue
            props: dict[str, Any] = {}
            if value.lower() not in MARKS:
                if level is None:
                    problems.append(Problem(where, "level", value, f"{rel_type} has no level: mark the cell with ✓"))
                    continue
                props["level"] = value
            yield EdgeRecord(rel_type, source, target, props, where)


def _head_id(value: Any) -> str | None:
    text = _text(value)
    return text.split()[0] if text else None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


# -- sources


def _csv_sheets(path: Path, problems: list[Problem]) -> Iterator[Sheet]:
    files = sorted(path.glob("*.csv")) if path.is_dir() else [path]
    if not files:
        problems.append(Problem(str(path), None, None, "the folder holds no .csv files"))
    for file in files:
        text = _decode(file, problems)
        if text is None:
            continue
        try:
            table = list(csv.reader(text.splitlines(keepends=True), strict=True))
        except csv.Error as exc:
            problems.append(Problem(file.name, None, None, f"is not well-formed CSV: {exc}"))
            continue
        if not table:
            problems.append(Problem(file.name, None, None, "is empty (no header row)"))
            continue
        rows = [(number, list(cells)) for number, cells in enumerate(table[1:], start=2)]
        yield Sheet(file.stem, file.name, table[0], rows)


def _decode(file: Path, problems: list[Problem]) -> str | None:
    """The file's text, in UTF-8 (with or without BOM) or GB18030 (which covers GBK)."""
    data = file.read_bytes()
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(
            Problem(
                f"{file.name} line {line}", None, None, "is neither UTF-8 nor GBK/GB18030 text; save it as UTF-8 CSV"
            )
        )
    return None


def _xlsx_sheets(path: Path, problems: list[Problem]) -> Iterator[Sheet]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        problems.append(Problem(path.name, None, None, f"cannot be read as an Excel workbook: {exc}"))
        return
    try:
        for ws in book.worksheets:
            table = list(ws.iter_rows(values_only=True))
            if not table or all(c is None for c in table[0]):
                continue  # an empty sheet (e.g. a template's unused one) says nothing
            header = ["" if c is None else str(c) for c in table[0]]
            rows = [(number, list(cells)) for number, cells in enumerate(table[1:], start=2)]
            yield Sheet(ws.title, f"{path.name}: {ws.title}", header, rows)
    finally:
        book.close()
