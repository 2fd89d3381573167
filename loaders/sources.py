"""The sources chanjiao can load, by name, and the demo dataset that ships with it."""

from __future__ import annotations

from pathlib import Path

from loaders.case import read_case
from loaders.csco import read_csco
from loaders.esco import read_esco
from loaders.pipeline import Reader
from loaders.rdf import read_rdf
from loaders.workbook import read_workbook

DEMO_PATH = Path(__file__).with_name("demo")

#: Source name -> reader(path, schema) -> Parsed.
READERS: dict[str, Reader] = {
    "workbook": read_workbook,
    "esco": read_esco,
    "csco": read_csco,
    "case": read_case,
    "rdf": read_rdf,
}
