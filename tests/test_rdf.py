"""RDF export and import (loaders/rdf.py): exact round trips on every store, program scope, bad input."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from rdflib import RDF, XSD, Graph, Literal

from graph.embedded import EmbeddedStore
from graph.errors import NotFoundError, ValidationError
from graph.records import EdgeRecord, NodeRecord
from graph.service import Chanjiao
from graph.store import GraphStore
from loaders.pipeline import load
from loaders.rdf import export_rdf, node_iri, read_rdf
from loaders.sources import DEMO_PATH, READERS
from ontology.schema import CJ

EXTENSIONS = {"turtle": ".ttl", "json-ld": ".jsonld"}


# -- helpers


def typed(value: Any) -> Any:
    """A value with its Python type made part of it, so 3 and 3.0 (or 1 and True) compare unequal."""
    if isinstance(value, list):
        # RDF repeated values have no order, so a multi-valued property compares as a sorted list.
        return ("list", sorted((typed(v) for v in value), key=repr))
    return (type(value).__name__, value)


def snapshot(store: GraphStore) -> dict[str, Any]:
    """Everything in the store: counts, every node with all properties, every edge with all properties."""
    labels, types = store.counts()
    nodes: dict[str, Any] = {}
    for label in store.schema.classes:
        page, total = store.list_nodes(label, 0, 100_000)
        assert len(page) == total
        for n in page:
            nodes[n.id] = (n.label, {k: typed(v) for k, v in n.props.items()})
    edges = {
        (e.source, e.type, e.target, tuple(sorted((k, typed(v)) for k, v in e.props.items())))
        for e in store.adjacent(sorted(nodes))
    }
    return {"labels": labels, "types": types, "nodes": nodes, "edges": sorted(edges, key=repr)}


def fresh(service: Chanjiao, tmp_path: Path) -> Chanjiao:
    """An empty store of the same kind: a new file, or (Neo4j has one database) the same one cleared."""
    if service.store.kind == "embedded":
        return Chanjiao(EmbeddedStore(tmp_path / "imported.db", service.schema))
    service.store.clear()
    return service


def demo_rows(name: str) -> list[dict[str, str]]:
    with (DEMO_PATH / f"{name}.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def ends(rel_type: str) -> list[tuple[str, str]]:
    return [(r["from"], r["to"]) for r in demo_rows(rel_type)]


# -- round trips


@pytest.mark.parametrize("fmt", ["turtle", "json-ld"])
def test_demo_round_trip_is_exact(demo: Chanjiao, tmp_path: Path, fmt: str) -> None:
    before = snapshot(demo.store)
    assert before["edges"] and all(props for *_, props in before["edges"])  # every edge needs a statement
    path = tmp_path / f"demo{EXTENSIONS[fmt]}"
    text = export_rdf(demo, fmt, path=path)  # type: ignore[arg-type]
    assert path.read_text(encoding="utf-8") == text

    target = fresh(demo, tmp_path)
    report = load(target, READERS["rdf"](path, target.schema), source="rdf-import")

    assert report.summary.nodes_created == len(before["nodes"]) == sum(before["labels"].values())
    assert report.summary.edges_created == len(before["edges"]) == sum(before["types"].values())
    assert snapshot(target.store) == before


def test_round_trip_keeps_types_keys_and_odd_ids(service: Chanjiao, tmp_path: Path) -> None:
    """Ids that need encoding, int vs float, false, key properties, both 'type' keys, edges without properties."""
    nodes = [
        NodeRecord("Employer", "emp:A/数控&x", {"name_zh": "甲 公司", "alt_labels": ["乙", "A Co.", "a co"]}),
        NodeRecord("Occupation", "esco:occupation/1?x=1#y", {"name_en": "Welder", "classification_level": 4}),
        NodeRecord("Competency", "comp:int", {"name_en": "x", "dimension": "social", "kind": "attitude"}),
        NodeRecord("Program", "program:P", {"code": "0112", "duration_years": 3}),
        NodeRecord("Resource", "res:R", {"type": "micro_video", "url": "https://example.org/v?id=1"}),
        NodeRecord("Teacher", "teacher:T", {"dual_qualified": False, "enterprise_years": 0}),
        NodeRecord("TypicalWorkTask", "task:T", {"order": 1}),
        NodeRecord("Course", "course:C", {"category": "integrated"}),
    ]
    edges = [
        EdgeRecord("DEMANDS", "emp:A/数控&x", "esco:occupation/1?x=1#y", {"year": 2025, "headcount": 3}),
        EdgeRecord("DEMANDS", "emp:A/数控&x", "esco:occupation/1?x=1#y", {"year": 2026, "headcount": 5, "level": 2}),
        EdgeRecord("PARTNERS_WITH", "emp:A/数控&x", "program:P", {"type": "order_class", "since": 2020}),
        EdgeRecord("REQUIRES", "task:T", "comp:int", {"importance": 4, "level": 2, "essential": False}),
        EdgeRecord("REQUIRES", "esco:occupation/1?x=1#y", "comp:int", {"importance": 4.5}),
        EdgeRecord("HAS_TASK", "esco:occupation/1?x=1#y", "task:T", {}),  # no properties: no statement
        EdgeRecord("SUPPORTS", "res:R", "course:C", {}),
    ]
    service.upsert(nodes, edges)  # no source: nothing is added to the items
    before = snapshot(service.store)
    for fmt, ext in EXTENSIONS.items():
        path = tmp_path / f"odd{ext}"
        export_rdf(service, fmt, path=path)  # type: ignore[arg-type]
        parsed = read_rdf(path, service.schema)
        target = Chanjiao(EmbeddedStore(tmp_path / f"odd-{fmt}.db", service.schema))
        target.upsert(parsed.nodes, parsed.edges)
        assert snapshot(target.store) == before, fmt

    graph = Graph().parse(tmp_path / "odd.ttl", format="turtle")
    resource, employer = node_iri("res:R"), node_iri("emp:A/数控&x")
    assert (resource, CJ.resource_type, Literal("micro_video")) in graph
    assert (employer, CJ.name_zh, Literal("甲 公司", lang="zh")) in graph
    assert len(list(graph.objects(employer, CJ.alt_labels))) == 3
    partnership = next(graph.subjects(RDF.predicate, CJ.PARTNERS_WITH))
    assert (partnership, CJ.partnership_type, Literal("order_class")) in graph
    assert (partnership, CJ.since, Literal("2020", datatype=XSD.integer)) in graph
    assert len(list(graph.subjects(RDF.predicate, CJ.DEMANDS))) == 2
    assert len(list(graph.subjects(RDF.type, RDF.Statement))) == 5  # the two edges without properties have none
    assert (node_iri("teacher:T"), CJ.dual_qualified, Literal("false", datatype=XSD.boolean)) in graph


def program_expected(program: str) -> set[str]:
    """The scope of export_rdf(program_id=...), computed independently from the demo's CSV files."""
    courses = {t for f, t in ends("INCLUDES") if f == program}
    occupations = {t for f, t in ends("TARGETS") if f == program}
    learning_tasks = {t for f, t in ends("HAS_LEARNING_TASK") if f in courses}
    work_tasks = {t for f, t in ends("HAS_TASK") if f in occupations}
    taught = courses | learning_tasks
    return (
        {program}
        | {f for f, t in ends("OFFERS") if t == program}
        | courses
        | occupations
        | learning_tasks
        | work_tasks
        | {t for f, t in ends("DEVELOPS") if f in taught}
        | {t for f, t in ends("REQUIRES") if f in occupations | work_tasks}
        | {f for f, t in ends("SUPPORTS") if t in taught}
        | {f for f, t in ends("HOSTS") if t in taught}
        | {f for f, t in ends("TEACHES") if t in courses}
    )


@pytest.mark.parametrize("program", ["program:IRAM", "program:EAEM"])
def test_program_subgraph_round_trip(demo: Chanjiao, tmp_path: Path, program: str) -> None:
    expected = program_expected(program)
    before = snapshot(demo.store)
    path = tmp_path / "program.ttl"
    export_rdf(demo, "turtle", program_id=program, path=path)

    target = fresh(demo, tmp_path)
    load(target, read_rdf(path, target.schema), source="rdf-import")
    after = snapshot(target.store)

    assert set(after["nodes"]) == expected
    assert after["nodes"] == {i: before["nodes"][i] for i in expected}
    induced = [e for e in before["edges"] if e[0] in expected and e[2] in expected]
    assert after["edges"] == induced
    assert not any(label == "Employer" for label, _ in after["nodes"].values())


def test_program_export_needs_a_program(demo: Chanjiao) -> None:
    with pytest.raises(NotFoundError):
        export_rdf(demo, "turtle", program_id="course:IR-301")
    with pytest.raises(NotFoundError):
        export_rdf(demo, "turtle", program_id="program:NOPE")


# -- bad input


def test_malformed_turtle_names_file_and_line(demo: Chanjiao, tmp_path: Path) -> None:
    path = tmp_path / "broken.ttl"
    path.write_text(
        "@prefix cj: <https://w3id.org/chanjiao/ontology#> .\n"
        "<https://w3id.org/chanjiao/id/x> a cj:Region ;\n"
        '    cj:id "region:new" ;\n'
        '    cj:name_en "unterminated ;\n'
        "    cj:code 1 .\n",
        encoding="utf-8",
    )
    before = demo.store.counts()
    with pytest.raises(ValidationError) as caught:
        load(demo, read_rdf(path, demo.schema), source="rdf")
    assert "broken.ttl line 4" in str(caught.value)
    assert demo.store.counts() == before


def test_malformed_json_ld_names_line_and_column(tmp_path: Path, schema) -> None:
    path = tmp_path / "broken.jsonld"
    path.write_text('{\n  "@id": "https://w3id.org/chanjiao/id/x",\n  "@type": ,\n}\n', encoding="utf-8")
    with pytest.raises(ValidationError, match=r"broken\.jsonld line 3 column 12"):
        read_rdf(path, schema)


def test_remote_json_ld_context_is_refused(tmp_path: Path, schema) -> None:
    path = tmp_path / "remote.jsonld"
    path.write_text('{"@context": "https://example.org/ctx.jsonld", "@id": "x"}', encoding="utf-8")
    with pytest.raises(ValidationError, match="remote JSON-LD contexts"):
        read_rdf(path, schema)


def test_unknown_class_and_property_name_the_subject(demo: Chanjiao, tmp_path: Path) -> None:
    path = tmp_path / "foreign.ttl"
    path.write_text(
        "@prefix cj: <https://w3id.org/chanjiao/ontology#> .\n"
        "@prefix cjd: <https://w3id.org/chanjiao/id/> .\n"
        "@prefix schema: <https://schema.org/> .\n"
        'cjd:a a cj:Framework ; cj:id "fw:a" .\n'
        'cjd:b a cj:Region ; cj:id "region:b" ; cj:colour "red" ; schema:name "B" .\n'
        'cjd:c a cj:Region ; cj:id "region:c" ; cj:name_en "one", "two" .\n',
        encoding="utf-8",
    )
    before = demo.store.counts()
    with pytest.raises(ValidationError) as caught:
        read_rdf(path, demo.schema)
    problems = {(p.location, p.field) for p in caught.value.problems}
    assert ("foreign.ttl, subject <https://w3id.org/chanjiao/id/a>", "rdf:type") in problems
    assert ("foreign.ttl, subject <https://w3id.org/chanjiao/id/b>", str(CJ.colour)) in problems
    assert ("foreign.ttl, subject <https://w3id.org/chanjiao/id/b>", "https://schema.org/name") in problems
    assert ("foreign.ttl, subject <https://w3id.org/chanjiao/id/c>", "name_en") in problems
    assert demo.store.counts() == before


def test_dangling_edge_and_bad_value_are_rejected_by_validation(demo: Chanjiao, tmp_path: Path) -> None:
    path = tmp_path / "dangling.ttl"
    path.write_text(
        "@prefix cj: <https://w3id.org/chanjiao/ontology#> .\n"
        "@prefix cjd: <https://w3id.org/chanjiao/id/> .\n"
        'cjd:course%3ANEW a cj:Course ; cj:id "course:NEW" ; cj:category "lecture" ;\n'
        "    cj:DEVELOPS cjd:comp%3AP-01 , cjd:comp%3ANOPE .\n",
        encoding="utf-8",
    )
    before = demo.store.counts()
    with pytest.raises(ValidationError) as caught:
        load(demo, read_rdf(path, demo.schema), source="rdf")
    text = str(caught.value)
    assert "subject <https://w3id.org/chanjiao/id/course%3ANEW>" in text and "'lecture'" in text
    assert "comp:NOPE" in text
    assert demo.store.counts() == before
