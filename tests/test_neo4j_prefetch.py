"""Neo4j's prefetch: one statement answers a question's first primitives exactly as they answer one by one.

The shared suite already asks every question of both stores for the same answers; here the primitives
themselves are compared, on the demo, for every program × occupation pair, with the database unreachable
after the prefetch (so a row that did not come from it would fail the test), and the round trips of the
two main questions are counted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from graph.questions import Questions
from graph.service import Chanjiao
from graph.store import GraphReader
from loaders.pipeline import load
from loaders.sources import DEMO_PATH
from loaders.workbook import read_workbook
from ontology.schema import Schema
from tests.conftest import make_store

PROGRAMS = ["program:IRAM", "program:EAEM", "program:NOPE"]
OCCUPATIONS = ["csco:6-31-07-03", "csco:6-31-07-01", "csco:6-31-01-03", "csco:NOPE"]
KINDS = [("EXACT_MATCH",), ("CLOSE_MATCH",), ("EXACT_MATCH", "CLOSE_MATCH")]


@pytest.fixture(scope="module")
def neo4j_demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, schema: Schema) -> Chanjiao:
    service = Chanjiao(make_store("neo4j", request, tmp_path_factory.mktemp("prefetch"), schema))
    load(service, read_workbook(DEMO_PATH, service.schema), source="demo")
    return service


class _Offline:
    """Stands in for the transaction once the prefetch has run: any query is a failure."""

    def run(self, query: str, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"a prefetched primitive queried the database:\n{query[:300]}")


def _primitives(r: GraphReader, program: str, occupation: str) -> dict[str, Any]:
    """Every primitive the prefetch covers, asked for what a coverage or gaps question asks, as sorted rows."""
    requirements = r.requirements([occupation])
    competencies = sorted({row.competency for row in requirements})
    tasks = r.tasks([occupation])
    matches = {kinds: sorted(r.matches(competencies, kinds)) for kinds in KINDS}
    others = sorted({m.other for m in matches[KINDS[2]]} - set(competencies))
    includes = r.includes(programs=[program])
    courses = sorted({row.course for row in includes})
    nodes = r.nodes([program, occupation, *[t.task for t in tasks], *competencies])
    return {
        "targets": sorted(r.targets([program])),
        "includes": sorted(includes, key=repr),
        "develops": sorted(r.develops(courses=courses), key=repr),
        "requirements": sorted(requirements, key=repr),
        "some requirements": sorted(r.requirements([occupation, occupation]), key=repr),
        "tasks": sorted(tasks),
        "matches": matches,
        "matches of matches": sorted(r.matches(others, KINDS[0])),
        "nodes": {k: (v.label, v.props) for k, v in sorted(nodes.items())},
        "demands": sorted(r.demands(occupations=[occupation]), key=repr),
        "needs": sorted(r.needs(competencies=competencies[: len(competencies) // 2]), key=repr),
    }


@pytest.mark.parametrize("occupation", OCCUPATIONS)
@pytest.mark.parametrize("program", PROGRAMS)
def test_prefetched_rows_are_the_primitives_rows(neo4j_demo: Chanjiao, program: str, occupation: str) -> None:
    def ahead(r: GraphReader) -> dict[str, Any]:
        r.prefetch([program], [occupation], demand=True)
        r._tx = _Offline()  # type: ignore[attr-defined]
        return _primitives(r, program, occupation)

    one_by_one = neo4j_demo.store.read(lambda r: _primitives(r, program, occupation))
    assert neo4j_demo.store.read(ahead) == one_by_one
    if program != "program:NOPE" and occupation != "csco:NOPE":
        assert one_by_one["requirements"] and one_by_one["develops"] and one_by_one["nodes"]


def _shown(r: GraphReader, courses: list[str], learning_tasks: list[str], with_nodes: list[str]) -> dict[str, Any]:
    """Every primitive the candidates' prefetch covers, asked as gaps asks them, as sorted rows."""
    tasks = r.learning_tasks(courses)
    targets = [*courses, *(t.learning_task for t in tasks), *learning_tasks]
    delivery = r.delivery(targets)
    nodes = r.nodes([*(d.id for d in delivery if d.kind == "resource"), *with_nodes])
    return {
        "includes": sorted(r.includes(courses=courses), key=repr),
        "learning_tasks": sorted(tasks, key=repr),
        "delivery": sorted(delivery, key=repr),
        "nodes": {k: (v.label, v.props) for k, v in sorted(nodes.items())},
    }


@pytest.mark.parametrize("program", PROGRAMS)
def test_prefetched_candidates_are_the_primitives_rows(neo4j_demo: Chanjiao, program: str) -> None:
    # Another program's courses (and a learning task, a course without any, an unknown id) as candidates.
    courses = sorted({i.course for i in neo4j_demo.store.read(lambda r: r.includes(programs=[program]))})
    courses += ["course:NOPE"]
    learning_tasks = ["lt:IR-305-3", "lt:NOPE"]
    with_nodes = [*courses, *learning_tasks, "emp:WX-LANXIN"]

    def ahead(r: GraphReader) -> dict[str, Any]:
        r.prefetch_candidates(courses, learning_tasks, with_nodes)
        r._tx = _Offline()  # type: ignore[attr-defined]
        return _shown(r, courses, learning_tasks, with_nodes)

    one_by_one = neo4j_demo.store.read(lambda r: _shown(r, courses, learning_tasks, with_nodes))
    assert neo4j_demo.store.read(ahead) == one_by_one
    if program != "program:NOPE":
        assert one_by_one["includes"] and one_by_one["delivery"] and one_by_one["learning_tasks"]


def _counted(service: Chanjiao, ask: Callable[[Questions], Any]) -> int:
    """The statements the store runs for one question."""
    store = service.store
    count = 0
    original = store.read

    def read(work: Callable[[GraphReader], Any]) -> Any:
        def counting(r: GraphReader) -> Any:
            nonlocal count
            tx = r._tx  # type: ignore[attr-defined]

            class Counting:
                def run(self, *args: Any, **kwargs: Any) -> Any:
                    nonlocal count
                    count += 1
                    return tx.run(*args, **kwargs)

            r._tx = Counting()  # type: ignore[attr-defined]
            return work(r)

        return original(counting)

    store.read = read  # type: ignore[method-assign]
    try:
        ask(Questions(store))
    finally:
        del store.read
    return count


def test_round_trips_of_coverage_and_gaps(neo4j_demo: Chanjiao) -> None:
    # Coverage reads nothing beyond its prefetch; gaps adds the developers of its gaps and one statement for
    # what it shows of the candidates. They were 9 and 15 statements one primitive at a time.
    iram, operator = "program:IRAM", "csco:6-31-07-03"
    assert _counted(neo4j_demo, lambda q: q.coverage(iram, operator)) == 1
    assert _counted(neo4j_demo, lambda q: q.gaps(iram, operator, 3)) == 3
