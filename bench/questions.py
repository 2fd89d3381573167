"""Question latency (p50/p95/p99) per store against the replayed primitives, and the whole-population report.

Every question is asked about the probes of replica 0 (the same ids at every scale factor), round-robin,
after one warm-up pass that also records its primitive calls. Each timed question is followed by a timed
replay of its recorded primitive calls (``bench.bare.replay``), so the two are measured under the same load
of a shared machine, and their ratio is the engine's own cost. The rows the primitives returned are kept too:
they are the question's neighbourhood, which is what its cost should depend on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from bench.bare import Recording, RecordingStore, replay
from bench.common import loadavg, percentiles, say
from bench.workload import Probes
from graph.questions import Questions
from graph.store import GraphStore

Call = Callable[[Questions], Any]


def calls(probes: Probes) -> dict[str, list[Call]]:
    """Each question, as one call per probe."""
    pairs = probes.pairs
    return {
        "coverage": [lambda q, p=p: q.coverage(p.program, p.occupation, p.level) for p in pairs],
        "gaps": [lambda q, p=p: q.gaps(p.program, p.occupation, p.level) for p in pairs],
        "curriculum_map": [lambda q, p=p: q.curriculum_map(p.program, p.occupation, p.level) for p in pairs],
        "orphans": [lambda q, p=p: q.orphans(p) for p in probes.programs],
        "whatif": [
            lambda q, w=w: q.whatif(w[0], w[1], w[2], add_courses=w[3], remove_courses=w[4]) for w in probes.whatifs
        ],
        "demand": [lambda q, r=r: q.demand(region=r) for r in probes.regions],
        "match_occupations": [lambda q, p=p: q.match_occupations(p, 3) for p in probes.programs[:10]],
        "match_programs": [lambda q, o=o: q.match_programs(o[0], o[1]) for o in probes.occupations],
        "match_employer": [lambda q, e=e: q.match_programs_for_employer(e) for e in probes.employers],
        "delivery": [lambda q, p=p: q.delivery(p) for p in probes.programs],
        "learning_path": [lambda q, x=x: q.learning_path(x[0], x[1], x[2], x[3]) for x in probes.paths],
        "learning_path_any": [lambda q, x=x: q.learning_path(x[0], x[1], x[2]) for x in probes.paths],
    }


def measure(
    store: GraphStore,
    probes: Probes,
    budget_s: float,
    max_samples: int,
    only: set[str] | None = None,
    bare: GraphStore | None = None,
) -> dict[str, Any]:
    """Latency of each question and of its replayed primitives; ``budget_s`` seconds per question at most.

    ``bare``: the store the primitives are replayed on (default ``store``): on Neo4j one of the same database
    that keeps nothing between reads (``graph.neo4j_kept``), so that they are the primitives' own Cypher.
    """
    bare = bare or store
    engine = Questions(store)
    recording_store = RecordingStore(store)
    recorder = Questions(recording_store)  # type: ignore[arg-type]
    out: dict[str, Any] = {}
    for name, probe_calls in calls(probes).items():
        if (only is not None and name not in only) or not probe_calls:
            continue
        recordings: list[Recording] = []
        for call in probe_calls:  # warm-up, and the primitive calls to replay
            call(recorder)
            recordings.append(recording_store.recording)
        for recording in recordings:
            replay(bare, recording)
        question: list[float] = []
        primitives: list[float] = []
        load_before = loadavg()
        deadline = time.perf_counter() + budget_s
        while len(question) < max_samples and time.perf_counter() < deadline:
            for call, recording in zip(probe_calls, recordings, strict=True):
                start = time.perf_counter()
                call(engine)
                middle = time.perf_counter()
                replay(bare, recording)
                question.append(middle - start)
                primitives.append(time.perf_counter() - middle)
                if len(question) >= max_samples:
                    break
        q, b = percentiles(question), percentiles(primitives)
        out[name] = {
            "question": q,
            "primitives": b,
            "engine_ratio": round(q["p50"] / b["p50"], 2) if b.get("p50") else None,
            "probes": len(probe_calls),
            "queries": round(sum(len(r.calls) for r in recordings) / len(recordings), 1),
            "rows": round(sum(r.rows for r in recordings) / len(recordings), 1),
            "loadavg": [load_before, loadavg()],
        }
        say(f"  {store.kind} {name}: p50 {q['p50']:.2f} ms p95 {q['p95']:.2f} ms (primitives p50 {b['p50']:.2f} ms)")
    return out


def population(store: GraphStore) -> dict[str, Any]:
    """Coverage of every program against each occupation it targets (at the TARGETS level, else 3)."""
    engine = Questions(store)
    targets = store.read(lambda r: r.targets(r.programs()))
    pairs = sorted((t.program, t.occupation, t.level or 3) for t in targets)
    load_before = loadavg()
    start = time.perf_counter()
    covered = 0
    total = 0
    for program, occupation, level in pairs:
        c = engine.coverage(program, occupation, level)
        covered += c.overall.covered
        total += c.overall.total
    seconds = time.perf_counter() - start
    say(f"  {store.kind} population: {len(pairs)} coverage answers in {seconds:.2f}s")
    return {
        "pairs": len(pairs),
        "programs": len({p for p, _, _ in pairs}),
        "seconds": round(seconds, 3),
        "per_pair_ms": round(seconds / len(pairs) * 1000, 3) if pairs else None,
        "required_total": total,
        "covered_total": covered,
        "loadavg": [load_before, loadavg()],
    }
