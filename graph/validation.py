"""Checks a set of nodes and edges against the ontology before anything is written.

Every problem is collected (not just the first), each naming the item, the
field, the value and the reason; the caller writes nothing unless the list is
empty.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import networkx as nx

from graph.errors import Problem, ValidationError
from graph.records import Batch, Edge, EdgeRecord, NodeRecord
from ontology.schema import PropertyDef, Schema

#: Looks up the labels of ids already in the store: id -> label for those found.
LabelLookup = Callable[[Iterable[str]], dict[str, str]]
#: Stored relationships touching these ids (``GraphStore.adjacent(ids, rel_type, outgoing)``).
EdgeLookup = Callable[..., list[Edge]]

_ID = re.compile(r"^[^\s\x00-\x1f]{1,512}$")


def edge_key(edge: EdgeRecord, keys: tuple[str, ...]) -> tuple[Any, ...]:
    """The identity of a relationship: its endpoints, its type and its key properties."""
    return (edge.source, edge.type, edge.target, *(edge.props.get(k) for k in keys))


def validate(
    schema: Schema,
    nodes: Iterable[NodeRecord],
    edges: Iterable[EdgeRecord],
    existing_labels: LabelLookup,
    source: str | None = None,
    existing_edges: EdgeLookup | None = None,
) -> Batch:
    """Return the normalised batch, or raise ``ValidationError`` listing every problem.

    Property values are converted to their ontology types (``"3"`` → ``3``),
    blank values dropped, and ``source`` recorded where an item has none.
    """
    batch, problems = check(schema, nodes, edges, existing_labels, source, existing_edges)
    if problems:
        raise ValidationError(problems)
    return batch


def check(
    schema: Schema,
    nodes: Iterable[NodeRecord],
    edges: Iterable[EdgeRecord],
    existing_labels: LabelLookup,
    source: str | None = None,
    existing_edges: EdgeLookup | None = None,
) -> tuple[Batch, list[Problem]]:
    """The valid part of the input as a batch, and every problem with the rest.

    An edge whose endpoint is a rejected node is rejected too, so the valid
    part never refers to something that will not be written. Relationships of an
    acyclic type (prerequisites, hierarchies) that would close a cycle, with
    each other or with what is stored (``existing_edges``), are rejected too.
    """
    problems: list[Problem] = []
    nodes, edges = list(nodes), list(edges)
    wanted = {e.source for e in edges} | {e.target for e in edges} | {n.id for n in nodes if isinstance(n.id, str)}
    stored = existing_labels(sorted(wanted))
    clean_nodes = _check_nodes(schema, nodes, stored, source, problems)
    batch_labels = {n.id: n.label for n in clean_nodes}
    kept_nodes = []
    for node in clean_nodes:
        if stored.get(node.id, node.label) != node.label:
            problems.append(
                Problem(node.where(), "id", node.id, f"already exists as a {stored[node.id]}; an id names one node")
            )
            batch_labels.pop(node.id)
        else:
            kept_nodes.append(node)
    labels = {**stored, **batch_labels}
    rejected = {n.id for n in nodes} - labels.keys()
    clean_edges = _check_edges(schema, edges, labels, rejected, source, problems)
    clean_edges = _check_cycles(schema, clean_edges, existing_edges, problems)
    endpoints = {e.source for e in clean_edges} | {e.target for e in clean_edges}
    return Batch(kept_nodes, clean_edges, {i: labels[i] for i in endpoints}), problems


def _check_nodes(
    schema: Schema, nodes: list[NodeRecord], stored: dict[str, str], source: str | None, problems: list[Problem]
) -> list[NodeRecord]:
    seen: dict[str, str] = {}
    clean = []
    for node in nodes:
        if node.label not in schema.classes:
            problems.append(
                Problem(node.where(), None, None, f"unknown class {node.label!r}; known: {', '.join(schema.classes)}")
            )
            continue
        if not isinstance(node.id, str) or not _ID.match(node.id):
            problems.append(Problem(node.where(), "id", node.id, "an id must be 1–512 characters without spaces"))
            continue
        if node.id in seen:
            problems.append(Problem(node.where(), "id", node.id, f"duplicate id (first at {seen[node.id]})"))
            continue
        seen[node.id] = node.where()
        cls = schema.node_class(node.label)
        before = len(problems)
        # A node already in the graph had its required properties checked when it
        # was created; an update may carry only what changes.
        required = frozenset() if node.id in stored else cls.required
        props = _check_props(node.where(), {**node.props, "id": node.id}, cls.properties, required, problems)
        props.pop("id", None)
        if len(problems) > before:
            continue
        if source is not None:
            props.setdefault("source", source)
        clean.append(NodeRecord(node.label, node.id, props, node.location))
    return clean


def _check_edges(
    schema: Schema,
    edges: list[EdgeRecord],
    labels: dict[str, str],
    rejected: set[str],
    source: str | None,
    problems: list[Problem],
) -> list[EdgeRecord]:
    seen: dict[tuple[Any, ...], str] = {}
    clean = []
    for edge in edges:
        if edge.type not in schema.relationships:
            known = ", ".join(schema.relationships)
            problems.append(
                Problem(edge.where(), None, None, f"unknown relationship type {edge.type!r}; known: {known}")
            )
            continue
        rel = schema.relationship(edge.type)
        ok = True
        for field, ref, allowed in (("from", edge.source, rel.sources), ("to", edge.target, rel.targets)):
            if ref in rejected:
                problems.append(Problem(edge.where(), field, ref, "refers to a node of this load that was rejected"))
                ok = False
            elif ref not in labels:
                problems.append(
                    Problem(edge.where(), field, ref, "refers to a node that is neither in this load nor in the graph")
                )
                ok = False
            elif labels[ref] not in allowed:
                problems.append(
                    Problem(
                        edge.where(),
                        field,
                        ref,
                        f"is a {labels[ref]}, but {edge.type} {field} must be one of: {', '.join(sorted(allowed))}",
                    )
                )
                ok = False
        if ok and not rel.allows(labels[edge.source], labels[edge.target]):
            problems.append(
                Problem(
                    edge.where(),
                    None,
                    None,
                    f"{edge.type} joins two nodes of the same class, "
                    f"not {labels[edge.source]} and {labels[edge.target]}",
                )
            )
            ok = False
        if ok and edge.source == edge.target:
            problems.append(Problem(edge.where(), "to", edge.target, f"{edge.type} cannot join a node to itself"))
            ok = False
        before = len(problems)
        props = _check_props(edge.where(), edge.props, rel.properties, rel.required, problems)
        if not ok or len(problems) > before:
            continue
        if source is not None:
            props.setdefault("source", source)
        record = EdgeRecord(edge.type, edge.source, edge.target, props, edge.location)
        key = edge_key(record, rel.keys)
        if key in seen:
            problems.append(Problem(edge.where(), None, None, f"duplicate relationship (first at {seen[key]})"))
            continue
        seen[key] = edge.where()
        clean.append(record)
    return clean


def _check_cycles(
    schema: Schema, edges: list[EdgeRecord], existing_edges: EdgeLookup | None, problems: list[Problem]
) -> list[EdgeRecord]:
    """Drop (and report) every new relationship of an acyclic type that closes a cycle."""
    dropped: set[int] = set()
    for rel in schema.relationships.values():
        new = {(e.source, e.target): e for e in edges if e.type == rel.name}
        if not rel.acyclic or not new:
            continue
        graph = nx.DiGraph(list(new))
        # A new s → t closes a cycle only if t already reaches s: walk the stored
        # relationships of this type forward from the new targets (not everything around them).
        frontier, seen = {t for _, t in new}, set()
        while frontier and existing_edges is not None:
            seen |= frontier
            stored = [(e.source, e.target) for e in existing_edges(sorted(frontier), rel.name, True)]
            graph.add_edges_from(stored)
            frontier = {t for _, t in stored} - seen
        while True:
            try:
                cycle = nx.find_cycle(graph)
            except nx.NetworkXNoCycle:
                break
            culprit = next(new[pair] for pair in ((s, t) for s, t, *_ in cycle) if pair in new)
            path = " → ".join([cycle[0][0], *(t for _, t, *_ in cycle)])
            problems.append(Problem(culprit.where(), "to", culprit.target, f"{rel.name} would close a cycle: {path}"))
            graph.remove_edge(culprit.source, culprit.target)
            dropped.add(id(culprit))
    return [e for e in edges if id(e) not in dropped]


def _check_props(
    where: str,
    values: dict[str, Any],
    allowed: dict[str, PropertyDef],
    required: frozenset[str],
    problems: list[Problem],
) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    failed: set[str] = set()
    for name, value in values.items():
        definition = allowed.get(name)
        if definition is None:
            problems.append(Problem(where, name, value, f"unknown property; allowed: {', '.join(allowed)}"))
            continue
        try:
            coerced = definition.coerce(value)
        except ValueError as exc:
            problems.append(Problem(where, name, value, str(exc)))
            failed.add(name)
            continue
        if coerced is not None:
            clean[name] = coerced
    for name in sorted(required - failed - clean.keys()):
        problems.append(Problem(where, name, None, "is required"))
    return clean
