"""What a Neo4j store keeps of earlier questions' reads, and that a write by anyone makes it forget.

The truth each answer is held to is a store that keeps nothing (``keep_rows=0``), asked of the same database.
The writes come from another client through the driver, as an analyst's from the Neo4j Browser would: the
store sees them only through the bookmarks its transactions end with (``graph.neo4j_kept``).
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from graph import neo4j_kept
from graph.errors import InvalidInputError
from graph.neo4j_store import Neo4jStore
from graph.questions import Questions
from graph.records import NodeRecord
from graph.service import Chanjiao
from graph.store import GraphReader
from loaders.pipeline import load
from loaders.sources import DEMO_PATH
from loaders.workbook import read_workbook
from ontology.schema import Schema
from tests.conftest import make_store, statements_of, statements_run

PROGRAM, OCCUPATION = "program:IRAM", "csco:6-31-07-03"


@pytest.fixture
def kept(request: pytest.FixtureRequest, tmp_path: Any, schema: Schema) -> Chanjiao:
    """The demo in Neo4j, through a store that keeps what it reads."""
    service = Chanjiao(make_store("neo4j", request, tmp_path, schema))
    load(service, read_workbook(DEMO_PATH, service.schema), source="demo")
    return service


@pytest.fixture
def truth(kept: Chanjiao) -> Questions:
    """The questions through a store of the same database that keeps nothing."""
    store = kept.store
    assert isinstance(store, Neo4jStore)
    return Questions(Neo4jStore(store.driver, store.schema, keep_rows=0))


def elsewhere(service: Chanjiao, query: str, **params: Any) -> None:
    """Run ``query`` as another client would: an auto-commit statement of its own session."""
    store = service.store
    assert isinstance(store, Neo4jStore)
    with store.driver.session(database=store.database) as session:
        session.run(query, params).consume()


def kept_size(service: Chanjiao) -> int:
    return service.store._keeper.current().rows.size  # type: ignore[attr-defined]


def test_a_question_asked_again_runs_no_statement_and_answers_the_same(kept: Chanjiao, truth: Questions) -> None:
    # The demo was loaded through this store, whose write began the generation the first question keeps into.
    assert statements_of(kept, lambda q: q.gaps(PROGRAM, OCCUPATION)) == 2
    first = kept.questions.gaps(PROGRAM, OCCUPATION)
    assert statements_of(kept, lambda q: q.gaps(PROGRAM, OCCUPATION)) == 0
    assert statements_of(kept, lambda q: q.coverage(PROGRAM, OCCUPATION)) == 1  # its prefetch is not gaps'
    assert statements_of(kept, lambda q: q.coverage(PROGRAM, OCCUPATION)) == 0
    assert kept.questions.gaps(PROGRAM, OCCUPATION) == first == truth.gaps(PROGRAM, OCCUPATION)
    assert kept.questions.coverage(PROGRAM, OCCUPATION) == truth.coverage(PROGRAM, OCCUPATION)
    assert first.gaps and kept_size(kept) > 0


def test_rows_read_by_id_outside_a_prefetch_are_kept_too(kept: Chanjiao, truth: Questions) -> None:
    # The rankings read every occupation's requirements by id (no prefetch covers them): kept, the next asks
    # read only what is not read by id.
    def ask(q: Questions) -> Any:
        return q.match_occupations(PROGRAM, 3)

    counts = [statements_of(kept, ask) for _ in range(3)]
    assert counts[0] > counts[1] == counts[2] > 0
    assert ask(kept.questions) == ask(truth)


def test_a_write_by_another_client_is_in_the_next_answer(kept: Chanjiao, truth: Questions) -> None:
    before = kept.questions.coverage(PROGRAM, OCCUPATION)
    kept.questions.coverage(PROGRAM, OCCUPATION)  # the second ask is answered from what was kept
    assert any(c.status == "covered" for c in before.competencies)
    elsewhere(
        kept,
        "MATCH (:Program {id: $p})-[:INCLUDES]->(:Course)-[:HAS_LEARNING_TASK*0..1]->()-[d:DEVELOPS]->() DELETE d",
        p=PROGRAM,
    )
    after = kept.questions.coverage(PROGRAM, OCCUPATION)  # through the kept rows, then again reading everything
    assert after == truth.coverage(PROGRAM, OCCUPATION) != before
    assert not any(c.status == "covered" for c in after.competencies)
    assert statements_of(kept, lambda q: q.coverage(PROGRAM, OCCUPATION)) == 0  # what it read again was kept


def test_a_question_after_the_stores_own_write_keeps_what_it_reads(kept: Chanjiao, truth: Questions) -> None:
    # A write through the store starts the next generation from its own bookmark, so even a question that uses
    # no kept rows (this pair was never asked) keeps what it reads.
    program, occupation = "program:EAEM", "csco:6-31-01-03"
    for _ in range(2):
        kept.questions.gaps(PROGRAM, OCCUPATION)
    course = NodeRecord("Course", "course:NEW", {"name_zh": "新课程", "category": "integrated"})
    kept.upsert([course], [], source="elsewhere")
    assert statements_of(kept, lambda q: q.coverage(program, occupation)) == 1
    assert statements_of(kept, lambda q: q.coverage(program, occupation)) == 0
    assert kept.questions.coverage(program, occupation) == truth.coverage(program, occupation)


def _during(service: Chanjiao, write: Callable[[], None]) -> None:
    """Have the store's next read run ``write`` (once) after its question has begun."""
    store = service.store
    original = store.read
    written = False

    def read(work: Callable[[GraphReader], Any]) -> Any:
        def writing(r: GraphReader) -> Any:
            nonlocal written
            if not written:
                written = True
                write()
            return work(r)

        return original(writing)

    store.read = read  # type: ignore[method-assign]


def test_a_write_committed_while_a_question_runs_has_it_asked_again(kept: Chanjiao, truth: Questions) -> None:
    before = kept.questions.gaps(PROGRAM, OCCUPATION)
    assert kept.questions.gaps(PROGRAM, OCCUPATION) == before  # the second keeps what it read
    query = "MATCH (:Program {id: $p})-[t:TARGETS]->(:Occupation {id: $o}) SET t.level = $level"
    level = 1 if before.level != 1 else 2
    _during(kept, lambda: elsewhere(kept, query, p=PROGRAM, o=OCCUPATION, level=level))
    try:
        during = kept.questions.gaps(PROGRAM, OCCUPATION)  # begun on the kept rows, which the write outdated
    finally:
        del kept.store.read
    assert during == truth.gaps(PROGRAM, OCCUPATION) != before
    assert during.level == level


def test_an_error_from_kept_rows_is_checked_against_the_database(kept: Chanjiao, truth: Questions) -> None:
    program = "program:EAEM"  # which does not target the occupation
    with pytest.raises(InvalidInputError, match="does not target"):
        truth.coverage(program, OCCUPATION)
    for _ in range(2):
        kept.questions.coverage(program, OCCUPATION, 2)  # the second keeps the program's targets
    elsewhere(
        kept,
        "MATCH (p:Program {id: $p}), (o:Occupation {id: $o}) MERGE (p)-[t:TARGETS]->(o) SET t.level = 2",
        p=program,
        o=OCCUPATION,
    )
    assert kept.questions.coverage(program, OCCUPATION) == truth.coverage(program, OCCUPATION)


def test_what_is_kept_stays_within_the_limit(kept: Chanjiao, truth: Questions) -> None:
    store = kept.store
    assert isinstance(store, Neo4jStore)
    kept.questions.gaps(PROGRAM, OCCUPATION)
    kept.questions.gaps(PROGRAM, OCCUPATION)
    one = kept_size(kept)
    limited = Chanjiao(Neo4jStore(store.driver, store.schema, keep_rows=one + 1))
    other = ("program:EAEM", "csco:6-31-01-03")
    sizes = []
    for program, occupation in [(PROGRAM, OCCUPATION), other, (PROGRAM, OCCUPATION), other]:
        assert limited.questions.gaps(program, occupation) == truth.gaps(program, occupation)
        sizes.append(kept_size(limited))
    # the first learns which state it read, and keeps nothing; then within the limit, never started again empty
    assert min(sizes[1:]) > 0 and max(sizes) <= one + 1
    # the last question's rows are kept; the rows kept first were let go for them
    assert statements_of(limited, lambda q: q.gaps(*other)) == 0
    assert statements_of(limited, lambda q: q.gaps(PROGRAM, OCCUPATION)) > 0
    assert limited.questions.gaps(PROGRAM, OCCUPATION) == truth.gaps(PROGRAM, OCCUPATION)
    nothing = Chanjiao(Neo4jStore(store.driver, store.schema, keep_rows=0))
    for _ in range(2):
        assert statements_of(nothing, lambda q: q.gaps(PROGRAM, OCCUPATION)) == 2
    assert kept_size(nothing) == 0


def test_kept_rows_are_out_of_the_collectors_sight(kept: Chanjiao, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(neo4j_kept, "FREEZE_EVERY", 1)
    kept.questions.gaps(PROGRAM, OCCUPATION)
    kept.questions.gaps(PROGRAM, OCCUPATION)
    rows = kept.store._keeper.current().rows._rows["requirements"][OCCUPATION]  # type: ignore[attr-defined]
    assert rows and gc.is_tracked(rows) and id(rows) not in {id(o) for o in gc.get_objects()}


def test_threads_asking_while_another_client_writes_get_the_databases_answers(kept: Chanjiao, truth: Questions) -> None:
    # The program's target level flips between 2 and 3 while four threads ask gaps at the level it targets:
    # each answer must be the whole answer at the level it names, never kept rows of one with the other's.
    query = "MATCH (:Program {id: $p})-[t:TARGETS]->(:Occupation {id: $o}) SET t.level = $level"
    expected = {level: truth.gaps(PROGRAM, OCCUPATION, level) for level in (2, 3)}
    assert expected[2].gaps != expected[3].gaps
    answers: list[Any] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def ask() -> None:
        try:
            while not stop.is_set():
                answers.append(kept.questions.gaps(PROGRAM, OCCUPATION))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for flip in range(20):
        elsewhere(kept, query, p=PROGRAM, o=OCCUPATION, level=2 + flip % 2)
        time.sleep(0.05)
    stop.set()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(answers) > 20
    for answer in answers:
        assert answer == expected[answer.level]
    assert {a.level for a in answers} == {2, 3}
    assert kept.questions.gaps(PROGRAM, OCCUPATION) == expected[3]  # the last flip set 3


def test_a_ranking_reads_only_the_requirements_not_kept(kept: Chanjiao, truth: Questions) -> None:
    # A ranking at ×16 asks for the requirements of thousands of occupations, most of them read by the ranking
    # before it: only the others are read (bench/analysis.md, round 20).
    store = kept.store
    assert isinstance(store, Neo4jStore)

    def requirements_read(ask: Callable[[Questions], Any]) -> tuple[Any, set[str]]:
        answer, run = statements_run(kept, ask)
        return answer, {i for query, params in run if query == store._questions.requirements for i in params["ids"]}

    kept.questions.coverage(PROGRAM, OCCUPATION)  # the pair's occupation, read ahead by its prefetch
    answer, ranked = requirements_read(lambda q: q.match_occupations(PROGRAM, 3))
    assert answer == truth.match_occupations(PROGRAM, 3)
    assert ranked and OCCUPATION not in ranked, "the occupation read ahead was read again"
    assert OCCUPATION in truth.match_occupations(PROGRAM, 3).ids()  # it was asked for
    answer, again = requirements_read(lambda q: q.match_occupations("program:EAEM", 3))
    assert answer == truth.match_occupations("program:EAEM", 3)
    assert not again & (ranked | {OCCUPATION}), "occupations the first ranking read were read again"
