"""Neo4j's prefetch: one statement answers a question's first primitives exactly as they answer one by one.

The shared suite already asks every question of both stores for the same answers; here the primitives
themselves are compared, on the demo, for every program × occupation pair, with the database unreachable
after the prefetch (so a row that did not come from it would fail the test), and the round trips of the
two main questions are counted. The stores here keep nothing between questions, so that each reads its rows
(what a store keeps, and when it forgets it, is tested in ``test_neo4j_kept``).
"""

from __future__ import annotations

from typing import Any

import pytest

from graph.neo4j_prefetch import Prefetched
from graph.neo4j_store import _Reader
from graph.questions import Questions
from graph.records import EdgeRecord, NodeRecord
from graph.service import Chanjiao
from graph.store import GraphReader, TaskRow, Wanted
from loaders.pipeline import load
from loaders.sources import DEMO_PATH
from loaders.workbook import read_workbook
from ontology.schema import Schema
from tests.conftest import make_store, statements_of

PROGRAMS = ["program:IRAM", "program:EAEM", "program:NOPE"]
OCCUPATIONS = ["csco:6-31-07-03", "csco:6-31-07-01", "csco:6-31-01-03", "csco:NOPE"]
KINDS = [("EXACT_MATCH",), ("CLOSE_MATCH",), ("EXACT_MATCH", "CLOSE_MATCH")]


@pytest.fixture(scope="module")
def neo4j_demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, schema: Schema) -> Chanjiao:
    service = Chanjiao(make_store("neo4j", request, tmp_path_factory.mktemp("prefetch"), schema, keep_rows=0))
    load(service, read_workbook(DEMO_PATH, service.schema), source="demo")
    return service


class _Offline:
    """Stands in for the transaction once the prefetch has run: any query is a failure."""

    def run(self, query: str, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"a prefetched primitive queried the database:\n{query[:300]}")


def _next(matches: list[Any], read: list[str]) -> list[str]:
    return sorted({m.other for m in matches} - set(read))


def _primitives(r: GraphReader, program: str, occupation: str, kinds: list[tuple[str, ...]]) -> dict[str, Any]:
    """Every primitive the prefetch covers, asked for what a coverage or gaps question asks (matches of each
    of ``kinds``, the widest last), as sorted rows."""
    requirements = r.requirements([occupation])
    competencies = sorted({row.competency for row in requirements})
    tasks = r.tasks([occupation])
    matches = {k: sorted(r.matches(competencies, k)) for k in kinds}
    others = sorted({m.other for m in matches[kinds[-1]]} - set(competencies))
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
        "a third step": sorted(r.matches(_next(r.matches(others, kinds[-1]), [*competencies, *others]), KINDS[0])),
        "nodes": {k: (v.label, v.props) for k, v in sorted(nodes.items())},
        "demands": sorted(r.demands(occupations=[occupation]), key=repr),
        "needs": sorted(r.needs(competencies=competencies[: len(competencies) // 2]), key=repr),
    }


@pytest.mark.parametrize("close", [False, True])
@pytest.mark.parametrize("occupation", OCCUPATIONS)
@pytest.mark.parametrize("program", PROGRAMS)
def test_prefetched_rows_are_the_primitives_rows(
    neo4j_demo: Chanjiao, program: str, occupation: str, close: bool
) -> None:
    kinds = KINDS if close else KINDS[:1]  # a question that does not follow CLOSE_MATCH asks none

    def ahead(r: GraphReader) -> dict[str, Any]:
        r.prefetch([program], [occupation], demand=True, close=close)
        r._tx = _Offline()  # type: ignore[attr-defined]
        return _primitives(r, program, occupation, kinds)

    one_by_one = neo4j_demo.store.read(lambda r: _primitives(r, program, occupation, kinds))
    assert neo4j_demo.store.read(ahead) == one_by_one
    if program != "program:NOPE" and occupation != "csco:NOPE":
        assert one_by_one["requirements"] and one_by_one["develops"] and one_by_one["nodes"]


def test_matches_of_a_kind_the_prefetch_did_not_read_come_from_the_database(neo4j_demo: Chanjiao) -> None:
    # Read without CLOSE_MATCH, the prefetch must not answer a question for CLOSE_MATCH with nothing.
    def close_matches(r: GraphReader, prefetch: bool) -> list[Any]:
        if prefetch:
            r.prefetch(PROGRAMS[:1], OCCUPATIONS[:1])
        competencies = sorted({row.competency for row in r.requirements(OCCUPATIONS[:1])})
        return sorted(r.matches(competencies, KINDS[1])) + sorted(r.matches(competencies, KINDS[2]))

    one_by_one = neo4j_demo.store.read(lambda r: close_matches(r, False))
    assert any(m.kind == "CLOSE_MATCH" for m in one_by_one)
    assert neo4j_demo.store.read(lambda r: close_matches(r, True)) == one_by_one


def _shown(r: GraphReader, wanted: list[Wanted], outside: list[str], extra: list[str]) -> dict[str, Any]:
    """Every primitive the candidates' prefetch covers, asked as gaps asks them, as sorted rows."""
    developers = r.developers(wanted, outside, 1)
    used = [row for d in developers.values() for row in d.best]
    courses = sorted({row.course for row in used if row.course is not None})
    learning_tasks = sorted({row.learning_task for row in used if row.learning_task is not None})
    supports = r.supports(courses, learning_tasks)
    nodes = r.nodes([*(s.resource for s in supports), *courses, *learning_tasks, *extra])
    return {
        "developers": developers,
        "includes": sorted(r.includes(courses=courses), key=repr),
        "supports": sorted(supports, key=repr),
        "nodes": {k: (v.label, v.props) for k, v in sorted(nodes.items())},
    }


@pytest.mark.parametrize("program", PROGRAMS)
def test_prefetched_candidates_are_the_primitives_rows(neo4j_demo: Chanjiao, program: str) -> None:
    # What the demo's occupations require (with their exact matches, at their levels, and an unknown one),
    # developed outside a program: the best one of each, then what gaps shows of them.
    def wanted_of(r: GraphReader) -> list[Wanted]:
        required = {row.competency: row.level for row in r.requirements(OCCUPATIONS)}
        matches = r.matches(sorted(required), ("EXACT_MATCH",))
        counting = {c: (c, *sorted(m.other for m in matches if m.competency == c)) for c in required}
        return [Wanted(c, counting[c], required[c]) for c in sorted(required)] + [
            Wanted("comp:NOPE", ("comp:NOPE",), 3)
        ]

    wanted = neo4j_demo.store.read(wanted_of)
    outside = sorted({i.course for i in neo4j_demo.store.read(lambda r: r.includes(programs=[program]))})
    extra = ["emp:WX-LANXIN", "lt:NOPE"]

    def ahead(r: GraphReader) -> dict[str, Any]:
        r.prefetch_candidates(wanted, outside, 1, extra)
        r._tx = _Offline()  # type: ignore[attr-defined]
        return _shown(r, wanted, outside, extra)

    one_by_one = neo4j_demo.store.read(lambda r: _shown(r, wanted, outside, extra))
    assert neo4j_demo.store.read(ahead) == one_by_one
    listed = sum(len(d.best) for d in one_by_one["developers"].values())
    if program == "program:NOPE":  # nothing outside: several courses develop some competencies, one is kept
        assert sum(d.count for d in one_by_one["developers"].values()) > listed
    assert one_by_one["includes"] and one_by_one["supports"]


def test_round_trips_of_coverage_and_gaps(neo4j_demo: Chanjiao) -> None:
    # Coverage reads nothing beyond its prefetch; gaps adds one statement for its candidates (the developers
    # of its gaps) and what it shows of them. They were 9 and 15 statements one primitive at a time.
    iram, operator = "program:IRAM", "csco:6-31-07-03"
    assert statements_of(neo4j_demo, lambda q: q.coverage(iram, operator)) == 1
    assert statements_of(neo4j_demo, lambda q: q.gaps(iram, operator, 3)) == 2


def test_an_alignment_through_a_hub_is_read_ahead(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, schema: Schema
) -> None:
    # Frameworks are aligned hub and spoke (each to ESCO): A, required, matches the hub H, and B, developed,
    # matches H too. The class {A, H, B} is closed in three steps (H; B; then nothing new): all in the prefetch.
    # It took a second statement when the prefetch read two steps (15 of the bench's 20 ×16 questions did).
    service = Chanjiao(make_store("neo4j", request, tmp_path_factory.mktemp("hub"), schema, keep_rows=0))
    competencies = [
        NodeRecord("Competency", f"comp:{n}", {"name_en": n, "dimension": "professional", "kind": "skill"})
        for n in "AHB"
    ]
    nodes = [
        NodeRecord("Occupation", "occ:O", {"name_zh": "职业"}),
        NodeRecord("Program", "prog:P", {"name_zh": "专业"}),
        NodeRecord("Course", "course:C", {"name_zh": "课程", "category": "integrated"}),
        *competencies,
    ]
    edges = [
        EdgeRecord("REQUIRES", "occ:O", "comp:A", {"level": 2}),
        EdgeRecord("EXACT_MATCH", "comp:A", "comp:H", {}),
        EdgeRecord("EXACT_MATCH", "comp:B", "comp:H", {}),
        EdgeRecord("TARGETS", "prog:P", "occ:O", {"level": 2}),
        EdgeRecord("INCLUDES", "prog:P", "course:C", {"semester": 1}),
        EdgeRecord("DEVELOPS", "course:C", "comp:B", {"level": 3}),
    ]
    service.upsert(nodes, edges, source="hub")
    assert statements_of(service, lambda q: q.coverage("prog:P", "occ:O")) == 1
    answer = Questions(service.store).coverage("prog:P", "occ:O")
    assert [(c.competency, c.status, c.developed_level) for c in answer.competencies] == [("comp:A", "covered", 3)]


def test_rows_let_go_while_a_question_reads_are_read_again() -> None:
    # A primitive read by id reads only the ids not kept; if another question's settling lets the kept ones go
    # meanwhile (a full generation, ``Prefetched.evict``), they are read too rather than answered as missing.
    kept, seed = Prefetched(), Prefetched()
    seed.put("tasks", ["occ:A"], [TaskRow("occ:A", "task:1")])
    kept.merge(seed)
    reads: list[list[str]] = []

    def read(ids: list[str]) -> list[TaskRow]:
        reads.append(ids)
        kept.evict(0)
        return [TaskRow(i, f"task:{i}") for i in ids]

    rows = _Reader(None, None, Prefetched(base=kept))._rows("tasks", ["occ:A", "occ:B"], read)  # type: ignore[arg-type]
    assert reads == [["occ:B"], ["occ:A"]]
    assert rows == [TaskRow("occ:A", "task:occ:A"), TaskRow("occ:B", "task:occ:B")]
