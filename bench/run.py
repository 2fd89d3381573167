"""Run every measurement and write the results and the report: ``python -m bench.run``.

    python -m bench.run [--quick] [--scales 1,4,16] [--stores embedded,neo4j] [--skip api,import,...]

Per scale factor, for each store: load throughput against the bare scripts (and, for Neo4j, the offline
``neo4j-admin database import``), the latency of every question against its primitives, the whole-population
report, the API under concurrent load, and for the embedded store its start-up time and memory and what it pays
to see another process's write. Results go
to ``bench/results/scale-<f>.json`` (one file per scale factor, written after each store so a long run
keeps what it measured), and the report (tables and plots, from every results file present) to
``docs/benchmarks.md`` and ``docs/img/bench-*.png``. A partial re-run (``--skip``, ``--stores``,
``--questions gaps,coverage``) keeps what it did not redo from the results file, marked with the commit and
time it was measured at. The report also shows the growths ``python -m bench.growth`` measured in
alternation (``bench/results/growth-<store>.json``), which the growth targets are judged by where present.

``--quick`` is the small version (×0.05, embedded, plus Neo4j when it answers) that
tests/test_bench_quick.py runs; it writes under ``--out`` (default ``bench/results/quick``) and never over
the published report. Neo4j means the bench's own server (``$CHANJIAO_BENCH_NEO4J_URI``, default
bolt://127.0.0.1:7706): the bench wipes that database.
"""

from __future__ import annotations

import argparse
import gc
import json
import shutil
from pathlib import Path
from typing import Any

from bench import admin_import, api, browse, catchup, guide, loads, memory, questions, report
from bench.common import (
    DATA,
    NEO4J_HOME,
    NEO4J_URI,
    ROOT,
    available_mb,
    loadavg,
    machine,
    proc_kb,
    rss_mb,
    say,
    timed,
)
from bench.workload import Workload, build
from graph.embedded import EmbeddedStore
from graph.neo4j_store import Neo4jStore, open_driver
from graph.service import Chanjiao
from graph.store import GraphStore
from ontology.schema import Schema, load_schema

#: Seconds a Neo4j transaction may run in the bench (the default, CHANJIAO_QUERY_TIMEOUT, is 30).
WRITE_TIMEOUT = 3600.0

STEPS = ("loads", "import", "questions", "guide", "browse", "population", "api", "memory", "catchup")


def neo4j_reachable(uri: str) -> bool:
    driver = open_driver(uri, None, None)
    try:
        driver.verify_connectivity()
        return True
    except Exception:
        return False
    finally:
        driver.close()


def keeping_nothing(store: GraphStore) -> GraphStore:
    """``store`` itself, or on Neo4j a store of the same database that keeps nothing between reads: every
    question reads its rows as it does the first time it is asked after a write (``graph.neo4j_kept``)."""
    if not isinstance(store, Neo4jStore):
        return store
    return Neo4jStore(store.driver, store.schema, timeout=store.timeout, keep_rows=0)


def open_neo4j(uri: str, schema: Schema) -> GraphStore:
    import os

    driver = open_driver(uri, "neo4j", os.environ.get("CHANJIAO_BENCH_NEO4J_PASSWORD"))
    # The production batch size (1000), but not its 30 s transaction timeout: a store write is one
    # transaction, and at ×4 the frameworks source (≈ 0.5 M rows) takes longer than that (see the analysis).
    store = Neo4jStore(driver, schema, timeout=WRITE_TIMEOUT)
    store.apply_schema()
    return store


def neo4j_server_stats(home: Path) -> dict[str, Any]:
    """The bench server's RSS and database size on disk, when it runs from ``home``."""
    out: dict[str, Any] = {}
    try:
        pid = (home / "run" / "neo4j.pid").read_text().strip()
        if rss := proc_kb(f"/proc/{pid}/status", "VmRSS"):
            out["server_rss_mb"] = round(rss / 1024, 1)
    except (OSError, ValueError):
        pass
    data = home / "data" / "databases" / "neo4j"
    if data.is_dir():
        out["store_mb"] = round(sum(f.stat().st_size for f in data.rglob("*") if f.is_file()) / 1e6, 1)
    return out


class Settings:
    """How much to measure, from the command line."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.quick: bool = args.quick
        # Quick: the offline import alone costs a JVM start-up (10-20 s on a busy machine), so it is left out.
        self.steps = set(STEPS) - set(args.skip) - ({"import"} if self.quick else set())
        self.question_budget = 0.2 if self.quick else args.question_budget
        self.question_samples = 10 if self.quick else 400
        self.api_duration = 1.0 if self.quick else args.api_duration
        self.api_concurrency = [8] if self.quick else [8, 32]
        self.api_max = 2_000 if self.quick else 200_000
        self.api_rounds = 2 if self.quick else 5  # of the overhead: the API and the engine alternating
        self.api_endpoint: str = args.api_endpoint
        self.esco_pairs = 0 if self.quick else args.esco_pairs
        self.only: set[str] | None = set(args.questions.split(",")) if args.questions else None


def esco_pairs(
    kind: str, workload: Workload, schema: Schema, work: Path, batches: loads.Batches, pairs: int
) -> list[dict[str, Any]]:
    """ESCO alone into an empty store, bare script then pipeline, ``pairs`` times: the load target's ratio
    measured back to back (the main loads run the sources in sequence, minutes apart on a shared machine)."""
    esco = next(s for s in workload.sources if s.name == "esco")
    esco_batch = batches.only("esco")
    out = []
    for n in range(pairs):
        if kind == "embedded":
            bare = loads.embedded_bare(esco_batch, schema, work / "pair-bare.db")["esco"]["bare_s"]
            path = work / "pair-store.db"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            store: GraphStore = EmbeddedStore(path, schema)
        else:
            store = open_neo4j(NEO4J_URI, schema)
            bare = loads.neo4j_bare(esco_batch, store, schema)["esco"]["bare_s"]
        try:
            piped = loads.pipeline(Chanjiao(store), [esco], f"{kind} pair {n + 1}")["esco"]
        finally:
            if kind == "neo4j":
                store.clear()
            store.close()
            if kind == "embedded":
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
        out.append(
            {
                "bare_s": bare,
                "pipeline_s": piped["pipeline_s"],
                "validate_s": piped["validate_s"],
                "write_s": piped["write_s"],
                "ratio": round(piped["pipeline_s"] / bare, 2),
                "write_ratio": round(piped["write_s"] / bare, 2),
                "loadavg": loadavg(),
            }
        )
        gc.collect()
    return out


def run_store(
    kind: str, workload: Workload, schema: Schema, work: Path, settings: Settings, batches: loads.Batches
) -> dict[str, Any]:
    """Every step of ``settings`` on one store and scale (``_StoreRun``)."""
    return _StoreRun(kind, workload, schema, work, settings, batches).run()


class _StoreRun:
    """The steps on one store and scale: its loads, then what is asked of the loaded graph, then (embedded)
    what the store costs to open; each step writes its part of ``result``."""

    def __init__(
        self, kind: str, workload: Workload, schema: Schema, work: Path, settings: Settings, batches: loads.Batches
    ) -> None:
        self.kind, self.workload, self.schema, self.work = kind, workload, schema, work
        self.settings, self.batches, self.steps = settings, batches, settings.steps
        self.name = f"{kind} ×{workload.scale:g}"
        self.path = work / f"store-x{workload.scale:g}.db"
        self.result: dict[str, Any] = {}

    def run(self) -> dict[str, Any]:
        # When and on which code each store was measured: a scale's stores may come from different runs.
        context = machine()
        self.result.update(loadavg_start=loadavg(), started=context["started"], commit=context["commit"])
        if "loads" in self.steps and self.settings.esco_pairs:
            pairs = esco_pairs(self.kind, self.workload, self.schema, self.work, self.batches, self.settings.esco_pairs)
            self.result["esco_pairs"] = pairs
        store, uri, bare = self._open()
        service = Chanjiao(store)
        try:
            self._load(service, bare)
            gc.collect()
            self._ask(service, uri)
        finally:
            store.close()
        del store, service  # the graph (GBs at ×16) must be gone before the memory step opens its own copy
        gc.collect()
        if self.kind == "embedded":
            self._reopen()
        self.result["loadavg_end"] = loadavg()
        return self.result

    def _open(self) -> tuple[GraphStore, str, dict[str, Any] | None]:
        """The store to load, empty, its URI, and the bare script's load of the same rows (None unless measured)."""
        bare = None
        if self.kind == "embedded":
            self._remove_files()
            if "loads" in self.steps:
                say(f"{self.name}: bare load")
                bare = loads.embedded_bare(self.batches, self.schema, self.work / "bare.db")
                gc.collect()
            return EmbeddedStore(self.path, self.schema), str(self.path), bare
        store = open_neo4j(NEO4J_URI, self.schema)
        if "loads" in self.steps:
            say(f"{self.name}: bare load")
            bare = loads.neo4j_bare(self.batches, store, self.schema)
        store.clear()
        return store, NEO4J_URI, bare

    def _load(self, service: Chanjiao, bare: dict[str, Any] | None) -> None:
        """The pipeline's loads (against ``bare`` when measured), and on Neo4j the offline import."""
        say(f"{self.name}: pipeline load")
        piped = loads.pipeline(service, self.workload.sources, self.kind)
        if bare is not None:
            self.result["loads"] = loads.combine(piped, bare)
            esco = next(s for s in self.workload.sources if s.name == "esco")
            self.result["reload"] = loads.reload(service, esco)
            say(f"  {self.kind} reload esco: {self.result['reload']['pipeline_s']:.1f}s")
        else:
            self.result["loads"] = piped
        if self.kind != "neo4j":
            return
        if "import" in self.steps:
            say("neo4j: neo4j-admin database import (ESCO alone, then everything)")
            scratch, lib = self.work / "admin-import", NEO4J_HOME / "lib"
            self.result["admin_import"] = {
                "esco": admin_import.run_import([b for _, b in self.batches.only("esco")], self.schema, lib, scratch),
                "all": admin_import.run_import([b for _, b in self.batches], self.schema, lib, scratch),
            }
            say(f"  import: {json.dumps(self.result['admin_import'])[:300]}")
        self.result["server"] = neo4j_server_stats(NEO4J_HOME)

    def _ask(self, service: Chanjiao, uri: str) -> None:
        """The questions, the Browser guide's queries, search and browse, the population report and the API."""
        store, probes, budget = service.store, self.workload.probes, self.settings.question_budget
        if "questions" in self.steps:
            self._questions(store)
        if isinstance(store, Neo4jStore) and "guide" in self.steps:
            say(f"{self.name}: the Browser guide's queries")
            self.result["guide"] = guide.measure(store, probes, budget)
        if "browse" in self.steps:
            say(f"{self.name}: search and browse")
            self.result["browse"] = browse.measure(service, probes, budget)
        if "population" in self.steps:
            self.result["population"] = questions.population(store)
        if "api" in self.steps:
            self.result["api"] = self._api(store, uri)

    def _questions(self, store: GraphStore) -> None:
        settings = self.settings
        say(f"{self.name}: questions")
        unkept = keeping_nothing(store)
        self.result["questions"] = questions.measure(
            store, self.workload.probes, settings.question_budget, settings.question_samples, settings.only, unkept
        )
        if unkept is not store:
            say(f"{self.name}: coverage and gaps with nothing kept")
            first = {"coverage", "gaps"} & (settings.only or {"coverage", "gaps"})
            self.result["questions_first"] = questions.measure(
                unkept, self.workload.probes, settings.question_budget, settings.question_samples, first
            )

    def _api(self, store: GraphStore, uri: str) -> dict[str, Any]:
        settings = self.settings
        crowded = api.room_for_workers(self.kind, api.WORKERS, rss_mb(), available_mb())
        if crowded:
            say(f"{self.name}: API {crowded}")
            return {"skipped": crowded}
        say(f"{self.name}: API")
        try:
            return api.measure(
                store,
                uri,
                self.workload.probes,
                self.work,
                settings.api_endpoint,
                settings.api_duration,
                settings.api_concurrency,
                settings.api_max,
                settings.api_rounds,
            )
        except (RuntimeError, OSError, ValueError) as exc:
            say(f"  API failed: {exc}")
            return {"error": str(exc)[:2000]}

    def _reopen(self) -> None:
        """The embedded store's start-up, memory and catching up with another process, then its files gone."""
        if "memory" in self.steps:
            say(f"{self.name}: start-up and memory")
            self.result["memory"] = memory.measure(self.path, repeat=1 if self.settings.quick else 2)
        if "catchup" in self.steps:
            say(f"{self.name}: catching up with another process's write")
            self.result["catchup"] = catchup.measure(self.path)
            say(f"  {json.dumps(self.result['catchup'])}")
        self._remove_files()  # several GB at ×16

    def _remove_files(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)


#: The result keys each step writes (``loads`` also writes ``esco_pairs`` and ``reload``).
_STEP_KEYS = {
    "loads": ("loads", "esco_pairs", "reload"),
    "import": ("admin_import",),
    "questions": ("questions", "questions_first"),
    "guide": ("guide",),
    "browse": ("browse",),
    "population": ("population",),
    "api": ("api",),
    "memory": ("memory",),
    "catchup": ("catchup",),
}


def _with_skipped(
    measured: dict[str, Any], before: dict[str, Any] | None, steps: set[str], only: set[str] | None = None
) -> dict[str, Any]:
    """``measured``, plus the previous run's results of the steps skipped this time (and, when only some
    questions were asked, ``only``, of the other questions), each marked with the commit and time it was
    measured at (``kept``), so a partial re-run does not erase what it did not redo.

    >>> before = {"commit": "a1", "started": "t1", "api": {"rps": 9}, "questions": {"gaps": 1, "coverage": 2}}
    >>> after = _with_skipped({"commit": "b2", "questions": {"gaps": 3}}, before, {"questions"}, {"gaps"})
    >>> after["questions"], after["api"], sorted(after["kept"])
    ({'gaps': 3, 'coverage': 2}, {'rps': 9}, ['api', 'questions.coverage'])
    """
    if not before:
        return measured
    earlier = before.get("kept", {})

    def when(key: str) -> dict[str, Any]:
        return earlier.get(key, {"commit": before.get("commit"), "started": before.get("started")})

    kept = {}
    for step, keys in _STEP_KEYS.items():
        if step in steps:
            continue
        for key in keys:
            if key in before:
                measured[key] = before[key]
                kept[key] = when(key)
    for key in _STEP_KEYS["questions"]:
        if "questions" in steps and only is not None and key in before:
            asked = measured.get(key, {})
            # In the earlier run's order, the questions asked again replaced.
            measured[key] = {name: asked.get(name, entry) for name, entry in before[key].items()} | asked
            kept |= {f"{key}.{name}": when(f"{key}.{name}") for name in before[key] if name not in only}
    if kept:
        measured["kept"] = kept
    return measured


def run_scale(
    scale: float, stores: list[str], schema: Schema, out: Path, work: Path, settings: Settings
) -> dict[str, Any]:
    say(f"×{scale:g}: building the workload")
    workload, seconds = timed(lambda: build(scale, DATA, schema, work))
    say(f"×{scale:g}: {workload.rows} rows in {seconds:.1f}s: {json.dumps(workload.summary()['sources'])}")
    batches = loads.Batches(workload, schema)
    # The workload's records are the bench's, not the service's: frozen, the collector never walks them, so
    # the process measuring the questions holds what a server holds (the store) and not millions more objects.
    gc.collect()
    gc.freeze()
    results: dict[str, Any] = {
        "scale": scale,
        "quick": settings.quick,
        "machine": machine(),
        "workload": {**workload.summary(), "build_s": round(seconds, 2), "probes": workload.probes.as_dict()},
        "stores": {},
    }
    file = out / f"scale-{scale:g}.json"
    previous: dict[str, Any] = {}
    if file.exists():  # measured in several runs (e.g. one store at a time at ×16): keep the other stores'
        previous = json.loads(file.read_text(encoding="utf-8")).get("stores", {})
        results["stores"] = {k: v for k, v in previous.items() if k not in stores}
    for kind in stores:
        measured = run_store(kind, workload, schema, work, settings, batches)
        results["stores"][kind] = _with_skipped(measured, previous.get(kind), settings.steps, settings.only)
        results["machine"]["loadavg_end"] = loadavg()
        file.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
        gc.collect()
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="chanjiao benchmarks")
    parser.add_argument("--quick", action="store_true", help="×0.05, embedded (plus Neo4j if it answers), < 60 s")
    parser.add_argument("--scales", default=None, help="scale factors, e.g. 1,4,16 (default 1,4; quick 0.05)")
    parser.add_argument("--stores", default=None, help="embedded,neo4j (default: both; Neo4j only if it answers)")
    parser.add_argument("--skip", default="", type=lambda s: [x for x in s.split(",") if x], help=",".join(STEPS))
    parser.add_argument("--questions", default="", help="only these questions (comma-separated)")
    parser.add_argument("--question-budget", type=float, default=6.0, help="seconds per question and store")
    parser.add_argument("--esco-pairs", type=int, default=2, help="extra back-to-back ESCO bare/pipeline pairs")
    parser.add_argument("--api-duration", type=float, default=10.0, help="seconds per API load level")
    parser.add_argument("--api-endpoint", default="auto", choices=["auto", "coverage", "entity"])
    parser.add_argument("--out", type=Path, default=None, help="results folder (default bench/results[/quick])")
    parser.add_argument("--report", type=Path, default=None, help="report file (default docs/benchmarks.md)")
    parser.add_argument("--work", type=Path, default=None, help="scratch folder for store files (default bench/work)")
    args = parser.parse_args(argv)
    settings = Settings(args)

    out = args.out or ROOT / "bench" / "results" / ("quick" if args.quick else "")
    out.mkdir(parents=True, exist_ok=True)
    work = args.work or ROOT / "bench" / "work" / ("quick" if args.quick else "full")
    work.mkdir(parents=True, exist_ok=True)
    if args.report:
        report_path = args.report
    elif args.quick:
        report_path = out / "benchmarks.md"
    else:
        report_path = ROOT / "docs" / "benchmarks.md"
    images = report_path.parent / "img"

    scales = [float(s) for s in (args.scales or ("0.05" if args.quick else "1,4")).split(",")]
    wanted = (args.stores or "embedded,neo4j").split(",")
    stores = []
    for kind in wanted:
        if kind == "neo4j" and not neo4j_reachable(NEO4J_URI):
            say(f"Neo4j does not answer at {NEO4J_URI}: measuring without it")
            if args.stores and not args.quick:
                raise SystemExit(f"Neo4j was asked for but does not answer at {NEO4J_URI}")
            continue
        stores.append(kind)

    schema = load_schema()
    for scale in scales:
        run_scale(scale, stores, schema, out, work, settings)
        gc.collect()
    shutil.rmtree(work / "admin-import", ignore_errors=True)
    report.write(out, report_path, images)
    say(f"report: {report_path}")


if __name__ == "__main__":
    main()
