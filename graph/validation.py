"""Checks a set of nodes and edges against the ontology before anything is written.

Every problem is collected (not just the first), each naming the item, the
field, the value and the reason; the caller writes nothing unless the list is
empty.

Besides each item on its own, three rules look at the batch and the store together,
all read from the ontology: acyclic types (``cj:acyclic``), how many relationships
of a type a new node needs (``owl:Restriction`` cardinalities, e.g. a Cohort
belongs to exactly one Program), and references kept as properties
(``cj:refersTo``, ``cj:coveredBy``: a cohort's result names an Assessment that
ASSESSES the result's competency, at that level or above).
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
    wanted |= _referenced(schema, edges)
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
    clean_edges = _check_references(schema, clean_edges, labels, rejected, existing_edges, problems)
    kept_nodes, clean_edges = _check_links(schema, kept_nodes, clean_edges, stored, existing_edges, problems)
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
    # One pass over the edges for every acyclic type together (not one per relationship type).
    by_type: dict[str, dict[tuple[str, str], EdgeRecord]] = {
        rel.name: {} for rel in schema.relationships.values() if rel.acyclic
    }
    for e in edges:
        pairs = by_type.get(e.type)
        if pairs is not None:
            pairs[(e.source, e.target)] = e
    for rel in schema.relationships.values():
        new = by_type.get(rel.name)
        if not new:
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


def _a(name: str) -> str:
    """``name`` with its indefinite article: "an Assessment", "a Cohort"."""
    return f"{'an' if name[:1] in 'AEIOU' else 'a'} {name}"


def _references(schema: Schema, rel_type: str) -> list[PropertyDef]:
    rel = schema.relationships.get(rel_type)
    return [] if rel is None else [p for p in rel.properties.values() if p.refers_to is not None]


def _referenced(schema: Schema, edges: list[EdgeRecord]) -> set[str]:
    """The ids that relationships name in reference properties (``cj:refersTo``), to look their labels up too."""
    found = set()
    for edge in edges:
        for prop in _references(schema, edge.type):
            value = edge.props.get(prop.name)
            if isinstance(value, str) and value.strip():
                found.add(value.strip())
    return found


def _check_references(
    schema: Schema,
    edges: list[EdgeRecord],
    labels: dict[str, str],
    rejected: set[str],
    existing_edges: EdgeLookup | None,
    problems: list[Problem],
) -> list[EdgeRecord]:
    """Drop (and report) relationships whose reference property names no node of its class, or whose
    ``cj:coveredBy`` rule fails: the named node must reach the relationship's target by the covering type,
    level-agnostically or at a level no lower than the relationship's own."""
    kept = []
    for edge in edges:
        ok = True
        for prop in _references(schema, edge.type):
            ref = edge.props.get(prop.name)
            reason = None
            if ref in rejected:
                reason = "refers to a node of this load that was rejected"
            elif ref not in labels:
                reason = f"refers to no {prop.refers_to}: neither in this load nor in the graph"
            elif labels[ref] != prop.refers_to:
                reason = f"is {_a(labels[ref])}, but {edge.type} {prop.name} must name {_a(prop.refers_to)}"
            if reason is not None:
                problems.append(Problem(edge.where(), prop.name, ref, reason))
                ok = False
        if ok:
            kept.append(edge)
    by_type: dict[str, list[EdgeRecord]] = {}
    for edge in kept:
        by_type.setdefault(edge.type, []).append(edge)
    dropped: set[int] = set()
    for rel_type, group in by_type.items():
        rule = schema.relationship(rel_type).covered_by
        if rule is None:
            continue
        referred = sorted({e.props[rule.reference] for e in group})
        wanted = set(referred)
        covering: dict[tuple[str, str], list[Any]] = {}
        stored = existing_edges(referred, rule.relationship, True) if existing_edges is not None else []
        batch = [e for e in edges if e.type == rule.relationship and e.source in wanted]
        for e in [*stored, *batch]:
            covering.setdefault((e.source, e.target), []).append(e.props.get("level"))
        for edge in group:
            ref = edge.props[rule.reference]
            levels = covering.get((ref, edge.target))
            level = edge.props.get("level")
            reason = None
            if levels is None:
                reached = sorted({t for s, t in covering if s == ref})
                what = f"it has {rule.relationship} to {', '.join(reached)} only" if reached else "it has none"
                reason = (
                    f"{rule.referred} {ref!r} (field {rule.reference!r}) has no {rule.relationship} to "
                    f"{edge.target!r} ({what}): it must cover what this {edge.type} is about"
                )
            elif level is not None and all(lv is not None and lv < level for lv in levels):
                reason = (
                    f"level {level} is above the level at which {rule.referred} {ref!r} "
                    f"{rule.relationship} {edge.target!r} ({max(levels)})"
                )
            if reason is not None:
                field, value = ("to", edge.target) if levels is None else ("level", level)
                problems.append(Problem(edge.where(), field, value, reason))
                dropped.add(id(edge))
    return [e for e in kept if id(e) not in dropped]


def _check_links(
    schema: Schema,
    nodes: list[NodeRecord],
    edges: list[EdgeRecord],
    stored: dict[str, str],
    existing_edges: EdgeLookup | None,
    problems: list[Problem],
) -> tuple[list[NodeRecord], list[EdgeRecord]]:
    """Enforce the classes' cardinality restrictions, counting relationships in the batch and in the store.

    A new node with fewer than the minimum is rejected (with the relationships that touch it); a node,
    new or stored, that the batch would give more than the maximum keeps none of the batch's new ones.
    Partners are counted once each, whatever the relationships' keys.
    """
    by_id = {n.id: n for n in nodes}
    labels = {**stored, **{n.id: n.label for n in nodes}}
    rejected_nodes: set[str] = set()
    dropped: set[int] = set()
    for cls in schema.classes.values():
        for rule in cls.links:
            new_edges = [e for e in edges if e.type == rule.relationship]
            # The nodes of this class the rule must look at: new ones (minimum), and any the batch links (maximum).
            touched = {(e.target if rule.incoming else e.source) for e in new_edges}
            subjects = sorted(
                {n.id for n in nodes if n.label == cls.name and n.id not in stored}
                | {i for i in touched if labels.get(i) == cls.name}
            )
            if not subjects:
                continue
            partners: dict[str, set[str]] = {i: set() for i in subjects}
            found = existing_edges(subjects, rule.relationship, not rule.incoming) if existing_edges else []
            for e in [*found, *new_edges]:
                me, other = (e.target, e.source) if rule.incoming else (e.source, e.target)
                if me in partners:
                    partners[me].add(other)
            for subject in subjects:
                count = len(partners[subject])
                if count >= rule.minimum or subject in stored:
                    if rule.maximum is None or count <= rule.maximum:
                        continue
                    extra = [e for e in new_edges if (e.target if rule.incoming else e.source) == subject]
                    for e in extra:
                        problems.append(
                            Problem(
                                e.where(),
                                "from" if rule.incoming else "to",
                                e.source if rule.incoming else e.target,
                                f"{cls.name} {subject!r} would have {count} {rule.relationship} "
                                f"({', '.join(sorted(partners[subject]))}); it needs {rule.describe(schema)}",
                            )
                        )
                        dropped.add(id(e))
                    continue
                node = by_id[subject]
                have = "none" if count == 0 else str(count)
                problems.append(
                    Problem(
                        node.where(),
                        None,
                        None,
                        f"{_a(cls.name)} needs {rule.describe(schema)}; {have} in this load or the graph",
                    )
                )
                rejected_nodes.add(subject)
    kept_edges = []
    for e in edges:
        if id(e) in dropped:
            continue
        gone = [(f, ref) for f, ref in (("from", e.source), ("to", e.target)) if ref in rejected_nodes]
        for field, ref in gone:
            problems.append(Problem(e.where(), field, ref, "refers to a node of this load that was rejected"))
        if not gone:
            kept_edges.append(e)
    return [n for n in nodes if n.id not in rejected_nodes], kept_edges


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
