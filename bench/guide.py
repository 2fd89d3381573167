"""What the Browser guide's queries take on Neo4j: the Cypher analysts paste, at each scale factor.

Each query of the guide (``api.browser.build.guide_queries``) runs with the guide's parameters set from the
probes of replica 0 — each pair's program, occupation and level, a course of that program, the first probe
region — in a read transaction on the bench's server, as the Browser sends it: round-robin over the pairs
for up to the time budget, after one warm-up pass. The engine's answers to the same questions are measured by
``bench.questions``; these are the analysts' view of the same graph.
"""

from __future__ import annotations

from typing import Any

from api.browser import build
from bench.common import loadavg, percentiles, round_robin, say
from bench.workload import Probes
from graph.neo4j_store import Neo4jStore


def parameters(store: Neo4jStore, probes: Probes) -> list[dict[str, Any]]:
    """The guide's parameters for each probe pair; ``$course``: the program's first course by id."""
    includes = store.read(lambda reader: reader.includes(programs=[p.program for p in probes.pairs]))
    courses: dict[str, str] = {}
    for row in includes:
        courses[row.program] = min(courses.get(row.program, row.course), row.course)
    region = probes.regions[0] if probes.regions else None
    return [
        {
            "program": p.program,
            "occupation": p.occupation,
            "level": p.level,
            "region": region,
            "course": courses.get(p.program),
        }
        for p in probes.pairs
    ]


def measure(store: Neo4jStore, probes: Probes, budget_s: float) -> dict[str, Any]:
    """p50/p95/p99 of each guide query over the probe pairs, with the rows it returns (mean over the pairs)."""
    sets = parameters(store, probes)
    out: dict[str, Any] = {}
    with store.driver.session(database=store.database) as session:

        def ask(cypher: str, params: dict[str, Any]) -> int:
            return session.execute_read(lambda tx: len(tx.run(cypher, params).values()))

        for query in build.guide_queries(store.schema):
            rows = [ask(query.cypher, p) for p in sets]  # the warm-up pass
            load_before = loadavg()
            calls = [lambda c=query.cypher, p=p: ask(c, p) for p in sets]
            latency = percentiles(round_robin(calls, budget_s))
            out[query.name] = {
                "latency": latency,
                "rows": round(sum(rows) / len(rows), 1) if rows else 0,
                "pairs": len(sets),
                "loadavg": [load_before, loadavg()],
            }
            say(f"  guide {query.name}: p50 {latency['p50']:.2f} ms p95 {latency['p95']:.2f} ms")
    return out
