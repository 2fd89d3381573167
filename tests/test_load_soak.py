"""Load: readers and one writer at once against a real uvicorn process on loopback, for a fixed time.

Held when: no request fails, every write the server acknowledged is in the
graph exactly once (and in the audit trail exactly once), and nothing else was
written. Latencies (p50/p95/p99/max) and throughput are written as JSON — to the
test's temporary folder, and to ``docs/security-soak-<store>.json`` when
``CHANJIAO_RECORD_FIGURES=1`` (the figures docs/security.md and the benchmark
report quote). ``CHANJIAO_SOAK_SECONDS`` sets the duration (default 20).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.security import new_key
from graph.service import Chanjiao
from graph.settings import Settings
from loaders.pipeline import load
from loaders.sources import DEMO_PATH
from loaders.workbook import read_workbook
from tests.conftest import STORES, make_store, neo4j_uri, serving

ROOT = Path(__file__).resolve().parents[1]
SECONDS = float(os.environ.get("CHANJIAO_SOAK_SECONDS", "20"))
READERS = 4
ENTRY, SECRET = new_key("soak-writer")
READS = {
    "search": "/search?q=机器人&limit=20",
    "list": "/entities/Course?limit=50",
    "entity": "/nodes/course:IR-101",
    "neighbourhood": "/neighbourhood/csco:6-31-07-03?depth=2&limit=100",
    "stats": "/stats",
    "coverage": "/programs/program:IRAM/coverage?occupation=csco:6-31-07-03",
}


@pytest.fixture(params=STORES)
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Chanjiao]]:
    """A uvicorn process serving the demo; yields its URL and a service over the same store (to check it)."""
    store = make_store(request.param, request, tmp_path, request.getfixturevalue("schema"))
    service = Chanjiao(store)
    load(service, read_workbook(DEMO_PATH, service.schema), source="demo")
    target = str(tmp_path / "chanjiao.db") if store.kind == "embedded" else neo4j_uri()
    env = {
        **os.environ,
        "CHANJIAO_STORE": target,
        "CHANJIAO_API_KEYS": json.dumps([ENTRY]),
        "CHANJIAO_RATE_LIMIT_PER_MINUTE": "0",  # the writer is meant to go flat out
    }
    env.pop("CHANJIAO_NEO4J_PASSWORD", None)
    if os.environ.get("CHANJIAO_TEST_NEO4J_PASSWORD"):
        env["CHANJIAO_NEO4J_PASSWORD"] = os.environ["CHANJIAO_TEST_NEO4J_PASSWORD"]
    command = [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1"]
    try:
        with serving(command, env, tmp_path / "uvicorn.log") as url:
            yield url, service
    finally:
        if store.kind == "embedded":
            store.close()


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else ordered * 99
    return {
        "count": len(ordered),
        "p50_ms": round(cuts[49] * 1000, 2),
        "p95_ms": round(cuts[94] * 1000, 2),
        "p99_ms": round(cuts[98] * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


@pytest.mark.slow
def test_readers_and_a_writer_at_once_lose_nothing(server: tuple[str, Chanjiao], tmp_path: Path) -> None:
    url, service = server
    demo_nodes = service.stats()["total_nodes"]
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    acknowledged: dict[str, int] = {}  # course id -> the load that wrote it
    stop = threading.Event()
    lock = threading.Lock()

    def reader(offset: int) -> None:
        kinds = list(READS)
        with httpx.Client(base_url=url, timeout=30) as client:
            n = offset
            while not stop.is_set():
                kind = kinds[n % len(kinds)]
                n += 1
                started = time.perf_counter()
                try:
                    response = client.get(READS[kind])
                    ok = response.status_code == 200
                except httpx.HTTPError as exc:
                    ok, response = False, exc
                elapsed = time.perf_counter() - started
                with lock:
                    latencies[kind].append(elapsed)
                    if not ok:
                        errors.append(f"{kind}: {getattr(response, 'status_code', response)}")

    def writer() -> None:
        with httpx.Client(base_url=url, timeout=60, headers={"X-API-Key": SECRET}) as client:
            n = 0
            while not stop.is_set():
                course = f"course:SOAK-{n:05d}"
                sheet = f"id,name_zh,category,hours\n{course},压力测试课程{n},integrated,{16 + n % 64}\n"
                started = time.perf_counter()
                try:
                    response = client.post("/loads/workbook", files={"file": ("Course.csv", sheet.encode())})
                    ok = response.status_code == 200
                except httpx.HTTPError as exc:
                    ok, response = False, exc
                elapsed = time.perf_counter() - started
                with lock:
                    latencies["write"].append(elapsed)
                    if ok:
                        body = response.json()
                        assert body["nodes_created"] == 1, body
                        acknowledged[course] = body["load_id"]
                    else:
                        errors.append(
                            f"write: {getattr(response, 'status_code', response)} {getattr(response, 'text', '')}"
                        )
                n += 1

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(READERS)]
    threads.append(threading.Thread(target=writer))
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(SECONDS)
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.monotonic() - started

    # Nothing lost, nothing doubled: the graph and the audit trail hold exactly the acknowledged writes.
    assert not errors, errors[:10]
    assert acknowledged, "the writer wrote nothing"
    written = sorted(acknowledged)
    stored = service.store.get_nodes(written)
    assert sorted(stored) == written, "every acknowledged write is in the graph"
    assert service.stats()["total_nodes"] == demo_nodes + len(written), "and nothing else was written"
    trail = [e for offset in range(0, len(written) + 1, 500) for e in service.loads(offset, 500)[0]]
    assert len(trail) == 1 + len(written)  # the demo, then one load per write
    assert sorted(e.id for e in trail if e.who == "soak-writer") == sorted(acknowledged.values())
    assert sorted(acknowledged.values()) == list(range(2, 2 + len(written))), "one load each, none twice"

    reads = [t for kind, samples in latencies.items() if kind != "write" for t in samples]
    figures = {
        "store": service.store.kind,
        "seconds": round(elapsed, 1),
        "readers": READERS,
        "writers": 1,
        "requests": sum(len(v) for v in latencies.values()),
        "errors": len(errors),
        "throughput_rps": round(sum(len(v) for v in latencies.values()) / elapsed, 1),
        "writes": {"acknowledged": len(written), "in_graph": len(stored), "loads_recorded": len(trail) - 1, "lost": 0},
        "latency": {
            "all_reads": percentiles(reads),
            "write": percentiles(latencies["write"]),
            **{kind: percentiles(samples) for kind, samples in sorted(latencies.items()) if kind != "write"},
        },
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
    }
    text = json.dumps(figures, ensure_ascii=False, indent=2) + "\n"
    (tmp_path / "security-soak.json").write_text(text, encoding="utf-8")
    if os.environ.get("CHANJIAO_RECORD_FIGURES") == "1":
        (ROOT / "docs" / f"security-soak-{service.store.kind}.json").write_text(text, encoding="utf-8")
    print(text)


def test_settings_for_the_soak_are_real_settings() -> None:
    """The soak configures the server through the environment, like a deployment does."""
    assert {"store", "api_keys", "rate_limit_per_minute"} <= set(Settings.model_fields)
