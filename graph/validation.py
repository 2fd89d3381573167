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

from graph.collector import paused
from graph.errors import Problem, ValidationError
from graph.records import Batch, Edge, EdgeRecord, NodeRecord
from ontology.schema import _CONVERTERS, CoverRule, LinkRule, PropertyDef, RelationshipType, Schema

#: Looks up the labels of ids already in the store: id -> label for those found.
LabelLookup = Callable[[Iterable[str]], dict[str, str]]
#: Stored relationships touching these ids (``GraphStore.adjacent(ids, rel_type, outgoing)``).
EdgeLookup = Callable[..., list[Edge]]

_ID = re.compile(r"^[^\s\x00-\x1f]{1,512}$")
_ID_ONLY = frozenset({"id"})
#: Why a relationship, or a reference property, naming a node this load rejected is rejected too.
_REJECTED = "refers to a node of this load that was rejected"


def edge_key(edge: EdgeRecord, keys: tuple[str, ...]) -> tuple[Any, ...]:
    """The identity of a relationship: its endpoints, its type and its key properties."""
    return (edge.source, edge.type, edge.target, *(edge.props.get(k) for k in keys))


# -- what the checks need of the schema, worked out once per schema (not once per row)

#: A property's converter: ``PropertyDef.coerce`` in effect (the same values, the same errors), quicker for the
#: values loads carry (text, booleans, lists of text). Raises ``ValueError`` as ``coerce`` does.
Coercer = Callable[[Any], Any]


def _coercer(prop: PropertyDef) -> Coercer:
    """``prop.coerce``, with the work it repeats per value done once here.

    Only exact ``str`` values (and ``bool`` ones for a boolean) and lists of ``str`` take the short way, and only
    while everything about them is valid: a value of any other type, or one that fails a check, goes to
    ``prop.coerce`` itself, so that what is accepted and every message stay ``coerce``'s own.
    """
    coerce = prop.coerce
    # ``coerce`` strips text and converts it with the datatype's converter (``_to_string`` returns text as it is),
    # then tests the bounds and the enumeration.
    convert = None if prop.datatype == "string" else _CONVERTERS[prop.datatype]
    low, high = prop.minimum, prop.maximum
    notations = prop.enumeration.notations if prop.enumeration is not None else None  # a tuple, as coerce tests
    checked = low is not None or high is not None or notations is not None

    def valid(converted: Any) -> bool:
        return (
            (low is None or not converted < low)
            and (high is None or not converted > high)
            and (notations is None or converted in notations)
        )

    if prop.multi_valued:

        def many(value: Any) -> Any:
            if type(value) is list:
                items = value
            elif type(value) is str:
                if not value.strip():
                    return None
                items = value.split("|")
            else:
                return coerce(value)
            out = []
            for item in items:
                if type(item) is not str:
                    return coerce(value)
                text = item.strip()
                if not text:
                    continue
                if convert is not None:
                    text = convert(text)
                if checked and not valid(text):
                    return coerce(value)  # raises, with coerce's message
                out.append(text)
            return list(dict.fromkeys(out)) or None

        return many

    if convert is None and not checked:

        def text(value: Any) -> Any:
            if type(value) is str:
                return value.strip() or None
            return coerce(value)

        return text

    if convert is None and low is None and high is None and notations is not None:  # text from a list

        def choice(value: Any) -> Any:
            if type(value) is str:
                text = value.strip()
                if not text:
                    return None
                if text in notations:
                    return text
            return coerce(value)  # raises for text not in the list, with coerce's message

        return choice

    boolean = prop.datatype == "boolean"

    def one(value: Any) -> Any:
        kind = type(value)
        if kind is str:
            converted = value.strip()
            if not converted:
                return None
            if convert is not None:
                converted = convert(converted)
        elif kind is bool and boolean:
            converted = value
        else:
            return coerce(value)
        if checked and not valid(converted):
            return coerce(value)  # raises, with coerce's message
        return converted

    return one


class _Props:
    """The properties an item of one class or relationship type may carry, with their converters."""

    __slots__ = ("allowed", "coercers", "required")

    def __init__(self, properties: dict[str, PropertyDef], required: frozenset[str]) -> None:
        self.coercers = {name: _coercer(prop) for name, prop in properties.items()}
        self.allowed = ", ".join(properties)
        self.required = required


class _Rel:
    """One relationship type, as ``_check_edges`` looks at it for every edge."""

    __slots__ = ("keys", "props", "rel", "same_class", "sources", "targets")

    def __init__(self, rel: RelationshipType) -> None:
        self.rel = rel
        self.sources, self.targets, self.same_class = rel.sources, rel.targets, rel.same_class
        self.props = _Props(rel.properties, rel.required)
        self.keys = rel.keys


class _Tables:
    """Per class and per relationship type, what validation asks of the schema for every item."""

    def __init__(self, schema: Schema) -> None:
        #: Each class's properties; the required ones but ``id``, which ``_ID`` checks first on every node.
        self.classes: dict[str, _Props] = {
            name: _Props(cls.properties, cls.required - _ID_ONLY) for name, cls in schema.classes.items()
        }
        self.rels = {name: _Rel(rel) for name, rel in schema.relationships.items()}
        #: The reference properties (``cj:refersTo``) of the types that have any.
        self.references: dict[str, list[PropertyDef]] = {
            name: refs
            for name, rel in schema.relationships.items()
            if (refs := [p for p in rel.properties.values() if p.refers_to is not None])
        }


#: Tables of the schemas seen lately, by ``id`` (a ``Schema`` holds dicts: it cannot be hashed). The schema is
#: kept with its tables, so its id cannot be reused while the entry exists.
_TABLES: dict[int, tuple[Schema, _Tables]] = {}


def _tables(schema: Schema) -> _Tables:
    entry = _TABLES.get(id(schema))
    if entry is None or entry[0] is not schema:
        if len(_TABLES) >= 8:
            _TABLES.clear()
        entry = _TABLES[id(schema)] = (schema, _Tables(schema))
    return entry[1]


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
    with paused():  # see graph.collector
        return _check(schema, nodes, edges, existing_labels, source, existing_edges)


def _check(
    schema: Schema,
    nodes: Iterable[NodeRecord],
    edges: Iterable[EdgeRecord],
    existing_labels: LabelLookup,
    source: str | None,
    existing_edges: EdgeLookup | None,
) -> tuple[Batch, list[Problem]]:
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
    classes = _tables(schema).classes
    seen: dict[str, NodeRecord] = {}
    clean = []
    for node in nodes:
        spec = classes.get(node.label)
        if spec is None:
            problems.append(
                Problem(node.where(), None, None, f"unknown class {node.label!r}; known: {', '.join(schema.classes)}")
            )
            continue
        if not isinstance(node.id, str) or not _ID.match(node.id):
            problems.append(Problem(node.where(), "id", node.id, "an id must be 1–512 characters without spaces"))
            continue
        first = seen.get(node.id)
        if first is not None:
            problems.append(Problem(node.where(), "id", node.id, f"duplicate id (first at {first.where()})"))
            continue
        seen[node.id] = node
        # A node already in the graph had its required properties checked when it
        # was created; an update may carry only what changes.
        required = frozenset() if node.id in stored else spec.required
        # The usual case, converted at once: the id passed ``_ID``, so ``_check_props`` would only give it back.
        # Anything else goes there, for its messages.
        props = _converted(node.props, spec) if "id" not in node.props else None
        if props is None or not required <= props.keys():
            before = len(problems)
            props = _check_props(node, {**node.props, "id": node.id}, spec, required, problems)
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
    rels = _tables(schema).rels
    label_of = labels.get
    # The relationships kept so far, by type, then source, then target and key values: ``edge_key``'s identity,
    # without a tuple per edge.
    seen: dict[str, dict[str, dict[Any, EdgeRecord]]] = {}
    clean = []
    for edge in edges:
        spec = rels.get(edge.type)
        if spec is None:
            known = ", ".join(schema.relationships)
            problems.append(
                Problem(edge.where(), None, None, f"unknown relationship type {edge.type!r}; known: {known}")
            )
            continue
        s, t = edge.source, edge.target
        s_label, t_label = label_of(s), label_of(t)
        spec_props = spec.props
        # The usual case, tested at once: endpoints of the right classes (no id in ``labels`` is rejected:
        # ``rejected`` is what ``labels`` lacks) and properties that convert. Anything else is looked at
        # again, and reported, by ``_endpoint_problems`` and ``_check_props``.
        if (
            s_label in spec.sources
            and t_label in spec.targets
            and (not spec.same_class or s_label == t_label)
            and s != t
        ):
            props = _converted(edge.props, spec_props)
            required = spec_props.required
            if props is None or (required and not required <= props.keys()):
                before = len(problems)
                props = _check_props(edge, edge.props, spec_props, required, problems)
                if len(problems) > before:
                    continue
        else:
            ok = _endpoint_problems(spec.rel, edge, labels, rejected, problems)
            before = len(problems)
            props = _check_props(edge, edge.props, spec_props, spec_props.required, problems)
            if not ok or len(problems) > before:
                continue
        if source is not None:
            props.setdefault("source", source)
        of_type = seen.get(edge.type)
        if of_type is None:
            of_type = seen[edge.type] = {}
        of_source = of_type.get(s)
        if of_source is None:
            of_source = of_type[s] = {}
        key = (t, *(props.get(k) for k in spec.keys)) if spec.keys else t
        first = of_source.get(key)
        if first is not None:
            problems.append(Problem(edge.where(), None, None, f"duplicate relationship (first at {first.where()})"))
            continue
        of_source[key] = edge
        clean.append(EdgeRecord(edge.type, s, t, props, edge.location))
    return clean


def _endpoint_problems(
    rel: RelationshipType, edge: EdgeRecord, labels: dict[str, str], rejected: set[str], problems: list[Problem]
) -> bool:
    """Report what is wrong with the edge's endpoints; whether nothing is."""
    ok = True
    for field, ref, allowed in (("from", edge.source, rel.sources), ("to", edge.target, rel.targets)):
        if ref in rejected:
            problems.append(Problem(edge.where(), field, ref, _REJECTED))
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
                f"{edge.type} joins two nodes of the same class, not {labels[edge.source]} and {labels[edge.target]}",
            )
        )
        ok = False
    if ok and edge.source == edge.target:
        problems.append(Problem(edge.where(), "to", edge.target, f"{edge.type} cannot join a node to itself"))
        ok = False
    return ok


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
        # A new s → t closes a cycle only if t already reaches s: walk the stored
        # relationships of this type forward from the new targets (not everything around them).
        found: list[list[tuple[str, str]]] = []
        frontier, seen = {t for _, t in new}, set()
        while frontier and existing_edges is not None:
            seen |= frontier
            stored = [(e.source, e.target) for e in existing_edges(sorted(frontier), rel.name, True)]
            found.append(stored)
            frontier = {t for _, t in stored} - seen
        # Most loads close no cycle: make sure of that quickly, and leave networkx the (rare) cycles to name.
        if not _has_cycle([*new, *(pair for stored in found for pair in stored)]):
            continue
        graph = nx.DiGraph(list(new))
        for stored in found:
            graph.add_edges_from(stored)
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
    return [e for e in edges if id(e) not in dropped] if dropped else edges


def _has_cycle(pairs: list[tuple[str, str]]) -> bool:
    """Whether the directed graph of these (source, target) pairs has a cycle (a self-loop is one): Kahn's
    algorithm, which takes away nodes without an incoming edge until none is left or only cycles remain."""
    successors: dict[str, list[str]] = {}
    incoming: dict[str, int] = {}
    for s, t in pairs:
        successors.setdefault(s, []).append(t)
        incoming[t] = incoming.get(t, 0) + 1
        incoming.setdefault(s, 0)
    ready = [n for n, count in incoming.items() if count == 0]
    left = len(incoming)
    while ready:
        node = ready.pop()
        left -= 1
        for t in successors.get(node, ()):
            incoming[t] -= 1
            if incoming[t] == 0:
                ready.append(t)
    return left > 0


def _a(name: str) -> str:
    """``name`` with its indefinite article: "an Assessment", "a Cohort"."""
    return f"{'an' if name[:1] in 'AEIOU' else 'a'} {name}"


def _referenced(schema: Schema, edges: list[EdgeRecord]) -> set[str]:
    """The ids that relationships name in reference properties (``cj:refersTo``), to look their labels up too."""
    found = set()
    references = _tables(schema).references
    for edge in edges:
        for prop in references.get(edge.type, ()):
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
    """Drop (and report) relationships whose reference property names no node of its class, then those whose
    ``cj:coveredBy`` rule fails (``_check_covered``)."""
    references = _tables(schema).references
    kept = []
    for edge in edges:
        refs = references.get(edge.type)
        if refs is None:
            kept.append(edge)
            continue
        ok = True
        for prop in refs:
            reason = _reference_problem(prop, edge, labels, rejected)
            if reason is not None:
                problems.append(Problem(edge.where(), prop.name, edge.props.get(prop.name), reason))
                ok = False
        if ok:
            kept.append(edge)
    return _check_covered(schema, kept, edges, existing_edges, problems)


def _reference_problem(prop: PropertyDef, edge: EdgeRecord, labels: dict[str, str], rejected: set[str]) -> str | None:
    """Why ``edge``'s reference property ``prop`` names no node of its class, or None when it names one."""
    ref = edge.props.get(prop.name)
    if ref in rejected:
        return _REJECTED
    if ref not in labels:
        return f"refers to no {prop.refers_to}: neither in this load nor in the graph"
    if labels[ref] != prop.refers_to:
        return f"is {_a(labels[ref])}, but {edge.type} {prop.name} must name {_a(prop.refers_to)}"
    return None


def _check_covered(
    schema: Schema,
    kept: list[EdgeRecord],
    edges: list[EdgeRecord],
    existing_edges: EdgeLookup | None,
    problems: list[Problem],
) -> list[EdgeRecord]:
    """Drop (and report) those of ``kept`` whose ``cj:coveredBy`` rule fails: the named node must reach the
    relationship's target by the covering type, in the graph or among ``edges``, level-agnostically or at a
    level no lower than the relationship's own."""
    rules = {name: rel.covered_by for name, rel in schema.relationships.items() if rel.covered_by is not None}
    # The kept relationships of the covered types, by type in the order the types first come.
    by_type: dict[str, list[EdgeRecord]] = {}
    for edge in kept:
        if edge.type in rules:
            by_type.setdefault(edge.type, []).append(edge)
    dropped: set[int] = set()
    for rel_type, group in by_type.items():
        rule = rules[rel_type]
        referred = sorted({e.props[rule.reference] for e in group})
        wanted = set(referred)
        covering: dict[tuple[str, str], list[Any]] = {}
        stored = existing_edges(referred, rule.relationship, True) if existing_edges is not None else []
        batch = [e for e in edges if e.type == rule.relationship and e.source in wanted]
        for e in [*stored, *batch]:
            covering.setdefault((e.source, e.target), []).append(e.props.get("level"))
        for edge in group:
            problem = _covered_problem(rule, edge, covering)
            if problem is not None:
                problems.append(problem)
                dropped.add(id(edge))
    return [e for e in kept if id(e) not in dropped] if dropped else kept


def _covered_problem(rule: CoverRule, edge: EdgeRecord, covering: dict[tuple[str, str], list[Any]]) -> Problem | None:
    """What is wrong with ``edge`` under its ``cj:coveredBy`` ``rule``, given the levels (None: any) at which
    each node reaches each target by the covering type; None when nothing is."""
    ref = edge.props[rule.reference]
    levels = covering.get((ref, edge.target))
    if levels is None:
        reached = sorted({t for s, t in covering if s == ref})
        what = f"it has {rule.relationship} to {', '.join(reached)} only" if reached else "it has none"
        reason = (
            f"{rule.referred} {ref!r} (field {rule.reference!r}) has no {rule.relationship} to "
            f"{edge.target!r} ({what}): it must cover what this {edge.type} is about"
        )
        return Problem(edge.where(), "to", edge.target, reason)
    level = edge.props.get("level")
    if level is not None and all(lv is not None and lv < level for lv in levels):
        reason = (
            f"level {level} is above the level at which {rule.referred} {ref!r} "
            f"{rule.relationship} {edge.target!r} ({max(levels)})"
        )
        return Problem(edge.where(), "level", level, reason)
    return None


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
    edges_of, new_ids = _restricted(schema, nodes, edges, stored)
    if not any(edges_of.values()) and not any(new_ids.values()):
        return nodes, edges  # no node for any rule to look at
    by_id = {n.id: n for n in nodes}
    labels = {**stored, **{n.id: n.label for n in nodes}}
    rejected_nodes: set[str] = set()
    dropped: set[int] = set()
    for cls in schema.classes.values():
        for rule in cls.links:
            new_edges = edges_of[rule.relationship]
            # The nodes of this class the rule must look at: new ones (minimum), and any the batch links (maximum).
            touched = {_end(rule, e) for e in new_edges}
            subjects = sorted(new_ids[cls.name] | {i for i in touched if labels.get(i) == cls.name})
            if not subjects:
                continue
            partners = _partners(rule, subjects, new_edges, existing_edges)
            for subject in subjects:
                count = len(partners[subject])
                if count < rule.minimum and subject not in stored:
                    have = "none" if count == 0 else str(count)
                    reason = f"{_a(cls.name)} needs {rule.describe(schema)}; {have} in this load or the graph"
                    problems.append(Problem(by_id[subject].where(), None, None, reason))
                    rejected_nodes.add(subject)
                elif rule.maximum is not None and count > rule.maximum:
                    reason = (
                        f"{cls.name} {subject!r} would have {count} {rule.relationship} "
                        f"({', '.join(sorted(partners[subject]))}); it needs {rule.describe(schema)}"
                    )
                    for e in new_edges:
                        if _end(rule, e) == subject:
                            field, value = ("from", e.source) if rule.incoming else ("to", e.target)
                            problems.append(Problem(e.where(), field, value, reason))
                            dropped.add(id(e))
    if not dropped and not rejected_nodes:
        return nodes, edges
    return [n for n in nodes if n.id not in rejected_nodes], _without(edges, dropped, rejected_nodes, problems)


def _restricted(
    schema: Schema, nodes: list[NodeRecord], edges: list[EdgeRecord], stored: dict[str, str]
) -> tuple[dict[str, list[EdgeRecord]], dict[str, set[str]]]:
    """The batch's relationships of each type a cardinality rule restricts, and its new nodes of each class with
    a rule (one pass over each)."""
    restricted = {cls.name: {rule.relationship for rule in cls.links} for cls in schema.classes.values() if cls.links}
    edges_of: dict[str, list[EdgeRecord]] = {t: [] for types in restricted.values() for t in types}
    for e in edges:
        group = edges_of.get(e.type)
        if group is not None:
            group.append(e)
    new_ids: dict[str, set[str]] = {name: set() for name in restricted}
    for n in nodes:
        ids = new_ids.get(n.label)
        if ids is not None and n.id not in stored:
            ids.add(n.id)
    return edges_of, new_ids


def _end(rule: LinkRule, edge: Edge | EdgeRecord) -> str:
    """The end of ``edge`` at the node that a cardinality ``rule`` restricts."""
    return edge.target if rule.incoming else edge.source


def _partners(
    rule: LinkRule, subjects: list[str], new_edges: list[EdgeRecord], existing_edges: EdgeLookup | None
) -> dict[str, set[str]]:
    """Each subject's distinct partners by the ``rule``'s relationship, in the store and in the batch."""
    partners: dict[str, set[str]] = {i: set() for i in subjects}
    found = existing_edges(subjects, rule.relationship, not rule.incoming) if existing_edges else []
    for e in [*found, *new_edges]:
        mine = partners.get(_end(rule, e))
        if mine is not None:
            mine.add(e.source if rule.incoming else e.target)
    return partners


def _without(
    edges: list[EdgeRecord], dropped: set[int], rejected_nodes: set[str], problems: list[Problem]
) -> list[EdgeRecord]:
    """``edges`` but the ``dropped`` ones and those touching a rejected node, reported."""
    kept = []
    for e in edges:
        if id(e) in dropped:
            continue
        gone = [(f, ref) for f, ref in (("from", e.source), ("to", e.target)) if ref in rejected_nodes]
        for field, ref in gone:
            problems.append(Problem(e.where(), field, ref, _REJECTED))
        if not gone:
            kept.append(e)
    return kept


def _converted(values: dict[str, Any], spec: _Props) -> dict[str, Any] | None:
    """``values`` converted, blanks dropped; None if any is unknown or fails (``_check_props`` says why)."""
    props = {}
    coercers = spec.coercers
    try:
        for name, value in values.items():
            coerced = coercers[name](value)
            if coerced is not None:
                props[name] = coerced
    except (KeyError, ValueError):
        return None
    return props


def _check_props(
    item: NodeRecord | EdgeRecord,
    values: dict[str, Any],
    spec: _Props,
    required: frozenset[str],
    problems: list[Problem],
) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    failed: set[str] = set()
    coercers = spec.coercers
    for name, value in values.items():
        coerce = coercers.get(name)
        if coerce is None:
            problems.append(Problem(item.where(), name, value, f"unknown property; allowed: {spec.allowed}"))
            continue
        try:
            coerced = coerce(value)
        except ValueError as exc:
            problems.append(Problem(item.where(), name, value, str(exc)))
            failed.add(name)
            continue
        if coerced is not None:
            clean[name] = coerced
    if required:
        for name in sorted(required - failed - clean.keys()):
            problems.append(Problem(item.where(), name, None, "is required"))
    return clean
