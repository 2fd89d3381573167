"""Regenerate the files derived from the ontology: the workbook reference in docs/workbook.md and the XLSX template.

    .venv/bin/python scripts/regenerate.py

tests/test_workbook.py fails when they are stale.
"""

from __future__ import annotations

from pathlib import Path

from api.browser.build import main as build_browser_files
from loaders.templates import reference_markdown, write_xlsx
from ontology.schema import load_schema

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- reference:start -->\n", "<!-- reference:end -->"


def main() -> None:
    schema = load_schema()
    doc = ROOT / "docs" / "workbook.md"
    text = doc.read_text(encoding="utf-8")
    head, rest = text.split(START)
    tail = rest.split(END)[1]
    doc.write_text(head + START + reference_markdown(schema) + END + tail, encoding="utf-8")
    write_xlsx(ROOT / "docs" / "templates" / "chanjiao-workbook.xlsx", schema)
    build_browser_files([])
    print(f"regenerated {doc.relative_to(ROOT)}, docs/templates/chanjiao-workbook.xlsx and api/browser/")


if __name__ == "__main__":
    main()
