"""The benchmark's quick mode runs end to end, so that it cannot rot.

It asserts that the results and the report were produced and that the numbers are positive — never a
timing threshold: speed is reported by ``python -m bench.run``, not tested. The quick mode runs on the
embedded store only, unless ``CHANJIAO_BENCH_NEO4J_URI`` names a Neo4j the benchmark may wipe.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    """Run ``python -m bench.run --quick`` into a temporary folder; return the folder."""
    out = tmp_path_factory.mktemp("bench")
    stores = "embedded,neo4j" if os.environ.get("CHANJIAO_BENCH_NEO4J_URI") else "embedded"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.run",
            "--quick",
            "--stores",
            stores,
            "--out",
            str(out),
            "--work",
            str(out / "work"),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return out


def _positive(value: object) -> bool:
    return isinstance(value, int | float) and value > 0


def test_quick_run_writes_results_and_report(quick: Path) -> None:
    results = json.loads((quick / "scale-0.05.json").read_text(encoding="utf-8"))
    report = (quick / "benchmarks.md").read_text(encoding="utf-8")
    assert results["quick"] is True
    assert "## Targets" in report and "## Questions" in report
    assert "| ×0.05 | embedded |" in report.split("## Search and browse")[1].split("##")[0]
    assert "| ×0.05 |" in report.split("## Embedded store: another process's write")[1].split("##")[0]
    for name in ("bench-loads.png", "bench-questions.png", "bench-api.png", "bench-memory.png"):
        assert (quick / "img" / name).stat().st_size > 0


def test_quick_numbers_are_positive(quick: Path) -> None:
    results = json.loads((quick / "scale-0.05.json").read_text(encoding="utf-8"))
    assert results["workload"]["nodes"] > 0 and results["workload"]["edges"] > 0
    embedded = results["stores"]["embedded"]
    for source, entry in embedded["loads"].items():
        assert _positive(entry["rows_per_s"]), source
        assert _positive(entry["bare_rows_per_s"]), source
        assert entry["rejected"] >= 0
    assert embedded["reload"]["summary"]["nodes_created"] == 0  # a re-run changes nothing
    for name, entry in embedded["questions"].items():
        assert entry["question"]["n"] > 0, name
        assert _positive(entry["question"]["p50"]) and _positive(entry["primitives"]["p50"]), name
        assert entry["question"]["p50"] <= entry["question"]["p95"] <= entry["question"]["p99"], name
        assert _positive(entry["rows"]), name
    browse = embedded["browse"]
    assert _positive(browse["first_search_ms"])
    for name in ("search", "entity", "neighbourhood_1", "neighbourhood_2", "stats"):
        assert browse[name]["latency"]["n"] >= browse[name]["arguments"] > 0, name
        assert _positive(browse[name]["latency"]["p50"]), name
    population = embedded["population"]
    assert population["pairs"] > 0 and _positive(population["seconds"])
    api = embedded["api"]
    assert "runs" in api, api
    assert all(run["ok"] > 0 and _positive(run["rps"]) for run in api["runs"])
    ratios = sorted(r["ratio"] for r in api["overhead_rounds"])
    assert len(ratios) == 2 and all(_positive(r) for r in ratios)
    assert api["overhead"] == round((ratios[0] + ratios[1]) / 2, 2)  # the median of two rounds
    memory = embedded["memory"]
    assert _positive(memory["open_s"]) and _positive(memory["store_mb"])
    catchup = embedded["catchup"]
    assert catchup["rows"]["nodes_created"] > 0  # the demo's school, new to the bench's graph
    for after in ("load", "rollback"):
        assert _positive(catchup[after]["first_read_ms"]) and _positive(catchup[after]["first_search_ms"]), after
    assert _positive(catchup["reload_ms"]) and _positive(catchup["index_ms"])
