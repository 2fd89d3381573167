"""Profiles of the targets the benchmark misses, and prototypes of their fixes (``python -m bench.profile …``).

Nothing here changes ``graph/`` or ``loaders/``: each prototype subclasses or wraps the store so that the
fix proposed in docs/benchmarks.md can be measured before it is made.

    python -m bench.profile neo4j-write      # where an ESCO write into Neo4j spends its time
    python -m bench.profile embedded-write   # cProfile of an ESCO write into the embedded store
    python -m bench.profile region-first     # employers of a region found from the region (embedded)
    python -m bench.profile neo4j-region     # the same for the Neo4j demands/needs queries
    python -m bench.profile questions        # cProfile of the slow questions on the ×1 workload
    python -m bench.profile primitive-costs  # each primitive call of some questions, timed alone (Neo4j)
    python -m bench.profile entity-label     # one shared label for lookups by id (Neo4j)
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


def _groups(batch: Batch) -> tuple[dict[str, list[dict[str, Any]]], dict[tuple[str, str, str], list[dict[str, Any]]]]:
    """Rows grouped as ``Neo4jStore.write`` groups them (with the row index ``i`` its queries use)."""
    nodes: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for n in batch.nodes:
        group = nodes[n.label]
        group.append({"i": len(group), "id": n.id, "props": n.props})
    edges: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for e in batch.edges:
        group = edges[(e.type, batch.endpoint_labels[e.source], batch.endpoint_labels[e.target])]
        group.append({"i": len(group), "source": e.source, "target": e.target, "props": e.props})
    return nodes, edges


def _statements(schema: Schema, batch: Batch, shape: str) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """(query, rows) per group: ``store`` = the store's upsert queries, ``bare`` = plain MERGE … SET."""
    nodes, edges = _groups(batch)
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

    * ``store``: ``Neo4jStore.write`` as it is (status query, audit trail, batches of 1000, one transaction);
    * ``store_query_1tx``: the store's queries in one transaction, batches of 1000, without the audit trail;
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


def _keyed_store() -> type:
    """Prototype: ``EmbeddedStore`` with the relationship key computed once per type, not once per edge.

    ``_edge_key`` JSON-encodes ``[type, *key values]`` for every edge, although every type but DEMANDS has
    no key property (its key is the same string for every edge of the type), and ``_key_values`` looks the
    type's keys up in the schema each time.
    """
    from graph.embedded import EmbeddedStore

    class KeyedStore(EmbeddedStore):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._keys = {name: rel.keys for name, rel in self.schema.relationships.items()}
            self._fixed = {name: json.dumps([name]) for name, keys in self._keys.items() if not keys}

        def _key_values(self, etype: str, props: dict[str, Any]) -> tuple[Any, ...]:
            keys = self._keys[etype]
            return tuple(props.get(k) for k in keys) if keys else ()

        def _edge_key(self, etype: str, props: dict[str, Any]) -> str:
            fixed = self._fixed.get(etype)
            return fixed if fixed is not None else json.dumps([etype, *self._key_values(etype, props)])

    return KeyedStore


def embedded_write(repeat: int = 2) -> dict[str, Any]:
    """ESCO into a fresh embedded store: the bare script, the store, and the store with the per-type edge key
    (``_keyed_store``), interleaved ``repeat`` times; then a cProfile of the store's write."""
    from graph.embedded import EmbeddedStore

    schema = load_schema()
    batch = esco_batch(schema)
    gc.collect()
    gc.freeze()  # the parsed records are not what is measured
    keyed = _keyed_store()
    times: dict[str, list[float]] = defaultdict(list)
    with tempfile.TemporaryDirectory(dir=ROOT / "bench" / "work") as tmp:
        for n in range(repeat):
            target = bare.EmbeddedBare(Path(tmp) / f"bare{n}.db", schema)
            start = time.perf_counter()
            target.load(batch)
            times["bare"].append(round(time.perf_counter() - start, 2))
            target.close()
            del target
            gc.collect()
            for name, cls in (("store", EmbeddedStore), ("store_keyed", keyed)):
                store = cls(Path(tmp) / f"{name}{n}.db", schema)
                start = time.perf_counter()
                store.write(batch)
                times[name].append(round(time.perf_counter() - start, 2))
                store.close()
                del store
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


def entity_label(scale: float = 1.0, repeat: int = 20) -> dict[str, Any]:
    """Prototype: one shared label (``Entity``, unique ``id``) on every node, so a lookup by id is one index seek.

    Today ``nodes(ids)`` (and ``labels_of``) seek every id in every class's index (a UNION ALL over the
    14 classes). Adds the label to the bench's database (as ``bench.run`` left it), then times the
    ``nodes`` calls the questions make, both ways, interleaved.
    """
    from bench.bare import RecordingStore
    from bench.questions import calls
    from bench.workload import build
    from graph.neo4j_store import Neo4jStore, open_driver
    from graph.questions import Questions

    schema = load_schema()
    probes = build(scale, DATA, schema).probes
    driver = open_driver(NEO4J_URI, None, None)
    store = Neo4jStore(driver, schema)
    with driver.session() as session:
        labels = "|".join(f"`{c}`" for c in schema.classes)
        session.run(f"MATCH (n:{labels}) CALL (n) {{ SET n:Entity }} IN TRANSACTIONS OF 10000 ROWS").consume()
        session.run("CREATE CONSTRAINT entity_id IF NOT EXISTS FOR (n:Entity) REQUIRE n.id IS UNIQUE").consume()
        session.run("CALL db.awaitIndexes(300)").consume()
    recording_store = RecordingStore(store)
    recorder = Questions(recording_store)  # type: ignore[arg-type]
    id_lists = []
    for name in ("coverage", "gaps", "demand", "match_occupations"):
        for fn in calls(probes)[name]:
            fn(recorder)
            id_lists += [c.args[0] for c in recording_store.recording.calls if c.name == "nodes"]
    union = cypher.question_queries(schema).nodes
    labels_list = list(schema.classes)
    single = (
        "UNWIND $ids AS id MATCH (n:Entity {id: id}) "
        "RETURN [l IN labels(n) WHERE l IN $labels][0] AS label, properties(n) AS props"
    )
    # Only what the questions read (names, dimension, kind, order, semester, hours, …), not the long
    # descriptions and alternative labels that ESCO carries on every concept.
    fields = "id, name_zh, name_en, dimension, kind, order, semester, hours, category, type, dual_qualified, year"
    projection = "n {" + ", ".join(f".{f.strip()}" for f in fields.split(",")) + "}"
    projected = single.replace("properties(n)", projection)
    union_projected = union.replace("properties(n)", projection)
    times: dict[str, list[float]] = defaultdict(list)
    with driver.session() as session:
        for _ in range(repeat):
            for name, query, params in (
                ("union_all", union, {}),
                ("entity", single, {"labels": labels_list}),
                ("entity_projected", projected, {"labels": labels_list}),
                ("union_all_projected", union_projected, {}),
            ):
                start = time.perf_counter()
                for ids in id_lists:
                    session.execute_read(lambda tx, q=query, i=ids, p=params: tx.run(q, ids=i, **p).values())
                times[name].append(time.perf_counter() - start)
    store.close()
    rows = sum(len(i) for i in id_lists)
    return {
        "calls": len(id_lists),
        "ids": rows,
        "ms_per_call": {k: round(sorted(v)[len(v) // 2] / len(id_lists) * 1000, 3) for k, v in times.items()},
        "loadavg": loadavg(),
    }


def _region_first_store(store: Any) -> Any:
    """Prototype: ``store`` read through a reader whose ``_employers`` starts from the region.

    ``graph.embedded._Reader._employers`` takes every employer of the graph and keeps those IN_REGION the
    region, so ``demands``/``needs`` with a region cost the number of employers in the graph (×16 has 16×).
    The region's own IN_REGION links give the same employers directly.
    """
    from graph import embedded

    class RegionFirst(embedded._Reader):
        def _employers(self, employers: Any, region: str | None, industry: str | None) -> set[str] | None:
            if region is None or employers is not None:
                return super()._employers(employers, region, industry)
            kept = {e for e, _ in self._in(region, "IN_REGION") if self._is(e, "Employer")}
            if industry is not None:
                kept = {e for e in kept if any(t == industry for t, _ in self._out(e, "IN_INDUSTRY"))}
            return kept

    class Wrapped:
        schema = store.schema
        kind = "embedded+region-first"

        def read(self, work: Callable[[Any], Any]) -> Any:
            with store._lock:
                return work(RegionFirst(store._graph, store._by_label, store._typed))

    return Wrapped()


def region_first(scale: float = 1.0, budget: float = 4.0) -> dict[str, Any]:
    """demand and match_employer on the embedded store at ``scale``: as they are, and region-first, alternating.

    (The first prototype measured here, an adjacency index by relationship type, is applied since commit
    47c046b: ``graph.embedded.TypedAdjacency``; its before/after figures are in bench/analysis.md.)
    """
    from bench import loads, questions, workload
    from graph.embedded import EmbeddedStore
    from graph.service import Chanjiao

    schema = load_schema()
    work = workload.build(scale, DATA, schema)
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(dir=ROOT / "bench" / "work") as tmp:
        store = EmbeddedStore(Path(tmp) / "q.db", schema)
        loads.pipeline(Chanjiao(store), work.sources, "embedded")
        probes = work.probes
        del work
        gc.collect()
        gc.freeze()
        fixed = _region_first_store(store)
        for name in ("demand", "match_employer"):
            before = questions.measure(store, probes, budget, 400, {name})[name]
            after = questions.measure(fixed, probes, budget, 400, {name})[name]  # type: ignore[arg-type]
            out[name] = {
                "p50": [before["question"]["p50"], after["question"]["p50"]],
                "p95": [before["question"]["p95"], after["question"]["p95"]],
                "speed-up p50": round(before["question"]["p50"] / after["question"]["p50"], 2),
                "loadavg": loadavg(),
            }
        store.close()
    return out


def api_split(scale: float = 1.0, seconds: float = 4.0) -> dict[str, Any]:
    """Where a coverage request's time goes besides the engine, in-process on the embedded store at ``scale``:
    the engine call, ``as_dict()``, the response model (``api.question_models.Coverage``: validate and dump,
    as FastAPI does with ``response_model``) and the JSON encoding (as Starlette's JSONResponse does)."""
    from api.question_models import Coverage
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
                content = answer.as_dict()
                t2 = time.perf_counter()
                dumped = Coverage.model_validate(content).model_dump(mode="json")
                t3 = time.perf_counter()
                body = json.dumps(dumped, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
                t4 = time.perf_counter()
                for name, a, b in (("engine", t0, t1), ("as_dict", t1, t2), ("response_model", t2, t3)):
                    stages[name].append(b - a)
                stages["json"].append(t4 - t3)
                stages["total"].append(t4 - t0)
                sizes.append(len(body))
        out = {name: percentiles(samples) for name, samples in stages.items()}
        out["answer_bytes"] = round(sum(sizes) / len(sizes))
        store.close()
    out["loadavg"] = loadavg()
    return out


def neo4j_region(repeat: int = 20) -> dict[str, Any]:
    """Prototype: the ``demands``/``needs`` primitives with a region, starting from the region.

    Today one query serves every filter combination (``$region IS NULL OR EXISTS {…}``), so the planner
    scans every employer's DEMANDS (NEEDS) and tests each employer's region: its cost grows with the number
    of employers in the graph. A query for the region case starts at the region and walks IN_REGION back.
    Runs against the bench's Neo4j as the last ``bench.run`` left it; region ids are replica 0's cities.
    """
    from graph.neo4j_store import Neo4jStore, open_driver

    schema = load_schema()
    store = Neo4jStore(open_driver(NEO4J_URI, None, None), schema)
    q = cypher.question_queries(schema)
    demands_first = """MATCH (:Region {id: $region})<-[:IN_REGION]-(e:Employer)
MATCH (e)-[d:DEMANDS]->(o:Occupation)
WHERE ($industry IS NULL OR EXISTS { (e)-[:IN_INDUSTRY]->(:Industry {id: $industry}) })
RETURN e.id AS employer, o.id AS occupation, d.headcount AS headcount, d.year AS year, d.level AS level"""
    needs_first = """MATCH (:Region {id: $region})<-[:IN_REGION]-(e:Employer)
MATCH (e)-[n:NEEDS]->(c:Competency)
WHERE ($industry IS NULL OR EXISTS { (e)-[:IN_INDUSTRY]->(:Industry {id: $industry}) })
RETURN e.id AS employer, c.id AS competency, n.level AS level"""
    regions = [f"region:r0-c{i:02d}" for i in range(6)]
    params = {"occupations": None, "employers": None, "competencies": None, "industry": None}
    variants = {
        "demands (today)": q.demands,
        "demands (region first)": demands_first,
        "needs (today)": q.needs,
        "needs (region first)": needs_first,
    }
    times: dict[str, list[float]] = defaultdict(list)
    rows: dict[str, int] = {}
    with store.driver.session() as session:
        for _ in range(repeat):
            for name, query in variants.items():
                start = time.perf_counter()
                found = 0
                for region in regions:
                    found += len(
                        session.execute_read(lambda tx, q=query, r=region: tx.run(q, region=r, **params).values())
                    )
                times[name].append((time.perf_counter() - start) / len(regions))
                rows[name] = found
    store.close()
    return {
        "ms_per_call_p50": {k: round(sorted(v)[len(v) // 2] * 1000, 2) for k, v in times.items()},
        "rows": rows,
        "loadavg": loadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "what",
        choices=[
            "neo4j-write",
            "embedded-write",
            "questions",
            "primitive-costs",
            "entity-label",
            "region-first",
            "api-split",
            "neo4j-region",
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
    elif args.what == "neo4j-region":
        print(json.dumps(neo4j_region(args.repeat), indent=1))
    elif args.what == "api-split":
        print(json.dumps(api_split(args.scale), indent=1))
    elif args.what == "region-first":
        print(json.dumps(region_first(args.scale), indent=1))
    elif args.what == "entity-label":
        print(json.dumps(entity_label(args.scale, args.repeat), indent=1))
    elif args.what == "primitive-costs":
        print(primitive_costs(args.scale))
    else:
        print(questions(args.scale))


if __name__ == "__main__":
    main()
