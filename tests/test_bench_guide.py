"""``bench.guide`` measures every query of the Browser guide on Neo4j, with each probe pair's parameters.

As for the rest of the bench, nothing here asserts a time: only that each query ran for every pair, and
that the rows it counts are the query's own answers (the engine's, which tests/test_browser_guide.py
shows the guide gives).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from api.browser import build
from bench import guide
from bench.workload import Probes
from graph.service import Chanjiao
from loaders.pipeline import load
from loaders.sources import DEMO_PATH
from loaders.workbook import read_workbook
from ontology.schema import Schema
from tests.conftest import make_store

pytestmark = pytest.mark.neo4j

PAIRS = [("program:IRAM", "csco:6-31-07-03", 3), ("program:EAEM", "csco:6-31-01-03", 2)]


def test_every_guide_query_is_measured_over_the_probe_pairs(
    request: pytest.FixtureRequest, tmp_path: Path, schema: Schema
) -> None:
    store = make_store("neo4j", request, tmp_path, schema)
    service = Chanjiao(store)
    load(service, read_workbook(DEMO_PATH, schema), source="demo")
    probes = Probes.of(
        {
            "pairs": [{"program": p, "occupation": o, "level": level} for p, o, level in PAIRS],
            "programs": [],
            "occupations": [],
            "employers": [],
            "regions": ["region:320500"],
        }
    )

    params = guide.parameters(store, probes)
    first_courses = [
        min(r.course for r in service.questions.read(lambda reader, p=p: reader.includes(programs=[p])))
        for p, _, _ in PAIRS
    ]
    assert [(p["program"], p["occupation"], p["level"]) for p in params] == PAIRS
    assert [p["course"] for p in params] == first_courses
    assert {p["region"] for p in params} == {"region:320500"}

    measured = guide.measure(store, probes, 0.05)
    assert list(measured) == [q.name for q in build.guide_queries(schema)]
    for name, entry in measured.items():
        latency = entry["latency"]
        assert entry["pairs"] == len(PAIRS) and latency["n"] >= len(PAIRS), name
        assert 0 < latency["p50"] <= latency["p95"] <= latency["p99"], name
    coverage = [len(service.questions.coverage(p, o, level).competencies) for p, o, level in PAIRS]
    assert measured["coverage"]["rows"] == round(sum(coverage) / len(coverage), 1) > 0
    assert measured["labels"]["rows"] == sum(1 for n in service.stats()["nodes"].values() if n)
