"""``python -m bench.growth measure`` runs end to end on two small stores, so that it cannot rot.

As for the quick bench (tests/test_bench_quick.py), nothing here asserts a time: only that every round was
measured on both stores, that the figures are the rounds' own, and that the report shows them.
"""

from __future__ import annotations

import json
from pathlib import Path

from bench import growth, report
from graph.embedded import EmbeddedStore
from graph.service import Chanjiao
from loaders.pipeline import load
from loaders.sources import DEMO_PATH
from loaders.workbook import read_workbook
from ontology.schema import Schema

PROBES = {
    "pairs": [
        {"program": "program:IRAM", "occupation": "csco:6-31-07-03", "level": 3},
        {"program": "program:EAEM", "occupation": "csco:6-31-01-03", "level": 3},
    ],
    "programs": ["program:IRAM"],
    "occupations": [["csco:6-31-07-03", 3]],
    "employers": [],
    "regions": [],
}


def _demo(path: Path, schema: Schema) -> Path:
    service = Chanjiao(EmbeddedStore(path, schema))
    load(service, read_workbook(DEMO_PATH, schema), source="demo")
    service.close()
    return path


def test_growth_is_measured_in_alternating_rounds(tmp_path: Path, schema: Schema) -> None:
    small, large = _demo(tmp_path / "small.db", schema), _demo(tmp_path / "large.db", schema)
    probes = tmp_path / "scale-1.json"
    probes.write_text(json.dumps({"workload": {"probes": PROBES}}), encoding="utf-8")
    out = tmp_path / "results"
    args = ["measure", str(small), str(large), "--probes", str(probes), "--out", str(out)]
    growth.main([*args, "--rounds", "3", "--seconds", "0.05", "--warmup", "0", "--scales", "1,4"])

    measured = json.loads((out / "growth-embedded.json").read_text(encoding="utf-8"))
    assert measured["scales"] == [1.0, 4.0] and measured["rounds"] == 3
    assert set(measured["questions"]) == {"coverage", "gaps"}
    for name, entry in measured["questions"].items():
        rounds = entry["rounds"]
        assert len(rounds) == 3, name
        assert all(r["small"]["n"] >= len(PROBES["pairs"]) and r["large"]["n"] >= len(PROBES["pairs"]) for r in rounds)
        assert all(r["p50_ratio"] == round(r["large"]["p50"] / r["small"]["p50"], 3) for r in rounds), name
        assert entry["p50_ratio"] == sorted(r["p50_ratio"] for r in rounds)[1]  # the median of three
        # Both stores hold the same graph: each probe reads as much on both, and the fit is that of its points.
        rows, p50s = entry["probes"]["rows"], entry["probes"]["p50"]
        assert rows[0] == rows[1] and all(r > 0 for r in rows[0]) and len(rows[0]) == len(PROBES["pairs"]), name
        assert all(len(p) == len(PROBES["pairs"]) and all(x > 0 for x in p) for p in p50s), name
        points = [list(zip(r, p, strict=True)) for r, p in zip(rows, p50s, strict=True)]
        assert entry["equal_neighbourhood"] == growth.equal_neighbourhood(*points), name

    alternated = report._load_alternated(out)
    table = "\n".join(report._alternation({}, alternated))
    assert "| embedded | coverage | ×1 → ×4 |" in table and "| embedded | gaps | ×1 → ×4 |" in table
    assert "at equal neighbourhood" in table
    picture = report._neighbourhood_picture(alternated, tmp_path, "t-")
    assert picture[0] == "![cost against neighbourhood](img/t-growth-neighbourhood.png)"
    assert (tmp_path / "t-growth-neighbourhood.png").stat().st_size > 10_000


def test_growth_at_equal_neighbourhood_compares_each_large_probe_with_the_small_stores_line() -> None:
    """Hand-checked: on the small store a question costs 0.1 ms a row read. A larger graph where every row
    costs 1.2× as much is 1.2× at equal neighbourhood; one that costs the same per row is 1× — though its
    probes read 4–8× as much and take 4–8× as long."""
    small = [(10, 1.0), (20, 2.0), (30, 3.0)]
    dearer = growth.equal_neighbourhood(small, [(40, 4.8), (80, 9.6), (160, 19.2)])
    assert (dearer["slope"], dearer["intercept"]) == (0.1, 0.0)
    assert (dearer["growth"], dearer["range"], dearer["reach"]) == (1.2, [1.2, 1.2], 5.333)
    assert growth.equal_neighbourhood(small, [(40, 4.0), (80, 8.0)])["growth"] == 1.0
