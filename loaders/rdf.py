"""The graph as RDF in the project's ontology (Turtle or JSON-LD): export, and import back.

Every term comes from the ontology through ``ontology.schema``: a node is an
IRI ``https://w3id.org/chanjiao/id/<percent-encoded id>`` typed with its
class's IRI, carrying its id as ``cj:id`` and each property under the
property's own IRI (so the graph key ``type`` is ``cj:resource_type`` on a
Resource and ``cj:partnership_type`` on PARTNERS_WITH). A relationship is the
triple ``<source> cj:TYPE <target>``; when it has properties it is also
described by an ``rdf:Statement`` (standard RDF reification, no RDF-star)
holding them, one statement per relationship, so two DEMANDS of different
years between the same nodes stay two. See docs/loaders-case-rdf.md.

Examples
--------
>>> node_iri("course:ROB-101")
rdflib.term.URIRef('https://w3id.org/chanjiao/id/course%3AROB-101')
>>> node_iri("esco:skill/数控")
rdflib.term.URIRef('https://w3id.org/chanjiao/id/esco%3Askill%2F%E6%95%B0%E6%8E%A7')
"""

from __future__ import annotations

import json
import warnings
from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from typing import Literal as TypingLiteral
from urllib.parse import quote, unquote

from rdflib import RDF, XSD, Graph, Literal, Namespace, URIRef
from rdflib.plugins.parsers.notation3 import BadSyntax
from rdflib.term import Node as RDFNode

from graph.errors import NotFoundError, Problem, ValidationError
from graph.records import Edge, EdgeRecord, Node, NodeRecord
from graph.service import Chanjiao
from graph.store import GraphStore
from loaders.pipeline import Parsed
from ontology.schema import CJ, PropertyDef, RelationshipType, Schema

#: Instance data lives under this namespace; the ontology's terms under ``CJ``.
DATA = Namespace("https://w3id.org/chanjiao/id/")

Format = TypingLiteral["turtle", "json-ld"]
FORMATS: dict[str, Format] = {
    ".ttl": "turtle",
    ".turtle": "turtle",
    ".nt": "turtle",  # N-Triples is a subset of Turtle
    ".jsonld": "json-ld",
    ".json-ld": "json-ld",
    ".json": "json-ld",
}
PREFIXES = {"cj": str(CJ), "cjd": str(DATA), "rdf": str(RDF), "xsd": str(XSD)}

#: Properties whose literals carry a language tag.
_LANGUAGES = {"name_zh": "zh", "name_en": "en"}
_INTEGER_TYPES = {XSD.integer, XSD.int, XSD.long, XSD.short, XSD.nonNegativeInteger, XSD.positiveInteger}
_PAGE = 1000


def node_iri(node_id: str) -> URIRef:
    """The IRI of a node: the data namespace plus the id, percent-encoded.

    Everything but unreserved characters is encoded (":" too), so the IRI is one
    path segment and Turtle can write it as a prefixed name (``cjd:course%3AROB-101``).
    """
    return DATA[quote(node_id, safe="")]


def statement_iri(edge: Edge | EdgeRecord, rel: RelationshipType) -> URIRef:
    """A stable IRI for the statement describing ``edge``: its type, ends and key property values."""
    parts = [rel.name, quote(edge.source, safe=""), quote(edge.target, safe="")]
    parts += [quote(str(edge.props.get(k)), safe="") for k in rel.keys]
    return DATA["statement/" + "/".join(parts)]


# -- export


def export_rdf(
    service: Chanjiao, fmt: Format = "turtle", program_id: str | None = None, path: Path | None = None
) -> str:
    """The graph (or one program's subgraph) as Turtle or JSON-LD text; also written to ``path`` if given.

    With ``program_id`` the export holds exactly these nodes:

    * the program, and the schools that OFFER it;
    * the courses it INCLUDES, and their learning tasks (HAS_LEARNING_TASK);
    * the competencies those courses or learning tasks DEVELOP;
    * the occupations it TARGETS, their typical work tasks (HAS_TASK), and the
      competencies those occupations or tasks REQUIRE;
    * the resources that SUPPORT, the training bases that HOST, those courses or
      learning tasks, and the teachers who TEACH those courses;

    and every relationship whose two ends are both among them (so a BROADER or
    EXACT_MATCH between two of those competencies, a PREREQUISITE_OF between
    two of those courses or a teacher's WORKS_AT to that school is kept, while
    employers, industries, regions, standards and anything else outside that
    set are left out). Raises ``NotFoundError`` when ``program_id`` is not a Program.

    Raises ``ValueError`` if a stored item has a property the ontology does not
    define: it cannot be said in the ontology, and dropping it silently would
    make the export lossy.
    """
    if fmt not in ("turtle", "json-ld"):
        raise ValueError(f"unknown RDF format {fmt!r}; use 'turtle' or 'json-ld'")
    store = service.store
    if program_id is None:
        nodes = list(_all_nodes(store))
    else:
        nodes = list(store.get_nodes(program_scope(store, program_id)).values())
    edges = _edges_among(store, {n.id for n in nodes})
    graph = to_graph(service.schema, nodes, edges)
    if fmt == "turtle":
        text = graph.serialize(format="turtle")
    else:
        text = _stable_json(graph.serialize(format="json-ld", context=PREFIXES))
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


def _stable_json(text: str) -> str:
    """JSON-LD with its arrays sorted, so one graph always gives the same text (rdflib's order varies by run).

    Arrays are sets here (no ``@list`` is written), so sorting them changes no meaning.
    """

    def sort(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: sort(v) for k, v in value.items()}
        if isinstance(value, list):
            return sorted((sort(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
        return value

    return json.dumps(sort(json.loads(text)), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def program_scope(store: GraphStore, program_id: str) -> set[str]:
    """The ids of the nodes of ``program_id``'s subgraph, as ``export_rdf`` defines it."""
    program = store.get_nodes([program_id]).get(program_id)
    if program is None or program.label != "Program":
        raise NotFoundError(f"no Program {program_id!r} in the graph")

    def step(ids: Iterable[str], rel_type: str, outgoing: bool) -> set[str]:
        ids = set(ids)
        found = set()
        for e in store.adjacent(ids):
            if e.type != rel_type:
                continue
            if outgoing and e.source in ids:
                found.add(e.target)
            elif not outgoing and e.target in ids:
                found.add(e.source)
        return found

    schools = step([program_id], "OFFERS", outgoing=False)
    courses = step([program_id], "INCLUDES", outgoing=True)
    occupations = step([program_id], "TARGETS", outgoing=True)
    learning_tasks = step(courses, "HAS_LEARNING_TASK", outgoing=True)
    work_tasks = step(occupations, "HAS_TASK", outgoing=True)
    taught = courses | learning_tasks
    developed = step(taught, "DEVELOPS", outgoing=True)
    required = step(occupations | work_tasks, "REQUIRES", outgoing=True)
    resources = step(taught, "SUPPORTS", outgoing=False)
    bases = step(taught, "HOSTS", outgoing=False)
    teachers = step(courses, "TEACHES", outgoing=False)
    return (
        {program_id}
        | schools
        | courses
        | occupations
        | learning_tasks
        | work_tasks
        | developed
        | required
        | resources
        | bases
        | teachers
    )


def _all_nodes(store: GraphStore) -> Iterator[Node]:
    for label in store.schema.classes:
        offset = 0
        while True:
            page, total = store.list_nodes(label, offset, _PAGE)
            yield from page
            offset += len(page)
            if not page or offset >= total:
                break


def _edges_among(store: GraphStore, ids: set[str]) -> list[Edge]:
    """Every relationship with both ends in ``ids``, each once."""
    found: dict[tuple[Any, ...], Edge] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), _PAGE):
        for e in store.adjacent(ordered[start : start + _PAGE]):
            if e.source in ids and e.target in ids:
                keys = store.schema.relationships[e.type].keys
                found[(e.source, e.type, e.target, *(repr(e.props.get(k)) for k in keys))] = e
    return list(found.values())


def to_graph(schema: Schema, nodes: Iterable[Node], edges: Iterable[Edge]) -> Graph:
    """Nodes and edges as an rdflib graph in the ontology's terms."""
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    id_iri = URIRef(next(iter(schema.classes.values())).properties["id"].iri)
    for node in nodes:
        cls = schema.node_class(node.label)
        subject = node_iri(node.id)
        graph.add((subject, RDF.type, URIRef(cls.iri)))
        graph.add((subject, id_iri, Literal(node.id)))
        _add_props(graph, subject, node.props, cls.properties, f"{node.label} {node.id!r}")
    for edge in edges:
        rel = schema.relationship(edge.type)
        triple = (node_iri(edge.source), URIRef(rel.iri), node_iri(edge.target))
        graph.add(triple)
        if edge.props:
            statement = statement_iri(edge, rel)
            graph.add((statement, RDF.type, RDF.Statement))
            for predicate, value in zip((RDF.subject, RDF.predicate, RDF.object), triple, strict=True):
                graph.add((statement, predicate, value))
            _add_props(graph, statement, edge.props, rel.properties, f"{edge.type} {edge.source!r} -> {edge.target!r}")
    return graph


def _add_props(graph: Graph, subject: URIRef, props: dict[str, Any], defs: dict[str, PropertyDef], what: str) -> None:
    for name, value in sorted(props.items()):
        definition = defs.get(name)
        if definition is None:
            raise ValueError(f"{what} has property {name!r}, which the ontology does not define for it")
        values = value if definition.multi_valued and isinstance(value, list | tuple) else [value]
        for one in values:
            if one is not None:
                graph.add((subject, URIRef(definition.iri), _literal(one, definition)))


def _literal(value: Any, definition: PropertyDef) -> Literal:
    if definition.datatype == "boolean":
        return Literal("true" if value else "false", datatype=XSD.boolean)
    if definition.datatype == "integer":
        return Literal(str(int(value)), datatype=XSD.integer)
    if definition.datatype == "number":
        # An int stays xsd:integer (a kind of xsd:decimal) and a float becomes
        # xsd:decimal, so the import gives back the same Python (and Neo4j) type.
        if isinstance(value, int) and not isinstance(value, bool):
            return Literal(str(value), datatype=XSD.integer)
        lexical = format(Decimal(repr(float(value))), "f")
        return Literal(lexical if "." in lexical else lexical + ".0", datatype=XSD.decimal)
    if definition.datatype == "uri":
        return Literal(str(value), datatype=XSD.anyURI)
    return Literal(str(value), lang=_LANGUAGES.get(definition.name))


# -- import


def read_rdf(path: Path, schema: Schema, fmt: Format | None = None) -> Parsed:
    """Read Turtle or JSON-LD in the project's ontology (as ``export_rdf`` writes it) back into records.

    The format comes from ``fmt`` or the file's extension (.ttl/.nt, .jsonld/.json).
    Raises ``ValidationError`` naming the file and line for a syntax error, and
    listing every subject with an unknown class or property, a property with
    several values where one is allowed, or a statement that is not one
    relationship. Multi-valued properties come back sorted: RDF's repeated
    values have no order. JSON-LD must carry its context inline (remote
    contexts are not fetched).
    """
    path = Path(path)
    fmt = fmt or FORMATS.get(path.suffix.lower())
    if fmt not in ("turtle", "json-ld"):
        raise ValidationError(
            [Problem(path.name, None, None, "cannot tell the RDF format: use .ttl or .jsonld, or name the format")]
        )
    graph = _parse(path, fmt)
    return _Importer(path.name, graph, schema).read()


def _parse(path: Path, fmt: Format) -> Graph:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise ValidationError([Problem(str(path), None, None, f"cannot be read: {exc.strerror or exc}")]) from exc
    except UnicodeDecodeError as exc:
        raise ValidationError([Problem(path.name, None, None, f"is not UTF-8 text: {exc.reason}")]) from exc
    if fmt == "json-ld":
        _check_json(text, path.name)
    try:
        with warnings.catch_warnings():
            # rdflib's own JSON-LD parser uses its deprecated ConjunctiveGraph; nothing for us to act on.
            warnings.filterwarnings("ignore", "ConjunctiveGraph is deprecated", DeprecationWarning)
            return Graph().parse(data=text, format=fmt, publicID=DATA)
    except BadSyntax as exc:
        # ``lines`` counts the newlines before the error, so it is the 0-based line.
        where = f"{path.name} line {exc.lines + 1}"
        raise ValidationError([Problem(where, None, None, f"is not valid Turtle: {exc._why}")]) from exc
    except Exception as exc:  # rdflib's parsers raise many types; each means "unreadable"
        raise ValidationError([Problem(path.name, None, None, f"cannot be read as {fmt}: {exc}")]) from exc


def _check_json(text: str, name: str) -> None:
    """Syntax errors with line and column, and no remote @context (which rdflib would fetch)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"{name} line {exc.lineno} column {exc.colno}"
        raise ValidationError([Problem(where, None, None, f"is not valid JSON: {exc.msg}")]) from exc

    def contexts(value: Any) -> Iterator[Any]:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key == "@context":
                    yield from inner if isinstance(inner, list) else [inner]
                else:
                    yield from contexts(inner)
        elif isinstance(value, list):
            for inner in value:
                yield from contexts(inner)

    remote = [c for c in contexts(document) if isinstance(c, str)]
    if remote:
        raise ValidationError(
            [Problem(name, "@context", remote[0], "remote JSON-LD contexts are not fetched; inline the context")]
        )


class _Importer:
    """Turns an rdflib graph in the ontology's terms into node and edge records, collecting every problem."""

    def __init__(self, name: str, graph: Graph, schema: Schema) -> None:
        self.name = name
        self.g = graph
        self.schema = schema
        self.classes = {URIRef(c.iri): c for c in schema.classes.values()}
        self.relationships = {URIRef(r.iri): r for r in schema.relationships.values()}
        self.id_iri = URIRef(next(iter(schema.classes.values())).properties["id"].iri)
        self.problems: list[Problem] = []
        self.notes: list[str] = []

    def read(self) -> Parsed:
        statements: list[RDFNode] = []
        subjects: dict[RDFNode, NodeRecord] = {}
        triples: list[tuple[RDFNode, RelationshipType, RDFNode]] = []
        for subject in sorted(set(self.g.subjects()), key=str):
            types = set(self.g.objects(subject, RDF.type))
            if RDF.Statement in types:
                statements.append(subject)
                continue
            node = self._node(subject, types, triples)
            if node is not None:
                subjects[subject] = node
        self.ids = {s: n.id for s, n in subjects.items()}
        edges = self._edges(triples, statements)
        if self.problems:
            raise ValidationError(self.problems)
        return Parsed(list(subjects.values()), edges, self.notes)

    def _where(self, subject: RDFNode) -> str:
        return f"{self.name}, subject <{subject}>"

    def _node(
        self, subject: RDFNode, types: set[RDFNode], triples: list[tuple[RDFNode, RelationshipType, RDFNode]]
    ) -> NodeRecord | None:
        where = self._where(subject)
        known = [self.classes[t] for t in types if t in self.classes]
        for t in sorted(types - self.classes.keys(), key=str):
            self.problems.append(Problem(where, "rdf:type", str(t), "is not a class of the chanjiao ontology"))
        if len(known) != 1:
            if not known and not types - self.classes.keys():
                self.problems.append(Problem(where, "rdf:type", None, "has no class of the chanjiao ontology"))
            elif len(known) > 1:
                names = ", ".join(sorted(c.name for c in known))
                self.problems.append(Problem(where, "rdf:type", names, "a node has exactly one class"))
            return None
        cls = known[0]
        ids = [str(v) for v in self.g.objects(subject, self.id_iri)]
        if len(ids) > 1:
            self.problems.append(Problem(where, "id", ids, "a node has exactly one id"))
            return None
        node_id = ids[0] if ids else self._id_from_iri(subject)
        if node_id is None:
            self.problems.append(Problem(where, "id", None, "has no cj:id and its IRI is not a chanjiao node IRI"))
            return None
        by_iri = {URIRef(p.iri): p for p in cls.properties.values()}
        values: dict[str, list[Any]] = defaultdict(list)
        for predicate, obj in self.g.predicate_objects(subject):
            if predicate in (RDF.type, self.id_iri):
                continue
            if predicate in self.relationships:
                triples.append((subject, self.relationships[predicate], obj))
            elif predicate in by_iri:
                values[by_iri[predicate].name].append(self._value(obj, by_iri[predicate], where))
            else:
                allowed = ", ".join(p.name for p in cls.properties.values())
                self.problems.append(
                    Problem(where, str(predicate), None, f"is not a property of a {cls.name}; allowed: {allowed}")
                )
        props = self._props(values, cls.properties, where)
        return NodeRecord(cls.name, node_id, props, f"{where} ({cls.name} {node_id!r})")

    def _props(self, values: dict[str, list[Any]], defs: dict[str, PropertyDef], where: str) -> dict[str, Any]:
        props: dict[str, Any] = {}
        for name, found in values.items():
            if defs[name].multi_valued:
                props[name] = sorted(found, key=str)
            elif len(found) > 1:
                self.problems.append(
                    Problem(where, name, sorted(map(str, found)), "has several values; one is allowed")
                )
            else:
                props[name] = found[0]
        return props

    def _value(self, obj: RDFNode, definition: PropertyDef, where: str) -> Any:
        """The Python value of a literal, leaving range and enumeration checks to validation."""
        if not isinstance(obj, Literal):
            if definition.datatype == "uri" and isinstance(obj, URIRef):
                return str(obj)
            self.problems.append(Problem(where, definition.name, str(obj), "must be a literal value, not a resource"))
            return None
        lexical = str(obj)
        if definition.datatype == "number":
            try:
                return int(lexical) if obj.datatype in _INTEGER_TYPES else float(lexical)
            except ValueError:
                return lexical  # validation names it as "not a number"
        return lexical

    def _id_from_iri(self, iri: RDFNode) -> str | None:
        text = str(iri)
        if isinstance(iri, URIRef) and text.startswith(str(DATA)) and "/" not in text[len(DATA) :]:
            return unquote(text[len(DATA) :])
        return None

    def _end(self, obj: RDFNode) -> str | None:
        """The node id an edge end refers to: a subject of this file, or a node IRI (perhaps already in the graph)."""
        return self.ids.get(obj) or self._id_from_iri(obj)

    def _edges(
        self, triples: list[tuple[RDFNode, RelationshipType, RDFNode]], statements: list[RDFNode]
    ) -> list[EdgeRecord]:
        described: dict[tuple[RDFNode, str, RDFNode], list[EdgeRecord]] = defaultdict(list)
        for statement in statements:
            parsed = self._statement(statement)
            if parsed is not None:
                triple, record = parsed
                described[triple].append(record)
        edges: list[EdgeRecord] = []
        asserted = set()
        for subject, rel, obj in sorted(triples, key=lambda t: (str(t[0]), t[1].name, str(t[2]))):
            where = f"{self.name}, triple <{subject}> {rel.name} <{obj}>"
            asserted.add((subject, rel.name, obj))
            if (subject, rel.name, obj) in described:
                continue  # the statements describing it carry its properties
            source, target = self._end(subject), self._end(obj)
            if target is None:
                self.problems.append(
                    Problem(where, rel.name, str(obj), "the object is neither a node of this file nor a node IRI")
                )
                continue
            if source is not None:
                edges.append(EdgeRecord(rel.name, source, target, {}, where))
        unasserted = 0
        for triple, records in sorted(described.items(), key=lambda item: [str(x) for x in item[0]]):
            unasserted += triple not in asserted
            edges.extend(records)
        if unasserted:
            # Reification alone does not assert a triple; this importer reads the
            # statement as the relationship anyway, as its own export never omits the triple.
            self.notes.append(f"{unasserted} relationship(s) came only from rdf:Statement, without the plain triple.")
        return edges

    def _statement(self, statement: RDFNode) -> tuple[tuple[RDFNode, str, RDFNode], EdgeRecord] | None:
        where = f"{self.name}, statement <{statement}>"
        parts = {}
        for predicate in (RDF.subject, RDF.predicate, RDF.object):
            found = list(self.g.objects(statement, predicate))
            if len(found) != 1:
                self.problems.append(Problem(where, predicate.n3(self.g.namespace_manager), None, "needs exactly one"))
                return None
            parts[predicate] = found[0]
        rel = self.relationships.get(parts[RDF.predicate])
        if rel is None:
            predicate = str(parts[RDF.predicate])
            self.problems.append(Problem(where, "rdf:predicate", predicate, "is not a relationship of the ontology"))
            return None
        by_iri = {URIRef(p.iri): p for p in rel.properties.values()}
        values: dict[str, list[Any]] = defaultdict(list)
        for predicate, obj in self.g.predicate_objects(statement):
            if predicate in (RDF.type, RDF.subject, RDF.predicate, RDF.object):
                continue
            if predicate in by_iri:
                values[by_iri[predicate].name].append(self._value(obj, by_iri[predicate], where))
            else:
                allowed = ", ".join(rel.properties)
                self.problems.append(
                    Problem(where, str(predicate), None, f"is not a property of {rel.name}; allowed: {allowed}")
                )
        ends = [self._end(parts[RDF.subject]), self._end(parts[RDF.object])]
        for field, ref, value in zip(
            ("rdf:subject", "rdf:object"), ends, (parts[RDF.subject], parts[RDF.object]), strict=True
        ):
            if ref is None:
                self.problems.append(Problem(where, field, str(value), "is neither a node of this file nor a node IRI"))
        props = self._props(values, rel.properties, where)
        if None in ends:
            return None
        record = EdgeRecord(rel.name, ends[0], ends[1], props, f"{where} ({rel.name} {ends[0]!r} -> {ends[1]!r})")
        return (parts[RDF.subject], rel.name, parts[RDF.object]), record
