"""1EdTech CASE v1.0 framework packages (CFPackage JSON) as competencies.

A CASE package holds one ``CFDocument`` (a framework), its ``CFItems`` (the
statements) and ``CFAssociations`` between them. The mapping (see
docs/loaders-case-rdf.md for the reasoning):

* every CFItem becomes a ``Competency`` with id ``case:<identifier>``; its
  ``fullStatement`` is the name (``name_zh`` when it contains CJK text,
  ``name_en`` otherwise), ``notes`` the description, ``humanCodingScheme``,
  ``abbreviatedStatement`` and ``alternativeLabel`` the alternative labels;
  ``kind`` comes from the item's CFItemType where its wording says so, else a
  default; ``dimension`` is a default (CASE has no such notion);
* the CFDocument is not a node (the ontology has no framework class): its title
  is every competency's ``framework``, its URI their ``source``;
* ``isChildOf`` and ``isPartOf`` become ``BROADER`` (origin → destination),
  ``exactMatchOf`` becomes ``EXACT_MATCH``; an item that is a child of the
  document itself is top-level and gets no edge;
* every other association type has no counterpart in the ontology: each such
  association is listed in the load report (``Parsed.notes``), by type with its
  count, not dropped silently. So are cross-framework associations (a mapped
  type whose other end is not in this package), unless ``link_external`` is set.
"""

from __future__ import annotations

import bisect
import json
import json.scanner
import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph.errors import Problem, ValidationError
from graph.records import EdgeRecord, NodeRecord
from loaders.pipeline import Parsed
from ontology.schema import Schema

#: Association types with a true counterpart in the ontology. ``isPartOf`` is
#: partitive hierarchy, which SKOS explicitly allows under skos:broader (the
#: super-property of BROADER); it is never an equivalence, so it is not a match.
MAPPED: dict[str, str] = {
    "isChildOf": "BROADER",
    "isPartOf": "BROADER",
    "exactMatchOf": "EXACT_MATCH",
}

#: Types whose two ends must be in the same framework: a missing end is a
#: missing item (reported by validation), never a cross-framework reference.
HIERARCHY = frozenset({"isChildOf", "isPartOf"})

#: The association types of CASE v1.0, for the report (any other is reported as non-standard).
CASE_TYPES = frozenset(
    {
        "isChildOf",
        "isPeerOf",
        "isPartOf",
        "exactMatchOf",
        "precedes",
        "isRelatedTo",
        "replacedBy",
        "exemplar",
        "hasSkillLevel",
    }
)

#: Words in a CFItemType that say what kind of statement an item is. CFItemType
#: is free text chosen by each publisher ("Standard", "Knowledge Statement",
#: "Disposition" ...), so only clear wording is trusted; anything else gets the default.
KIND_WORDS: tuple[tuple[str, str], ...] = (
    ("knowledge", "knowledge"),
    ("concept", "knowledge"),
    ("understanding", "knowledge"),
    ("attitude", "attitude"),
    ("disposition", "attitude"),
    ("value", "attitude"),
    ("skill", "skill"),
    ("ability", "skill"),
    ("practice", "skill"),
)

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]")


def read_case(
    path: Path,
    schema: Schema,
    *,
    default_kind: str = "skill",
    dimension: str = "professional",
    kinds: Mapping[str, str] | None = None,
    link_external: bool = False,
) -> Parsed:
    """Read a CASE v1.0 CFPackage JSON file into competencies and their relationships.

    ``default_kind`` is the ``kind`` of an item whose CFItemType does not say
    (skill, knowledge or attitude; most CASE frameworks state skills or
    standards, hence "skill"). ``dimension`` is given to every item: CASE does
    not classify statements into the four dimensions, and a framework is
    usually within one (default "professional"; use e.g. "quality" for a
    framework of professional-quality statements). ``kinds`` maps CFItemType
    titles to kinds and overrides the wording rules of ``KIND_WORDS``.

    Associations of a mapped type (``MAPPED``) whose other end is outside this
    package are cross-framework alignments; by default they are listed in the
    notes and not loaded. With ``link_external`` they become edges to
    ``case:<identifier>`` and validation requires that node to be in the graph
    already (load the other framework first). A hierarchy association
    (isChildOf/isPartOf) to a node outside the package is always an edge, so
    validation reports it as dangling unless the graph holds that node.

    Raises ``ValidationError`` for malformed JSON (with line and column) or a
    package missing what CASE requires (with the line and JSON path of the item).
    """
    path = Path(path)
    for value, allowed in ((default_kind, "CompetencyKindScheme"), (dimension, "CompetencyDimensionScheme")):
        if value not in schema.enumeration(allowed).notations:
            raise ValueError(f"{value!r} is not one of {schema.enumeration(allowed).notations}")
    for title, kind in (kinds or {}).items():
        if kind not in schema.enumeration("CompetencyKindScheme").notations:
            raise ValueError(f"kinds[{title!r}] = {kind!r} is not a competency kind")
    text = _read_text(path)
    package, lines = _parse(text, path.name)
    return _Reader(path.name, package, lines, default_kind, dimension, dict(kinds or {}), link_external).read()


# -- JSON with line numbers


class _LocatingDecoder(json.JSONDecoder):
    """A JSON decoder that remembers where each object started, so errors can name a line.

    The C scanner does not call back per object, so the pure-Python one is
    used; it is slower, but CASE packages are small (a large framework is a few MB).
    """

    def __init__(self) -> None:
        super().__init__()
        self.starts: dict[int, int] = {}
        parse_object = self.parse_object

        def located(s_and_end: tuple[str, int], *args: Any, **kwargs: Any) -> tuple[Any, int]:
            value, end = parse_object(s_and_end, *args, **kwargs)
            self.starts[id(value)] = s_and_end[1] - 1
            return value, end

        self.parse_object = located
        self.scan_once = json.scanner.py_make_scanner(self)


@dataclass
class _Lines:
    """Maps a parsed JSON object back to the line it started on."""

    starts: dict[int, int]
    newlines: list[int]
    keep: Any  # the parsed document: keeps every object alive, so no id() is reused

    def of(self, obj: Any) -> int | None:
        start = self.starts.get(id(obj))
        return None if start is None else bisect.bisect_right(self.newlines, start) + 1


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationError([Problem(str(path), None, None, f"cannot be read: {exc.strerror or exc}")]) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ValidationError([Problem(f"{path.name} line {line}", None, None, "is not UTF-8 text")]) from exc


def _parse(text: str, name: str) -> tuple[dict[str, Any], _Lines]:
    decoder = _LocatingDecoder()
    try:
        document = decoder.decode(text)
    except json.JSONDecodeError as exc:
        where = f"{name} line {exc.lineno} column {exc.colno}"
        raise ValidationError([Problem(where, None, None, f"is not valid JSON: {exc.msg}")]) from exc
    lines = _Lines(decoder.starts, [i for i, c in enumerate(text) if c == "\n"], document)
    # Some services wrap the package as {"CFPackage": {...}}; the standard shape is unwrapped.
    if isinstance(document, dict) and isinstance(document.get("CFPackage"), dict):
        document = document["CFPackage"]
    if not isinstance(document, dict) or not isinstance(document.get("CFDocument"), dict):
        raise ValidationError([Problem(name, "CFDocument", None, "is missing: this is not a CASE CFPackage")])
    return document, lines


# -- the mapping


@dataclass
class _End:
    """One end of an association: the item it names, or the document, or something outside the package."""

    identifier: str
    where: str  # "item", "document" or "outside"
    uri: str | None
    title: str | None


class _Reader:
    def __init__(
        self,
        name: str,
        package: dict[str, Any],
        lines: _Lines,
        default_kind: str,
        dimension: str,
        kinds: dict[str, str],
        link_external: bool,
    ) -> None:
        self.name = name
        self.package = package
        self.lines = lines
        self.default_kind = default_kind
        self.dimension = dimension
        self.kinds = kinds
        self.link_external = link_external
        self.problems: list[Problem] = []
        self.notes: list[str] = []
        self.items: dict[str, str] = {}  # CFItem identifier -> node id
        self.item_uris: dict[str, str] = {}  # CFItem uri -> identifier, for links that give only a uri

    def read(self) -> Parsed:
        document = self.package["CFDocument"]
        doc_id = self._text(document.get("identifier"))
        title = self._text(document.get("title"))
        for field, value in (("identifier", doc_id), ("title", title)):
            if value is None:
                self.problems.append(Problem(self._at(document, "CFDocument"), field, None, "is required by CASE"))
        self.document_id = doc_id or ""
        self.document_uri = self._text(document.get("uri"))
        self.framework = title or ""
        self.source = self.document_uri or f"case:{doc_id}"
        nodes = self._items()
        edges = self._associations()
        if self.problems:
            raise ValidationError(self.problems)
        self.notes.insert(
            0,
            f"CASE document {self.framework!r} ({self.document_id}) is not a node: the ontology has no framework "
            f"class, so its title is the 'framework' and its URI the 'source' of its {len(nodes)} competencies.",
        )
        return Parsed(nodes, edges, self.notes)

    # -- items

    def _items(self) -> list[NodeRecord]:
        items = self.package.get("CFItems", [])
        if not isinstance(items, list):
            self.problems.append(Problem(self._at(items, "CFItems"), "CFItems", None, "must be a list"))
            return []
        nodes = []
        types: Counter[tuple[str, str, str]] = Counter()
        for number, item in enumerate(items):
            where = self._at(item, f"CFItems[{number}]")
            if not isinstance(item, dict):
                self.problems.append(Problem(where, None, None, "is not a JSON object"))
                continue
            identifier = self._text(item.get("identifier"))
            statement = self._text(item.get("fullStatement"))
            for field, value in (("identifier", identifier), ("fullStatement", statement)):
                if value is None:
                    self.problems.append(Problem(where, field, item.get(field), "is required by CASE"))
            if identifier is None or statement is None:
                continue
            item_type = self._item_type(item)
            kind, why = self._kind(item_type)
            types[(item_type or "(none)", kind, why)] += 1
            props: dict[str, Any] = {
                "name_zh" if _CJK.search(statement) else "name_en": statement,
                "description": self._text(item.get("notes")),
                "alt_labels": self._alt_labels(item, statement),
                "kind": kind,
                "dimension": self.dimension,
                "framework": self.framework,
                "source": self.source,
            }
            node_id = f"case:{identifier}"
            self.items[identifier] = node_id
            if uri := self._text(item.get("uri")):
                self.item_uris[uri] = identifier
            nodes.append(NodeRecord("Competency", node_id, {k: v for k, v in props.items() if v}, where))
        for (item_type, kind, why), count in sorted(types.items()):
            self.notes.append(f"CFItemType {item_type!r}: {count} item(s) → kind {kind!r} ({why}).")
        return nodes

    @staticmethod
    def _item_type(item: dict[str, Any]) -> str | None:
        given = item.get("CFItemType")
        if isinstance(given, str) and given.strip():
            return given.strip()
        link = item.get("CFItemTypeURI")
        return _Reader._text(link.get("title")) if isinstance(link, dict) else None

    def _kind(self, item_type: str | None) -> tuple[str, str]:
        if item_type is None:
            return self.default_kind, "no CFItemType: default"
        if item_type in self.kinds:
            return self.kinds[item_type], "given"
        for word, kind in KIND_WORDS:
            # A word start, so "Values" counts but "Evaluation" does not.
            if re.search(rf"\b{word}", item_type, re.IGNORECASE):
                return kind, f"the type says {word!r}"
        return self.default_kind, "default"

    def _alt_labels(self, item: dict[str, Any], statement: str) -> list[str]:
        labels = []
        for field in ("humanCodingScheme", "abbreviatedStatement", "alternativeLabel"):
            value = self._text(item.get(field))
            if value and value != statement and value not in labels:
                labels.append(value)
        return labels

    # -- associations

    def _associations(self) -> list[EdgeRecord]:
        associations = self.package.get("CFAssociations", [])
        if not isinstance(associations, list):
            self.problems.append(Problem(self._at(associations, "CFAssociations"), None, None, "must be a list"))
            return []
        edges: dict[tuple[str, str, str], EdgeRecord] = {}
        top_level: list[str] = []
        duplicates = 0
        kept: dict[str, list[str]] = defaultdict(list)  # association type -> one report line each
        external: dict[str, list[str]] = defaultdict(list)
        for number, association in enumerate(associations):
            where = self._at(association, f"CFAssociations[{number}]")
            if not isinstance(association, dict):
                self.problems.append(Problem(where, None, None, "is not a JSON object"))
                continue
            kind = self._text(association.get("associationType"))
            origin = self._end(association, "originNodeURI", where)
            target = self._end(association, "destinationNodeURI", where)
            if kind is None:
                self.problems.append(Problem(where, "associationType", None, "is required by CASE"))
            if kind is None or origin is None or target is None:
                continue
            identifier = self._text(association.get("identifier"))
            where = f"{where} ({kind} {identifier})" if identifier else f"{where} ({kind})"
            line = self._line(identifier, kind, origin, target)
            rel_type = MAPPED.get(kind)
            if kind == "isChildOf" and target.where == "document" and origin.where == "item":
                top_level.append(self.items[origin.identifier])
                continue
            if rel_type is None or "document" in (origin.where, target.where):
                kept[kind].append(line)
                continue
            if "outside" in (origin.where, target.where) and kind not in HIERARCHY and not self.link_external:
                external[kind].append(line)
                continue
            # A hierarchy association to a node outside the package is deliberately
            # emitted: validation then reports it as dangling (with this location)
            # unless the graph already holds that node.
            edge = EdgeRecord(
                rel_type,
                self._node_id(origin),
                self._node_id(target),
                {"source": self.source},
                where,
            )
            key = (edge.source, edge.type, edge.target)
            if key in edges:
                duplicates += 1  # e.g. both isChildOf and isPartOf, or the same association twice
                continue
            edges[key] = edge
        self._report(top_level, duplicates, kept, external)
        return list(edges.values())

    def _end(self, association: dict[str, Any], field: str, where: str) -> _End | None:
        link = association.get(field)
        if not isinstance(link, dict):
            self.problems.append(Problem(where, field, link, "must be a link object with an identifier"))
            return None
        identifier = self._text(link.get("identifier"))
        uri = self._text(link.get("uri"))
        if identifier is None and uri is not None:
            identifier = self.item_uris.get(uri)
        if identifier is None:
            self.problems.append(Problem(where, f"{field}.identifier", None, "is required by CASE"))
            return None
        if identifier in self.items:
            place = "item"
        elif identifier == self.document_id or (uri is not None and uri == self.document_uri):
            place = "document"
        else:
            place = "outside"
        return _End(identifier, place, uri, self._text(link.get("title")))

    @staticmethod
    def _node_id(end: _End) -> str:
        return f"case:{end.identifier}"

    def _line(self, identifier: str | None, kind: str, origin: _End, target: _End) -> str:
        def show(end: _End) -> str:
            if end.where == "item":
                return self.items[end.identifier]
            if end.where == "document":
                return f"the document {self.framework!r}"
            return end.uri or f"case:{end.identifier}"

        return f"  - {identifier or '(no identifier)'}: {show(origin)} {kind} {show(target)}"

    def _report(
        self, top_level: list[str], duplicates: int, kept: dict[str, list[str]], external: dict[str, list[str]]
    ) -> None:
        if top_level:
            self.notes.append(
                f"{len(top_level)} item(s) are children of the document itself (top-level): no BROADER edge "
                f"({', '.join(top_level)})."
            )
        if duplicates:
            self.notes.append(f"{duplicates} association(s) repeat an edge already read; loaded once.")
        for kind in sorted(kept):
            standard = "" if kind in CASE_TYPES else " (not a CASE v1.0 type)"
            self.notes.append(
                f"association type {kind!r}{standard}: {len(kept[kind])} association(s) without a counterpart "
                f"in the ontology, kept in this report and not loaded:"
            )
            self.notes.extend(kept[kind])
        for kind in sorted(external):
            self.notes.append(
                f"association type {kind!r}: {len(external[kind])} association(s) to nodes outside this package "
                f"(another framework or a web resource), not linked; load that framework and read with "
                f"link_external=True to link them:"
            )
            self.notes.extend(external[kind])

    # -- helpers

    def _at(self, obj: Any, path: str) -> str:
        line = self.lines.of(obj)
        return f"{self.name} line {line}, {path}" if line is not None else f"{self.name}, {path}"

    @staticmethod
    def _text(value: Any) -> str | None:
        if value is None or isinstance(value, dict | list | bool):
            return None
        text = str(value).strip()
        return text or None
