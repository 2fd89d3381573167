"""The graph schema, derived from the ontology (``chanjiao.ttl``).

Everything downstream asks this module for labels, relationship types, their
endpoints, properties and allowed values; none of them is written anywhere else.

Examples
--------
>>> schema = load_schema()
>>> schema.node_class("Course").label_zh
'课程'
>>> schema.root, schema.root in schema.classes
('Entity', False)
>>> sorted(schema.relationship("REQUIRES").sources)
['Occupation', 'TypicalWorkTask']
>>> schema.relationship("REQUIRES").properties["level"].coerce("3")
3
>>> [v.notation for v in schema.enumeration("CompetencyDimensionScheme").values]
['professional', 'methodological', 'social', 'quality']
>>> schema.node_class("Cohort").links
(LinkRule(relationship='HAS_COHORT', incoming=True, minimum=1, maximum=1),)
>>> schema.relationship("ACHIEVED").covered_by
CoverRule(reference='assessment', relationship='ASSESSES', referred='Assessment')
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from rdflib import OWL, RDF, RDFS, SKOS, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection

CJ = Namespace("https://w3id.org/chanjiao/ontology#")
ONTOLOGY_PATH = Path(__file__).with_name("chanjiao.ttl")

_TRUE = {"true", "t", "yes", "y", "1", "是", "√", "✓", "✔"}
_FALSE = {"false", "f", "no", "n", "0", "否", "×", "✗"}

_BASE_TYPES: dict[URIRef, str] = {
    XSD.string: "string",
    XSD.anyURI: "uri",
    XSD.boolean: "boolean",
    XSD.integer: "integer",
    XSD.nonNegativeInteger: "integer",
    XSD.positiveInteger: "integer",
    XSD.decimal: "number",
    XSD.double: "number",
    XSD.date: "date",
}
_IMPLIED_MINIMUM = {XSD.nonNegativeInteger: 0, XSD.positiveInteger: 1}


class SchemaError(Exception):
    """The ontology file itself is inconsistent."""


@dataclass(frozen=True)
class EnumValue:
    """One allowed value of an enumeration (a SKOS concept)."""

    notation: str | int
    label_zh: str
    label_en: str


@dataclass(frozen=True)
class Enumeration:
    """A SKOS concept scheme whose notations are the allowed values of a property."""

    name: str
    label_zh: str
    label_en: str
    values: tuple[EnumValue, ...]

    @property
    def notations(self) -> tuple[str | int, ...]:
        return tuple(v.notation for v in self.values)

    def label(self, notation: str | int, lang: str = "zh") -> str:
        for value in self.values:
            if value.notation == notation:
                return value.label_zh if lang == "zh" else value.label_en
        raise KeyError(notation)


@dataclass(frozen=True)
class PropertyDef:
    """A node or relationship property with its value type and constraints."""

    name: str
    iri: str
    datatype: str  # string | uri | boolean | integer | number | date (kept as ISO text, YYYY-MM-DD)
    label_zh: str
    label_en: str
    comment: str
    minimum: int | float | None = None
    maximum: int | float | None = None
    enumeration: Enumeration | None = None
    multi_valued: bool = False
    searchable: bool = False
    indexed: bool = False
    #: The class of the node whose id the value is (``cj:refersTo``), for a reference kept as a property.
    refers_to: str | None = None

    def coerce(self, value: Any) -> Any:
        """Return ``value`` as this property's type, or raise ``ValueError`` saying why not.

        Strings, as read from a spreadsheet, are converted; ``None`` and blank
        strings mean "no value" and come back as ``None``.

        >>> load_schema().node_class("Teacher").properties["dual_qualified"].coerce("是")
        True
        """
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if self.multi_valued:
            items = value if isinstance(value, list | tuple) else str(value).split("|")
            coerced = [self._coerce_one(v) for v in items]
            # A list of aliases is a set in meaning: keep the first of each, in order.
            return list(dict.fromkeys(v for v in coerced if v is not None)) or None
        if isinstance(value, list | tuple):
            raise ValueError(f"expected a single {self.datatype}, got a list")
        return self._coerce_one(value)

    def _coerce_one(self, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
            if not value:
                return None
        converted = _CONVERTERS[self.datatype](value)
        if self.minimum is not None and converted < self.minimum:
            raise ValueError(f"{converted} is below the minimum {self.minimum}")
        if self.maximum is not None and converted > self.maximum:
            raise ValueError(f"{converted} is above the maximum {self.maximum}")
        if self.enumeration is not None and converted not in self.enumeration.notations:
            allowed = ", ".join(str(n) for n in self.enumeration.notations)
            raise ValueError(f"{converted!r} is not one of: {allowed}")
        return converted


def _to_string(value: Any) -> str:
    if isinstance(value, bool | dict | list):
        raise ValueError(f"expected text, got {type(value).__name__}")
    return str(value)


def _to_boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{value!r} is not a yes/no value (true/false, 是/否, 1/0)")


#: Whole numbers are 64-bit, as Neo4j stores them: a bigger one is refused, never half-stored on one store only.
_INT64 = 2**63


def _to_integer(value: Any) -> int:
    """A whole number within 64 bits.

    >>> _to_integer("3"), _to_integer("1e3")
    (3, 1000)
    >>> _to_integer("1e99999999")  # refused at once, not expanded to a hundred million digits
    Traceback (most recent call last):
    ...
    ValueError: '1e99999999' is too large for a whole number (at most 19 digits)
    """
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a whole number")
    # The usual cases, exact without a Decimal: an int within 64 bits, or text of at most 18 ASCII digits.
    if type(value) is int and -_INT64 <= value < _INT64:
        return value
    if type(value) is str and len(value) <= 18 and value.isascii() and value.strip().isdigit():
        return int(value)
    if isinstance(value, int):
        number = Decimal(value)
    else:
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a whole number") from None
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a whole number")
    if number.adjusted() > 18:  # checked before ``int``: expanding "1e99999999" would take forever
        raise ValueError(f"{value!r} is too large for a whole number (at most 19 digits)")
    if number != number.to_integral_value():
        raise ValueError(f"{value!r} is not a whole number")
    whole = int(number)
    if not -_INT64 <= whole < _INT64:
        raise ValueError(f"{value!r} is too large for a whole number (at most 19 digits)")
    return whole


def _to_number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, int | float):
        number: int | float = value
    else:
        try:
            number = float(str(value).strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"{value!r} is not a finite number")
    return number


def _to_date(value: Any) -> str:
    """A calendar date as ISO text (YYYY-MM-DD): text stays comparable and equal on every store.

    >>> _to_date("2025-03-01"), _to_date(datetime(2025, 3, 1))
    ('2025-03-01', '2025-03-01')
    """
    if isinstance(value, datetime):  # a spreadsheet's date cell arrives as a datetime at midnight
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = _to_string(value).strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError(f"{text!r} is not a date written as YYYY-MM-DD")
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise ValueError(f"{text!r} is not a calendar date") from None


def _to_uri(value: Any) -> str:
    text = _to_string(value)
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$", text):
        raise ValueError(f"{text!r} is not an absolute URI")
    return text


_CONVERTERS = {
    "string": _to_string,
    "uri": _to_uri,
    "boolean": _to_boolean,
    "integer": _to_integer,
    "number": _to_number,
    "date": _to_date,
}


@dataclass(frozen=True)
class LinkRule:
    """How many relationships of a type a node of a class must have (an ``owl:Restriction`` on the class).

    ``incoming`` is True for relationships that arrive at the node (the restriction is on the
    ``owl:inverseOf`` the type); ``maximum`` None means no upper bound.
    """

    relationship: str
    incoming: bool
    minimum: int
    maximum: int | None

    def allows(self, count: int) -> bool:
        return count >= self.minimum and (self.maximum is None or count <= self.maximum)

    def describe(self, schema: Schema) -> str:
        """The rule in words, e.g. ``exactly 1 HAS_COHORT (包含届次) from a Program``.

        >>> load_schema().node_class("Cohort").links[0].describe(load_schema())
        'exactly 1 HAS_COHORT (包含届次) from a Program'
        """
        if self.maximum == self.minimum:
            count = f"exactly {self.minimum}"
        elif self.maximum is None:
            count = f"at least {self.minimum}"
        elif self.minimum == 0:
            count = f"at most {self.maximum}"
        else:
            count = f"{self.minimum} to {self.maximum}"
        rel = schema.relationship(self.relationship)
        ends = sorted(rel.sources if self.incoming else rel.targets)
        article = "an" if ends[0][:1] in "AEIOU" else "a"
        return f"{count} {rel.name} ({rel.label_zh}) {'from' if self.incoming else 'to'} {article} {' or '.join(ends)}"


@dataclass(frozen=True)
class CoverRule:
    """A relationship whose ``reference`` property names a ``referred`` node that must reach the relationship's
    target by a ``relationship`` (``cj:coveredBy``): e.g. a cohort's result must be for a competency its
    assessment ASSESSES, at a level no higher than the assessed one."""

    reference: str
    relationship: str
    referred: str


@dataclass(frozen=True)
class NodeClass:
    """A node label of the graph."""

    name: str
    iri: str
    label_zh: str
    label_en: str
    comment: str
    properties: dict[str, PropertyDef]
    required: frozenset[str]
    links: tuple[LinkRule, ...] = ()


@dataclass(frozen=True)
class RelationshipType:
    """A relationship type with its allowed endpoint classes and properties."""

    name: str
    iri: str
    label_zh: str
    label_en: str
    comment: str
    sources: frozenset[str]
    targets: frozenset[str]
    properties: dict[str, PropertyDef]
    required: frozenset[str]
    keys: tuple[str, ...] = ()
    same_class: bool = False
    acyclic: bool = False
    covered_by: CoverRule | None = None

    def allows(self, source_class: str, target_class: str) -> bool:
        """Whether this type may join a ``source_class`` node to a ``target_class`` node."""
        if source_class not in self.sources or target_class not in self.targets:
            return False
        return source_class == target_class if self.same_class else True


@dataclass(frozen=True)
class Schema:
    """Labels, relationship types, properties and enumerations of the graph."""

    iri: str
    version: str
    classes: dict[str, NodeClass]
    relationships: dict[str, RelationshipType]
    enumerations: dict[str, Enumeration]
    searchable: tuple[str, ...] = field(default=())
    #: The abstract class every class descends from (``cj:Entity``): on Neo4j, the label every node
    #: carries besides its class's. Not a class of ``classes``: nothing is counted, exported or styled by it.
    root: str = field(default="", kw_only=True)

    def node_class(self, name: str) -> NodeClass:
        try:
            return self.classes[name]
        except KeyError:
            raise KeyError(f"unknown class {name!r}; known: {', '.join(self.classes)}") from None

    def relationship(self, name: str) -> RelationshipType:
        try:
            return self.relationships[name]
        except KeyError:
            known = ", ".join(self.relationships)
            raise KeyError(f"unknown relationship type {name!r}; known: {known}") from None

    def enumeration(self, name: str) -> Enumeration:
        return self.enumerations[name]

    def level_labels(self) -> dict[int, tuple[str, str]]:
        """The skill-level scale: level → (zh, en) label."""
        scheme = self.enumerations["SkillLevelScheme"]
        return {int(v.notation): (v.label_zh, v.label_en) for v in scheme.values}


@cache
def load_schema(path: Path = ONTOLOGY_PATH) -> Schema:
    """Read the ontology and derive the schema (cached: the file is read once)."""
    text = path.read_text(encoding="utf-8")
    return _SchemaReader(Graph().parse(data=text, format="turtle"), text).read()


class _SchemaReader:
    def __init__(self, graph: Graph, text: str) -> None:
        self.g = graph
        # Classes, relationships and enum values keep the file's order: the
        # order a person reads them in, and a stable one.
        self._positions = {m.group(1): m.start() for m in re.finditer(r"^cj:(\S+)\s", text, re.MULTILINE)}

    def read(self) -> Schema:
        enumerations = {
            self._local(s): self._enumeration(s) for s in self._in_order(self.g.subjects(RDF.type, SKOS.ConceptScheme))
        }
        self._enums_by_iri = {str(CJ[name]): e for name, e in enumerations.items()}
        properties = [self._property(p) for p in self._in_order(self.g.subjects(RDF.type, OWL.DatatypeProperty))]
        self._props_by_iri = {p.iri: p for p in properties}
        classes = {}
        roots: set[str] | None = None  # the abstract classes that are ancestors of every class
        for cls in self._in_order(self.g.subjects(RDF.type, OWL.Class)):
            if not isinstance(cls, URIRef) or not str(cls).startswith(str(CJ)) or self._flag(cls, CJ.abstract):
                continue
            props, required, _ = self._attached(cls, RDFS.subClassOf)
            above = {self._local(up) for up in self._ancestors(cls, RDFS.subClassOf) if self._flag(up, CJ.abstract)}
            roots = above if roots is None else roots & above
            classes[self._local(cls)] = NodeClass(
                name=self._local(cls),
                iri=str(cls),
                label_zh=self._label(cls, "zh"),
                label_en=self._label(cls, "en"),
                comment=self._comment(cls),
                properties=props,
                required=frozenset(required),
                links=tuple(self._links(cls)),
            )
        relationships = {}
        for rel in self._in_order(self.g.subjects(RDF.type, OWL.ObjectProperty)):
            if not str(rel).startswith(str(CJ)) or self._flag(rel, CJ.abstract):
                continue
            props, required, keys = self._attached(rel, RDFS.subPropertyOf)
            sources = self._class_names(self.g.value(rel, RDFS.domain))
            targets = self._class_names(self.g.value(rel, RDFS.range))
            for endpoint in sources | targets:
                if endpoint not in classes:
                    raise SchemaError(f"{self._local(rel)} names unknown class {endpoint}")
            relationships[self._local(rel)] = RelationshipType(
                name=self._local(rel),
                iri=str(rel),
                label_zh=self._label(rel, "zh"),
                label_en=self._label(rel, "en"),
                comment=self._comment(rel),
                sources=sources,
                targets=targets,
                properties=props,
                required=frozenset(required),
                keys=tuple(keys),
                same_class=self._flag(rel, CJ.sameClass),
                acyclic=self._flag(rel, CJ.acyclic),
                covered_by=self._cover(rel, props),
            )
        self._check_rules(classes, relationships)
        if not roots or len(roots) > 1:
            raise SchemaError(f"the classes need one abstract class above them all, not {sorted(roots or [])}")
        ontology = next(self.g.subjects(RDF.type, OWL.Ontology))
        searchable = tuple(p.name for p in properties if p.searchable)
        return Schema(
            iri=str(ontology),
            version=str(self.g.value(ontology, OWL.versionInfo)),
            classes=classes,
            relationships=relationships,
            enumerations=enumerations,
            searchable=searchable,
            root=roots.pop(),
        )

    # -- rules beyond one item: how many relationships a node needs, what a reference must reach

    def _links(self, cls: URIRef) -> Iterable[LinkRule]:
        """The cardinality restrictions among the superclasses of ``cls`` (and of its ancestors)."""
        for node in [*self._ancestors(cls, RDFS.subClassOf), cls]:
            for restriction in self.g.objects(node, RDFS.subClassOf):
                if (restriction, RDF.type, OWL.Restriction) not in self.g:
                    continue
                on = self.g.value(restriction, OWL.onProperty)
                inverse = self.g.value(on, OWL.inverseOf) if on is not None else None
                rel = inverse if inverse is not None else on
                exact = self.g.value(restriction, OWL.cardinality)
                low = self.g.value(restriction, OWL.minCardinality)
                high = self.g.value(restriction, OWL.maxCardinality)
                if rel is None or (exact is None and low is None and high is None):
                    raise SchemaError(f"{self._local(cls)} has a restriction without a property or a cardinality")
                minimum = int(exact if exact is not None else low if low is not None else 0)
                maximum = int(exact) if exact is not None else int(high) if high is not None else None
                yield LinkRule(self._local(rel), inverse is not None, minimum, maximum)

    def _cover(self, rel: URIRef, props: dict[str, PropertyDef]) -> CoverRule | None:
        covering = self.g.value(rel, CJ.coveredBy)
        if covering is None:
            return None
        references = [p for p in props.values() if p.refers_to is not None]
        if len(references) != 1:
            raise SchemaError(f"{self._local(rel)} is cj:coveredBy, so it needs exactly one cj:refersTo property")
        return CoverRule(references[0].name, self._local(covering), references[0].refers_to)  # type: ignore[arg-type]

    @staticmethod
    def _check_rules(classes: dict[str, NodeClass], relationships: dict[str, RelationshipType]) -> None:
        for cls in classes.values():
            for link in cls.links:
                rel = relationships.get(link.relationship)
                ends = None if rel is None else rel.targets if link.incoming else rel.sources
                if ends is None or cls.name not in ends:
                    raise SchemaError(f"{cls.name} restricts {link.relationship}, which does not end at a {cls.name}")
        for rel in relationships.values():
            rule = rel.covered_by
            if rule is None:
                continue
            covering = relationships.get(rule.relationship)
            if covering is None or rule.referred not in covering.sources or not rel.targets <= covering.targets:
                article = "an" if rule.referred[:1] in "AEIOU" else "a"
                raise SchemaError(
                    f"{rel.name} is covered by {rule.relationship}, "
                    f"which must join {article} {rule.referred} to its targets"
                )

    # -- pieces

    def _enumeration(self, scheme: URIRef) -> Enumeration:
        concepts = list(self.g.subjects(SKOS.inScheme, scheme))
        values = []
        for concept in concepts:
            notation = self.g.value(concept, SKOS.notation)
            if notation is None:
                raise SchemaError(f"{concept} has no skos:notation")
            values.append(
                (
                    self._line(concept),
                    EnumValue(notation.toPython(), self._label(concept, "zh"), self._label(concept, "en")),
                )
            )
        values.sort(key=lambda pair: pair[0])
        return Enumeration(
            self._local(scheme), self._label(scheme, "zh"), self._label(scheme, "en"), tuple(v for _, v in values)
        )

    def _property(self, prop: URIRef) -> PropertyDef:
        rng = self.g.value(prop, RDFS.range)
        base, minimum, maximum, scheme = rng, None, None, self.g.value(prop, CJ.valueScheme)
        if rng is not None and (rng, RDF.type, RDFS.Datatype) in self.g:
            base = self.g.value(rng, OWL.onDatatype)
            for restriction in Collection(self.g, self.g.value(rng, OWL.withRestrictions)):
                for facet, obj in self.g.predicate_objects(restriction):
                    if facet == XSD.minInclusive:
                        minimum = obj.toPython()
                    elif facet == XSD.maxInclusive:
                        maximum = obj.toPython()
            scheme = scheme or self.g.value(rng, CJ.valueScheme)
        if base not in _BASE_TYPES:
            raise SchemaError(f"{prop} has unsupported range {rng}")
        minimum = _IMPLIED_MINIMUM.get(base, minimum) if minimum is None else minimum
        enumeration = None
        # A skill level is an integer whose scheme only labels the values.
        if scheme is not None and _BASE_TYPES[base] == "string":
            enumeration = self._enums_by_iri[str(scheme)]
        return PropertyDef(
            name=self._key(prop),
            iri=str(prop),
            datatype=_BASE_TYPES[base],
            label_zh=self._label(prop, "zh"),
            label_en=self._label(prop, "en"),
            comment=self._comment(prop),
            minimum=minimum,
            maximum=maximum,
            enumeration=enumeration,
            multi_valued=self._flag(prop, CJ.multiValued),
            searchable=self._flag(prop, CJ.searchable),
            indexed=self._flag(prop, CJ.indexed),
            refers_to=self._local(refers) if (refers := self.g.value(prop, CJ.refersTo)) is not None else None,
        )

    def _attached(self, subject: URIRef, parent: URIRef) -> tuple[dict[str, PropertyDef], list[str], list[str]]:
        """Properties attached to ``subject`` or to its ancestors along ``parent``."""
        props: dict[str, PropertyDef] = {}
        required: list[str] = []
        keys: list[str] = []
        for node in [*reversed(list(self._ancestors(subject, parent))), subject]:
            for annotation, bucket in ((CJ.keyProperty, keys), (CJ.requiredProperty, required), (CJ.hasProperty, None)):
                for prop in self._in_order(self.g.objects(node, annotation)):
                    definition = self._props_by_iri[str(prop)]
                    if definition.name in props and props[definition.name].iri != definition.iri:
                        raise SchemaError(f"{self._local(subject)} has two properties named {definition.name}")
                    props[definition.name] = definition
                    if bucket is not None:
                        bucket.append(definition.name)
        return props, required + keys, keys

    def _ancestors(self, subject: URIRef, parent: URIRef) -> Iterable[URIRef]:
        for up in self.g.objects(subject, parent):
            if isinstance(up, URIRef) and str(up).startswith(str(CJ)):
                yield up
                yield from self._ancestors(up, parent)

    def _class_names(self, node: URIRef | BNode | None) -> frozenset[str]:
        if node is None:
            raise SchemaError("a relationship lacks rdfs:domain or rdfs:range")
        union = self.g.value(node, OWL.unionOf)
        members = list(Collection(self.g, union)) if union is not None else [node]
        return frozenset(self._local(m) for m in members)

    def _key(self, prop: URIRef) -> str:
        key = self.g.value(prop, CJ.graphKey)
        return str(key) if key is not None else self._local(prop)

    def _flag(self, subject: URIRef, annotation: URIRef) -> bool:
        value = self.g.value(subject, annotation)
        return bool(value.toPython()) if isinstance(value, Literal) else False

    def _label(self, subject: URIRef, lang: str) -> str:
        for predicate in (RDFS.label, SKOS.prefLabel):
            for label in self.g.objects(subject, predicate):
                if isinstance(label, Literal) and label.language == lang:
                    return str(label)
        raise SchemaError(f"{subject} has no {lang} label")

    def _comment(self, subject: URIRef) -> str:
        comment = self.g.value(subject, RDFS.comment)
        return str(comment) if comment is not None else ""

    @staticmethod
    def _local(iri: URIRef) -> str:
        return str(iri).rsplit("#", 1)[-1]

    def _in_order(self, subjects: Iterable[Any]) -> list[Any]:
        return sorted(set(subjects), key=self._line)

    def _line(self, subject: Any) -> int:
        return self._positions.get(self._local(subject), 1 << 30)
