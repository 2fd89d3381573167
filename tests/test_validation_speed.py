"""What load-time validation does to stay fast (bench/analysis.md, "Miss 5"), and that it changes no answer:
per-schema tables of converters instead of ``PropertyDef.coerce`` per value, whole numbers without a Decimal,
endpoints tested in one go, a quick acyclicity test before networkx names any cycle, the garbage collector
paused while a check runs (and a load's write after it).

The short ways must accept exactly what ``coerce`` accepts, convert it to the same value, and refuse the rest
with ``coerce``'s own message; the rules that look at the whole batch must report the same problems in the
same order.
"""

from __future__ import annotations

import dataclasses
import gc
import random
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from graph.embedded import EmbeddedStore
from graph.records import Edge, EdgeRecord, NodeRecord
from graph.service import Chanjiao
from graph.validation import _coercer, _has_cycle, _tables, check
from loaders.pipeline import Parsed, load
from loaders.sources import DEMO_PATH
from loaders.workbook import read_workbook
from ontology.schema import PropertyDef, Schema, _to_integer, load_schema

SCHEMA = load_schema()


class Text(str):
    """Text that is not exactly ``str`` (it takes ``coerce``'s own way)."""


class Whole(int):
    """A whole number that is not exactly ``int`` (it takes ``_to_integer``'s way through a Decimal)."""


VALUES: list[Any] = [
    None, "", "  ", "\t", "abc", " abc ", "a b", "3", " 3 ", "3.0", "3.5", "1e3", "-1", "0", "6", "٣", "１２", "1_000",
    "1e99999999", "99999999999999999999", "Infinity", "NaN", "inf", 3, 0, -1, 6, 1949, 2100, 2101, 2**63 - 1, 2**63,
    -(2**63), 2**70, 3.0, 3.5, float("nan"), float("inf"), True, False, "是", "否", "yes", " TRUE ", "√", "×",
    "2025-02-30", "2025-03-01", " 2025-03-01 ", "2025/03/01", datetime(2025, 3, 1, 12), date(2025, 3, 1),
    Decimal("3"), Decimal("NaN"), "http://x", " http://x ", "http://x y", "urn:a", "not a uri", "a|b|a", "|",
    " | x |", "a||b", ["a", "b", "a"], ["a", 1], [" "], [], ["a", None], [" b ", "b"], ("a", "b"), {"a": 1}, b"x",
    "professional", " professional ", "PROFESSIONAL", "skill", "integrated", "school", "x" * 600, "\x00", "a\nb",
    Text("professional"), Text(" x "), Text("3"), Text(""), [Text("a"), "a"],
]  # fmt: skip


def outcome(convert: Any, value: Any) -> tuple[Any, ...]:
    """What converting ``value`` gives: the value with its type(s), or the error with its message."""
    try:
        got = convert(value)
    except Exception as exc:  # any error: it must be the same error
        return ("raised", type(exc), str(exc))
    kinds = [type(v) for v in got] if isinstance(got, list) else type(got)
    return ("value", repr(got), kinds)


def properties(schema: Schema) -> list[PropertyDef]:
    found = {p.iri: p for c in schema.classes.values() for p in c.properties.values()}
    found |= {p.iri: p for r in schema.relationships.values() for p in r.properties.values()}
    return list(found.values())


@pytest.mark.parametrize("prop", properties(SCHEMA), ids=lambda p: p.iri.rsplit("#", 1)[-1])
def test_every_property_converts_as_coerce_does(prop: PropertyDef) -> None:
    convert = _coercer(prop)
    enum = [str(n) for n in prop.enumeration.notations] if prop.enumeration else []
    for value in [*VALUES, *enum, *(f" {n} " for n in enum), "|".join(enum), enum]:
        assert outcome(convert, value) == outcome(prop.coerce, value), (prop.name, value)


@pytest.mark.parametrize("multi_valued", [False, True])
@pytest.mark.parametrize("datatype", ["string", "uri", "boolean", "integer", "number", "date"])
def test_bounds_and_lists_are_tested_as_coerce_tests_them(datatype: str, multi_valued: bool) -> None:
    """Shapes the ontology may come to have: any datatype, bounded or not, single or multi-valued."""
    base = PropertyDef("p", "urn:p", datatype, "p", "p", "")
    bounds = [(None, None), (1, 5), (0, None), (None, 100)] if datatype in ("integer", "number") else [(None, None)]
    for low, high in bounds:
        prop = dataclasses.replace(base, minimum=low, maximum=high, multi_valued=multi_valued)
        convert = _coercer(prop)
        for value in [*VALUES, "1|2|6", "2|2", ["1", "7"], ["true", "no"]]:
            assert outcome(convert, value) == outcome(prop.coerce, value), (prop, value)


@given(st.one_of(st.integers(), st.text("0123456789٣ +-_.e", max_size=24)))
@example("9" * 18)
@example("9" * 19)
@example(" " + "9" * 18)
@example("٣" * 3)
@example(2**63 - 1)
@example(2**63)
@example(-(2**63) - 1)
def test_whole_numbers_convert_the_short_way_as_through_a_decimal(value: int | str) -> None:
    slow = Whole(value) if isinstance(value, int) else Text(value)
    assert outcome(_to_integer, value) == outcome(_to_integer, slow)


def test_an_id_among_a_nodes_properties_is_the_nodes_own_and_not_written_as_a_property() -> None:
    props = {"id": " course:B ", "name_zh": " 课 ", "category": "integrated"}
    batch, problems = check(SCHEMA, [NodeRecord("Course", "course:A", props)], [], lambda ids: {})
    assert problems == []
    assert [(n.id, n.props) for n in batch.nodes] == [("course:A", {"name_zh": "课", "category": "integrated"})]


def test_the_tables_are_built_once_per_schema() -> None:
    assert _tables(SCHEMA) is _tables(SCHEMA)
    other = dataclasses.replace(SCHEMA, classes=dict(SCHEMA.classes))
    assert _tables(other) is not _tables(SCHEMA)
    assert _tables(other).classes.keys() == SCHEMA.classes.keys()


def test_the_acyclicity_test_agrees_with_networkx() -> None:
    rng = random.Random(5)
    for _ in range(300):
        size = rng.randint(1, 12)
        pairs = [(f"n{rng.randrange(size)}", f"n{rng.randrange(size)}") for _ in range(rng.randint(0, 18))]
        if rng.random() < 0.5:  # mostly without self-loops, which nearly always make a cycle
            pairs = [(s, t) for s, t in pairs if s != t]
        assert _has_cycle(pairs) == (not nx.is_directed_acyclic_graph(nx.DiGraph(pairs))), pairs


# -- whole batches: the demo, with the mistakes people make


@pytest.fixture(scope="module")
def demo() -> tuple[list[NodeRecord], list[EdgeRecord]]:
    parsed = read_workbook(DEMO_PATH, SCHEMA)
    return parsed.nodes, parsed.edges


def reasons(problems: list[Any]) -> list[str]:
    return [str(p) for p in problems]


def test_the_demo_is_valid_and_comes_back_normalised(demo: tuple[list[NodeRecord], list[EdgeRecord]]) -> None:
    nodes, edges = demo
    batch, problems = check(SCHEMA, nodes, edges, lambda ids: {}, "demo")
    assert problems == []
    assert len(batch.nodes) == len(nodes) and len(batch.edges) == len(edges)
    course = next(n for n in batch.nodes if n.id == "course:GE-101")
    assert course.props["hours"] == 144 and course.props["source"] == "demo"
    demands = next(e for e in batch.edges if e.type == "DEMANDS")
    assert isinstance(demands.props["year"], int) and isinstance(demands.props["headcount"], int)
    assert batch.endpoint_labels["course:GE-101"] == "Course"


def test_a_repeated_relationship_names_the_first_and_keys_tell_apart(
    demo: tuple[list[NodeRecord], list[EdgeRecord]],
) -> None:
    nodes, edges = demo
    first = next(e for e in edges if e.type == "DEMANDS")
    same = EdgeRecord("DEMANDS", first.source, first.target, {**first.props, "headcount": "1"}, "again")
    other_year = EdgeRecord("DEMANDS", first.source, first.target, {**first.props, "year": "2030"}, "next year")
    unlocated = EdgeRecord("PREREQUISITE_OF", "course:GE-103", "course:IR-301")
    batch, problems = check(SCHEMA, nodes, [*edges, same, other_year, unlocated], lambda ids: {}, "demo")
    assert reasons(problems) == [
        f"again: duplicate relationship (first at {first.where()})",
        "PREREQUISITE_OF 'course:GE-103' -> 'course:IR-301': "
        "duplicate relationship (first at PREREQUISITE_OF.csv row 2)",
    ]
    assert len(batch.edges) == len(edges) + 1


def test_bad_endpoints_and_bad_values_are_all_reported_in_order(
    demo: tuple[list[NodeRecord], list[EdgeRecord]],
) -> None:
    nodes, edges = demo
    bad = [
        EdgeRecord("PREREQUISITE_OF", "course:GE-101", "course:GE-101", {}, "self"),
        EdgeRecord("PREREQUISITE_OF", "course:GE-101", "comp:P-01", {"bogus": 1}, "wrong class"),
        EdgeRecord("PREREQUISITE_OF", "nowhere", "course:GE-101", {}, "dangling"),
        EdgeRecord("DEMANDS", "emp:SZ-HENGCHUAN", "csco:6-31-07-03", {"year": "soon", "level": 3}, "values"),
        EdgeRecord("NOPE", "course:GE-101", "course:GE-102", {}, "unknown type"),
    ]
    _, problems = check(SCHEMA, nodes, [*edges, *bad], lambda ids: {}, "demo")
    assert [(p.location, p.field, p.reason.split(":")[0]) for p in problems] == [
        ("self", "to", "PREREQUISITE_OF cannot join a node to itself"),
        ("wrong class", "to", "is a Competency, but PREREQUISITE_OF to must be one of"),
        ("wrong class", "bogus", "unknown property; allowed"),
        ("dangling", "from", "refers to a node that is neither in this load nor in the graph"),
        ("values", "year", "'soon' is not a whole number"),
        ("values", "headcount", "is required"),
        ("unknown type", None, "unknown relationship type 'NOPE'; known"),
    ]


def test_cycles_are_named_as_networkx_finds_them(demo: tuple[list[NodeRecord], list[EdgeRecord]]) -> None:
    nodes, edges = demo
    back = EdgeRecord("PREREQUISITE_OF", "course:IR-301", "course:GE-103", {}, "back")
    stored = [
        Edge("PREREQUISITE_OF", "course:IR-301", "course:X", {}),
        Edge("PREREQUISITE_OF", "course:X", "course:GE-101", {}),
    ]
    closing = EdgeRecord("PREREQUISITE_OF", "course:GE-101", "course:IR-301", {}, "through the store")

    def adjacent(ids: list[str], rel_type: str, outgoing: bool) -> list[Edge]:
        return [e for e in stored if e.type == rel_type and e.source in ids]

    _, problems = check(SCHEMA, nodes, [*edges, back, closing], lambda ids: {}, "demo", adjacent)
    # As networkx's find_cycle walks them (the messages the validation gave before it had a quicker test): the
    # culprit is the cycle's first new relationship, here the demo's own row rather than the one added.
    assert reasons(problems) == [
        "PREREQUISITE_OF.csv row 2, field 'to' = 'course:IR-301': PREREQUISITE_OF would close a cycle: "
        "course:GE-103 → course:IR-301 → course:GE-103",
        "through the store, field 'to' = 'course:IR-301': PREREQUISITE_OF would close a cycle: "
        "course:IR-301 → course:X → course:GE-101 → course:IR-301",
    ]


# -- the collector, paused while a check runs


def test_the_collector_is_paused_during_a_check_and_resumed_after(
    demo: tuple[list[NodeRecord], list[EdgeRecord]],
) -> None:
    nodes, edges = demo
    during = []

    def labels(ids: list[str]) -> dict[str, str]:
        during.append(gc.isenabled())
        # A check inside a check (another thread's, say) leaves the collector to the outer one.
        check(SCHEMA, nodes[:3], [], lambda ids: {}, "inner")
        during.append(gc.isenabled())
        return {}

    assert gc.isenabled()
    check(SCHEMA, nodes, edges, labels, "demo")
    assert during == [False, False] and gc.isenabled()


def test_the_collector_is_resumed_when_a_check_fails() -> None:
    bad = EdgeRecord("BROADER", ["not", "an", "id"], "x")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        check(SCHEMA, [], [bad], lambda ids: {}, "hostile")
    assert gc.isenabled()


def test_a_load_is_checked_and_written_in_one_pause(
    demo: tuple[list[NodeRecord], list[EdgeRecord]], tmp_path: Path
) -> None:
    # Paused apart, the collector walked the checked batch when it resumed and again as the write began.
    store = EmbeddedStore(tmp_path / "chanjiao.db", SCHEMA)
    collections: list[int] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    gc.callbacks.append(seen)
    try:
        report = load(Chanjiao(store), Parsed(*demo), source="demo")
    finally:
        gc.callbacks.remove(seen)
        store.close()
    assert report.summary.nodes_created == len(demo[0])
    assert collections[-1:] == [1] and collections.count(1) == 1  # the young generations as the check began; none after
    assert gc.isenabled()


def test_a_collector_disabled_before_stays_disabled(demo: tuple[list[NodeRecord], list[EdgeRecord]]) -> None:
    gc.disable()
    try:
        check(SCHEMA, *demo, lambda ids: {}, "demo")
        assert not gc.isenabled()
    finally:
        gc.enable()
