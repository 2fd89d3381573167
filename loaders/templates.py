"""Workbook templates and the workbook reference, generated from the ontology.

The XLSX template has one sheet per class and per relationship type, with
Chinese column headers (the reader accepts the Chinese labels, the English
labels and the property names alike) and a first sheet that explains every
column. ``reference_markdown`` renders the same facts for docs/workbook.md.

>>> from ontology.schema import load_schema
>>> headers(load_schema(), "TARGETS", lang="en")
['from', 'to', 'level']
"""

from __future__ import annotations

import csv
from pathlib import Path

from graph.records import EdgeRecord, NodeRecord
from ontology.schema import PropertyDef, Schema

_SKIP = {"source"}  # recorded by the loader, not typed by people


def _fields(schema: Schema, name: str) -> list[PropertyDef]:
    thing = schema.classes.get(name) or schema.relationship(name)
    return [p for p in thing.properties.values() if p.name not in _SKIP]


def headers(schema: Schema, name: str, lang: str = "zh") -> list[str]:
    """Column headers of the sheet for a class or relationship type, in ``lang`` (``zh``, ``en`` or ``key``)."""
    cols = [] if name in schema.classes else (["起点", "终点"] if lang == "zh" else ["from", "to"])
    for p in _fields(schema, name):
        cols.append(p.label_zh if lang == "zh" else p.name)
    return cols


def describe(p: PropertyDef, required: frozenset[str]) -> str:
    """One line on what a column holds."""
    text = "required" if p.name in required else "optional"
    if p.refers_to is not None:
        text += f"; a node id ({p.refers_to})"
    if p.enumeration is not None:
        text += "; one of " + ", ".join(f"{v.notation} ({v.label_zh})" for v in p.enumeration.values)
    elif p.minimum is not None or p.maximum is not None:
        low = "" if p.minimum is None else p.minimum
        high = "" if p.maximum is None else p.maximum
        text += f"; {p.datatype} {low}–{high}"
    elif p.datatype != "string":
        text += f"; {p.datatype}"
    if p.multi_valued:
        text += "; several values separated by |"
    return text


def reference_markdown(schema: Schema) -> str:
    """The workbook reference: every sheet, its columns, and what each accepts."""
    out = ["| sheet | columns (zh header · property name: what it accepts) |", "|---|---|"]
    for cls in schema.classes.values():
        cols = "<br>".join(f"{p.label_zh} · `{p.name}`: {describe(p, cls.required)}" for p in _fields(schema, cls.name))
        out.append(f"| `{cls.name}` {cls.label_zh} | {cols} |")
    out += ["", "| sheet | from → to | properties |", "|---|---|---|"]
    for rel in schema.relationships.values():
        cols = "<br>".join(f"{p.label_zh} · `{p.name}`: {describe(p, rel.required)}" for p in _fields(schema, rel.name))
        ends = f"{' or '.join(sorted(rel.sources))} → {' or '.join(sorted(rel.targets))}"
        out.append(f"| `{rel.name}` {rel.label_zh} | {ends} | {cols or '—'} |")
    return "\n".join(out) + "\n"


def write_xlsx(
    path: Path, schema: Schema, nodes: list[NodeRecord] | None = None, edges: list[EdgeRecord] | None = None
) -> Path:
    """Write the workbook template (empty, or filled with ``nodes`` and ``edges``) as an .xlsx file."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    book = Workbook()
    guide = book.active
    guide.title = "说明 README"
    guide.append(["sheet", "column (zh)", "property", "accepts", "meaning"])
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for name in [*schema.classes, *schema.relationships]:
        thing = schema.classes.get(name) or schema.relationship(name)
        if name in schema.relationships:
            guide.append([name, "起点 / 终点", "from / to", "node ids", thing.comment])
        for p in _fields(schema, name):
            guide.append([name, p.label_zh, p.name, describe(p, thing.required), p.comment])
    for name in [*schema.classes, *schema.relationships]:
        sheet = book.create_sheet(name)  # class and type names: valid sheet names, unlike "职业/工种"
        sheet.append(headers(schema, name))
        for cell in sheet[1]:
            cell.font, cell.fill = bold, fill
        sheet.freeze_panes = "A2"
        for row in _rows(schema, name, nodes or [], edges or []):
            sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def write_csv(
    folder: Path, schema: Schema, nodes: list[NodeRecord] | None = None, edges: list[EdgeRecord] | None = None
) -> Path:
    """Write the template as a folder of UTF-8 CSV files (with BOM, so Excel shows Chinese correctly)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in [*schema.classes, *schema.relationships]:
        with (folder / f"{name}.csv").open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(headers(schema, name))
            writer.writerows(_rows(schema, name, nodes or [], edges or []))
    return folder


def _rows(schema: Schema, name: str, nodes: list[NodeRecord], edges: list[EdgeRecord]) -> list[list[object]]:
    fields = [p.name for p in _fields(schema, name)]
    if name in schema.classes:
        items = [{"id": n.id, **n.props} for n in nodes if n.label == name]
        return [[_cell(item.get(f)) for f in fields] for item in items]
    return [[e.source, e.target, *(_cell(e.props.get(f)) for f in fields)] for e in edges if e.type == name]


def _cell(value: object) -> object:
    if isinstance(value, list):
        return "|".join(str(v) for v in value)
    return "" if value is None else value
