"""Profiles of the targets the benchmark misses, and prototypes of their fixes (``python -m bench.profile …``).

Nothing here changes ``graph/`` or ``loaders/``. The prototypes measured here before their fixes were made
(typed adjacency, per-type relationship keys, region-first employers, the ``Entity`` label) are applied and
gone; their before/after figures are in bench/analysis.md.

    python -m bench.profile neo4j-write      # where an ESCO write into Neo4j spends its time
    python -m bench.profile embedded-write   # cProfile of an ESCO write into the embedded store
    python -m bench.profile questions        # cProfile of the slow questions on the ×1 workload
    python -m bench.profile primitive-costs  # each primitive call of some questions, timed alone (Neo4j)
    python -m bench.profile api-split        # a coverage request's stages besides the engine
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import pstats
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bench import bare
from bench.common import DATA, NEO4J_URI, ROOT, loadavg, say
from graph import cypher
from graph.neo4j_store import numbered_groups
from graph.records import Batch
from graph.validation import check
from ontology.schema import Schema, load_schema


def esco_batch(schema: Schema) -> Batch:
    from loaders.esco import read_esco

    parsed = read_esco(DATA / "esco-v1.1.1", schema)
    batch, _ = check(schema, parsed.nodes, parsed.edges, lambda ids: {}, "esco", None)
    return batch


def top(profile: cProfile.Profile, n: int = 25) -> str:
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(n)
    return out.getvalue()


# ---------------------------------------------------------------- Neo4j writes


def _statements(schema: Schema, batch: Batch, shape: str) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """(query, rows) per group: ``store`` = the store's upsert queries, ``bare`` = plain MERGE … SET."""
    nodes, edges = numbered_groups(batch)
    for label, rows in nodes.items():
        if shape == "store":
            yield cypher.upsert_nodes(schema, label), rows
        else:
            yield f"UNWIND $rows AS row MERGE (n:`{label}` {{id: row.id}}) SET n += row.props", rows
    for (rel_type, source, target), rows in edges.items():
        if shape == "store":
            yield cypher.upsert_edges(schema, rel_type, source, target), rows
        else:
            yield (
                f"UNWIND $rows AS row MATCH (a:`{source}` {{id: row.source}}) MATCH (b:`{target}` {{id: row.target}}) "
                f"MERGE (a)-[r:`{rel_type}`]->(b) SET r += row.props",
                rows,
            )


def neo4j_write(repeat: int = 1) -> dict[str, Any]:
    """ESCO into an empty Neo4j five ways, interleaved, to split the store's write cost into its causes:

    * ``store``: ``Neo4jStore.write`` as it is (reads of what is stored, upserts of what changed, audit trail,
      batches of 1000, one transaction);
    * ``store_query_1tx``: the store's upsert statements over every row in one transaction, batches of 1000,
      without the reads or the audit trail;
    * ``store_query_10k``: the same with batches of 10,000;
    * ``bare_1tx``: plain MERGE … SET in one transaction, batches of 1000;
    * ``bare``: the baseline, plain MERGE … SET, 10,000 rows per committed transaction.
    """
    from graph.neo4j_store import Neo4jStore, open_driver

    schema = load_schema()
    batch = esco_batch(schema)
    driver = open_driver(NEO4J_URI, None, None)
    store = Neo4jStore(driver, schema)
    store.apply_schema()

    def one_tx(shape: str, size: int) -> Callable[[], None]:
        def run() -> None:
            with driver.session() as session:
                session.execute_write(
                    lambda tx: [
                        tx.run(q, rows=rows[i : i + size]).consume()
                        for q, rows in _statements(schema, batch, shape)
                        for i in range(0, len(rows), size)
                    ]
                )

        return run

    variants: dict[str, Callable[[], Any]] = {
        "store": lambda: store.write(batch),
        "store_query_1tx": one_tx("store", 1000),
        "store_query_10k": one_tx("store", 10_000),
        "bare_1tx": one_tx("bare", 1000),
        "bare": lambda: bare.neo4j_load(driver, schema, batch),
    }
    times: dict[str, list[float]] = defaultdict(list)
    for _ in range(repeat):
        for name, fn in variants.items():
            store.clear()
            start = time.perf_counter()
            fn()
            times[name].append(round(time.perf_counter() - start, 2))
            say(f"neo4j write {name}: {times[name][-1]:.1f}s")
    store.clear()
    driver.close()
    rows = len(batch.nodes) + len(batch.edges)
    return {"rows": rows, "seconds": dict(times), "loadavg": loadavg()}


# ---------------------------------------------------------------- embedded writes


def embedded_write(repeat: int = 2) -> dict[str, Any]:
    """ESCO into a fresh embedded store: the bare script and the store, interleaved ``repeat`` times; then a
    cProfile of the store's write."""
    from graph.embedded import EmbeddedStore

    schema = load_schema()
    batch = esco_batch(schema)
    gc.collect()
    gc.freeze()  # the parsed records are not what is measured
    times: dict[str, list[float]] = defaultdict(list)
    with tempfile.TemporaryDirectory(dir=ROOT / "bench" / "work") as tmp:
        writers: list[tuple[str, Callable[[Path, Schema], Any], Callable[[Any], Any]]] = [
            ("bare", bare.EmbeddedBare, lambda target: target.load(batch)),
            ("store", EmbeddedStore, lambda target: target.write(batch)),
        ]
        for n in range(repeat):
            for name, open_target, write in writers:
                target = open_target(Path(tmp) / f"{name}{n}.db", schema)
                start = time.perf_counter()
                write(target)
                times[name].append(round(time.perf_counter() - start, 2))
                target.close()
                del target
                gc.collect()
        store = EmbeddedStore(Path(tmp) / "profiled.db", schema)
        profile = cProfile.Profile()
        profile.enable()
        store.write(batch)
        profile.disable()
        store.close()
    return {"seconds": dict(times), "loadavg": loadavg(), "profile": top(profile)}


# ---------------------------------------------------------------- questions


def questions(scale: float = 1.0, names: tuple[str, ...] = ("demand", "match_occupations", "gaps", "coverage")) -> str:
    """cProfile of some questions on the embedded store holding the workload at ``scale``."""
    from bench import loads, workload
    from bench.questions import calls
    from graph.embedded import EmbeddedStore
    from graph.questions import Questions
    from graph.service import Chanjiao

    schema = load_schema()
    work = workload.build(scale, DATA, schema)
    out = []
    with tempfile.TemporaryDirectory(dir=ROOT / "bench" / "work") as tmp:
        store = EmbeddedStore(Path(tmp) / "q.db", schema)
        loads.pipeline(Chanjiao(store), work.sources, "embedded")
        gc.collect()
        gc.freeze()
        q = Questions(store)
        every = calls(work.probes)
        for name in names:
            for fn in every[name]:
                fn(q)
            profile = cProfile.Profile()
            start = time.perf_counter()
            profile.enable()
            for fn in every[name]:
                fn(q)
            profile.disable()
            seconds = time.perf_counter() - start
            out.append(f"== {name}: {len(every[name])} calls in {seconds:.3f}s\n{top(profile, 15)}")
        store.close()
    return "\n".join(out)


def primitive_costs(
    scale: float = 1.0, names: tuple[str, ...] = ("coverage", "gaps", "demand", "match_occupations")
) -> str:
    """Per primitive call of some questions: its median time over 5 runs (each in its own read) and its rows.

    Runs against the bench's Neo4j as the last ``bench.run`` left it (the workload at ``scale`` loaded).
    """
    from bench.bare import Recording, RecordingStore, replay
    from bench.questions import calls
    from bench.workload import build
    from graph.neo4j_store import Neo4jStore, open_driver
    from graph.questions import Questions

    schema = load_schema()
    probes = build(scale, DATA, schema).probes
    store = Neo4jStore(open_driver(NEO4J_URI, None, None), schema)
    recording_store = RecordingStore(store)
    recorder = Questions(recording_store)  # type: ignore[arg-type]
    out = []
    for name in names:
        costs: dict[str, list[float]] = defaultdict(list)
        rows: dict[str, int] = defaultdict(int)
        for fn in calls(probes)[name]:
            fn(recorder)
            for call in recording_store.recording.calls:
                one = Recording([call])
                samples = []
                for _ in range(5):
                    start = time.perf_counter()
                    replay(store, one)
                    samples.append(time.perf_counter() - start)
                key = call.name + ("(" + ",".join(sorted(k for k, v in call.kwargs.items() if v is not None)) + ")")
                costs[key].append(sorted(samples)[2])
                rows[key] += call.rows
        total = sum(sum(v) for v in costs.values())
        out.append(f"== {name} ({loadavg()}): sum of medians {total * 1000:.1f} ms over all probes")
        for key, values in sorted(costs.items(), key=lambda kv: -sum(kv[1])):
            out.append(
                f"  {key:40s} calls {len(values):4d}  total {sum(values) * 1000:8.1f} ms  "
                f"mean {sum(values) / len(values) * 1000:7.2f} ms  rows {rows[key]}"
            )
    store.close()
    return "\n".join(out)


def api_split(scale: float = 1.0, seconds: float = 4.0) -> dict[str, Any]:
    """Where a coverage request's time goes besides the engine, in-process on the embedded store at ``scale``:
    the engine call and the JSON the route sends (``api.responses.AnswerResponse``, as the route writes it)."""
    from api.responses import AnswerResponse
    from bench import loads, workload
    from bench.common import percentiles
    from graph.embedded import EmbeddedStore
    from graph.questions import Questions
    from graph.service import Chanjiao

    schema = load_schema()
    work = workload.build(scale, DATA, schema)
    pairs = work.probes.pairs
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(dir=ROOT / "bench" / "work") as tmp:
        store = EmbeddedStore(Path(tmp) / "api.db", schema)
        loads.pipeline(Chanjiao(store), work.sources, "embedded")
        del work
        gc.collect()
        gc.freeze()
        q = Questions(store)

        # Each stage timed on its own, one after the other on the same answer, so all see the same machine.
        stages: dict[str, list[float]] = defaultdict(list)
        sizes = []
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            for p in pairs:
                t0 = time.perf_counter()
                answer = q.coverage(p.program, p.occupation, p.level)
                t1 = time.perf_counter()
                body = AnswerResponse(answer).body
                t2 = time.perf_counter()
                for name, a, b in (("engine", t0, t1), ("json", t1, t2), ("total", t0, t2)):
                    stages[name].append(b - a)
                sizes.append(len(body))
        out = {name: percentiles(samples) for name, samples in stages.items()}
        out["answer_bytes"] = round(sum(sizes) / len(sizes))
        store.close()
    out["loadavg"] = loadavg()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "what",
        choices=[
            "neo4j-write",
            "embedded-write",
            "questions",
            "primitive-costs",
            "api-split",
        ],
    )
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    if args.what == "neo4j-write":
        print(json.dumps(neo4j_write(args.repeat), indent=1))
    elif args.what == "embedded-write":
        result = embedded_write(args.repeat)
        print(result.pop("profile"))
        print(json.dumps(result))
    elif args.what == "api-split":
        print(json.dumps(api_split(args.scale), indent=1))
    elif args.what == "primitive-costs":
        print(primitive_costs(args.scale))
    else:
        print(questions(args.scale))


if __name__ == "__main__":
    main()
