"""All Cypher the Neo4j store runs, in one place.

User values only ever travel as ``$parameters``. Labels, relationship types and
property names are not parameterisable in Cypher, so the builders below take
them from the ontology and refuse any name the schema does not define.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from ontology.schema import Schema

FULLTEXT_INDEX = "entity_text"


def _label(schema: Schema, name: str) -> str:
    schema.node_class(name)  # raises KeyError for a name the ontology lacks
    return f"`{name}`"


def _root(schema: Schema) -> str:
    """The label every node of the graph carries besides its class's: the ontology's root class (``Entity``)."""
    if not schema.root or schema.root in schema.classes:
        raise KeyError(f"the schema has no root class apart from its classes: {schema.root!r}")
    return f"`{schema.root}`"


def _class_names(schema: Schema) -> str:
    """The ontology's classes as a Cypher list literal (of plain names, as ``_label`` accepts them)."""
    for name in schema.classes:
        if not name.isidentifier():
            raise KeyError(f"class name {name!r} cannot be quoted")
    return "[" + ", ".join(f"'{name}'" for name in schema.classes) + "]"


def _class_of(schema: Schema, node: str = "n") -> str:
    """The expression for the class label of ``node`` (never the root label every node also has)."""
    return f"head([l IN labels({node}) WHERE l IN {_class_names(schema)}])"


def _type(schema: Schema, name: str) -> str:
    schema.relationship(name)
    return f"`{name}`"


def _prop(name: str, allowed: dict[str, object]) -> str:
    if name not in allowed:
        raise KeyError(f"unknown property {name!r}")
    return f"`{name}`"


def upsert_nodes(schema: Schema, label: str) -> str:
    """Create or update nodes of one label (each also gets the root label); returns how many.

    The store sends only the rows it found new or changed (``node_state`` reads them first): a statement this
    plain costs the server a third of the time to plan that one deciding the status itself did (bench/analysis.md,
    round 12), and a load plans one per label.
    """
    lab = _label(schema, label)
    return f"""UNWIND $rows AS row
MERGE (n:{lab} {{id: row.id}})
SET n += row.props, n:{_root(schema)}
RETURN count(*) AS n"""


def upsert_edges(schema: Schema, rel_type: str, source_label: str, target_label: str) -> str:
    """Create or update relationships of one type between two labels, keyed by the type's key properties;
    returns how many (fewer than sent: an endpoint is gone). Like ``upsert_nodes``, for the rows new or changed."""
    rel = schema.relationship(rel_type)
    typ, src, tgt = _type(schema, rel_type), _label(schema, source_label), _label(schema, target_label)
    keys = [_prop(k, rel.properties) for k in rel.keys]
    merge_key = "{" + ", ".join(f"{k}: row.props.{k}" for k in keys) + "}" if keys else ""
    return f"""UNWIND $rows AS row
MATCH (a:{src} {{id: row.source}})
MATCH (b:{tgt} {{id: row.target}})
MERGE (a)-[r:{typ} {merge_key}]->(b)
SET r += row.props
RETURN count(*) AS n"""


def _match_edges(schema: Schema, rel_type: str, source_label: str, target_label: str) -> str:
    """``row.source``'s ``rel_type`` relationship ``r`` to ``row.target`` whose key properties equal ``row.key``'s."""
    rel = schema.relationship(rel_type)
    typ, src, tgt = _type(schema, rel_type), _label(schema, source_label), _label(schema, target_label)
    keys = [_prop(k, rel.properties) for k in rel.keys]
    where = " AND ".join(f"r.{k} = row.key.{k}" for k in keys)
    return f"""UNWIND $rows AS row
MATCH (:{src} {{id: row.source}})-[r:{typ}]->(:{tgt} {{id: row.target}}){f" WHERE {where}" if where else ""}"""


# A stored item's properties come back only when they may differ from the row's (``$compare``): an idempotent
# re-load then receives one row index per row, not the graph's properties (the client decides with
# ``graph.records.unchanged``). The pairs (row index, properties or null) come as one list, one record per
# batch: the driver takes 10-20 µs to receive a record, as long as the server takes to find one.
_CHANGED = (
    "CASE WHEN $compare AND all(k IN keys(row.props) WHERE {item}[k] = row.props[k]) "
    "THEN null ELSE properties({item}) END"
)


def node_state(schema: Schema) -> str:
    """``stored``: each node in ``$rows`` (``{i, id, props}``) that exists as a ``$label``, with its stored
    properties where ``row.props`` may change them (``$compare``; else always). One statement for every label; a
    node of another class is not the row's, and the row's MERGE fails on the root label's uniqueness."""
    return f"""UNWIND $rows AS row
WITH row, row.id AS id
{_by_id(schema, None)}
WHERE $label IN labels(n)
RETURN collect([row.i, {_CHANGED.format(item="n")}]) AS stored"""


def edge_state(schema: Schema) -> str:
    """``stored``: each relationship of type ``$type`` in ``$rows`` (``{i, source, target, props}``) that exists
    with the key properties ``$keys`` of ``row.props``, with its stored properties as ``node_state`` gives them.
    One statement for every type (the ids name the ends), so that a load plans it once."""
    root = _root(schema)
    return f"""UNWIND $rows AS row
MATCH (a:{root} {{id: row.source}}), (b:{root} {{id: row.target}})
USING INDEX SEEK a:{root}(id) USING INDEX SEEK b:{root}(id)
MATCH (a)-[r]->(b)
WHERE type(r) = $type AND all(k IN $keys WHERE r[k] = row.props[k])
RETURN collect([row.i, {_CHANGED.format(item="r")}]) AS stored"""


def remove_edges(schema: Schema, rel_type: str, source_label: str, target_label: str) -> str:
    return f"{_match_edges(schema, rel_type, source_label, target_label)}\nDELETE r"


def restore_edges(schema: Schema, rel_type: str, source_label: str, target_label: str) -> str:
    """Set each relationship's properties to exactly ``row.props``."""
    return f"{_match_edges(schema, rel_type, source_label, target_label)}\nSET r = row.props"


def remove_nodes(schema: Schema, label: str) -> str:
    """Delete nodes by id; a node that still has relationships makes the transaction fail (nothing is detached)."""
    return f"UNWIND $ids AS id MATCH (n:{_label(schema, label)} {{id: id}}) DELETE n"


def restore_nodes(schema: Schema, label: str) -> str:
    """Set each node's properties to exactly ``row.props`` (which include its id), and its root label."""
    return f"UNWIND $rows AS row MATCH (n:{_label(schema, label)} {{id: row.id}}) SET n = row.props, n:{_root(schema)}"


def _by_id(schema: Schema, label: str | None, rest: str = "", node: str = "n") -> str:
    """``MATCH`` the node ``node`` whose id is ``id`` (and ``rest`` of a pattern from it): of one class, or
    (``label`` None) of any, through the root label's index.

    The index seek is a hint: with every node under one label the planner has been seen to choose a scan
    of the whole index for each id (13 s instead of 0.1 s for 6,000 ids) once a load changed its statistics.
    """
    lab = _root(schema) if label is None else _label(schema, label)
    return f"MATCH ({node}:{lab} {{id: id}}){rest} USING INDEX SEEK {node}:{lab}(id)"


def labels_of(schema: Schema) -> str:
    """The class label of each id in ``$ids`` that exists (one index seek each)."""
    return f"""UNWIND $ids AS id
{_by_id(schema, None)}
WITH id, {_class_of(schema)} AS label
WHERE label IS NOT NULL
RETURN id, label"""


def get_nodes(schema: Schema, label: str | None = None) -> str:
    """The nodes with the ids in ``$ids``, with their class label: of one class, or (``label`` None) of any."""
    return f"""UNWIND $ids AS id
{_by_id(schema, label)}
WITH n, {_class_of(schema)} AS label
WHERE label IS NOT NULL
RETURN n.id AS id, label, properties(n) AS props"""


def adjacent(schema: Schema, label: str | None = None, rel_type: str | None = None, outgoing: bool = False) -> str:
    """The relationships at the nodes with the ids in ``$ids``: of one class, or (``label`` None) of any."""
    rel = f"[r:{_type(schema, rel_type)}]" if rel_type else "[r]"
    return f"""UNWIND $ids AS id
{_by_id(schema, label, f"-{rel}-{'>' if outgoing else ''}()")}
RETURN DISTINCT type(r) AS type, startNode(r).id AS source, endNode(r).id AS target, properties(r) AS props"""


def neighbours(schema: Schema) -> str:
    """The first ``$limit`` ids, in order, of the nodes one relationship away from those with the ids in ``$ids``
    and not in ``$exclude``."""
    return f"""UNWIND $ids AS id
{_by_id(schema, None, "--(m)")}
WITH DISTINCT m.id AS other WHERE other IS NOT NULL AND NOT other IN $exclude
RETURN other ORDER BY other LIMIT $limit"""


def edges_among(schema: Schema) -> str:
    """The relationships between two nodes with ids in ``$ids``, each found once, from its start."""
    return f"""UNWIND $ids AS id
{_by_id(schema, None, "-[r]->(m)")}
WHERE m.id IN $ids
RETURN type(r) AS type, n.id AS source, m.id AS target, properties(r) AS props"""


def list_nodes(schema: Schema, label: str) -> str:
    return f"""MATCH (n:{_label(schema, label)}) WHERE n.id IS NOT NULL
RETURN n.id AS id, properties(n) AS props
ORDER BY n.id SKIP $offset LIMIT $limit"""


def count_label(schema: Schema, label: str) -> str:
    return f"MATCH (n:{_label(schema, label)}) RETURN count(n) AS n"


def counts(schema: Schema) -> str:
    """The nodes of every class and the relationships of every type, from Neo4j's count store, as two maps
    ``labels`` and ``types``: one statement, where one per class and type cost a round trip each."""
    labels = ", ".join(f"{_label(schema, n)}: COUNT {{ (:{_label(schema, n)}) }}" for n in schema.classes)
    types = ", ".join(f"{_type(schema, t)}: COUNT {{ ()-[:{_type(schema, t)}]->() }}" for t in schema.relationships)
    return f"RETURN {{{labels}}} AS labels, {{{types}}} AS types"


def search(schema: Schema) -> str:
    """Full-text search (``$query``, Lucene syntax) over the classes ``$labels`` (null: all)."""
    return f"""CALL db.index.fulltext.queryNodes('{FULLTEXT_INDEX}', $query) YIELD node, score
WITH node, score, {_class_of(schema, "node")} AS label
WHERE label IS NOT NULL AND ($labels IS NULL OR label IN $labels)
RETURN label, node.id AS id, properties(node) AS props, score
ORDER BY score DESC, id LIMIT $limit"""


COMPONENTS = "CALL dbms.components() YIELD name, versions, edition RETURN name, versions[0] AS version, edition"

SHOW_FULLTEXT = "SHOW FULLTEXT INDEXES YIELD name, labelsOrTypes, properties, options WHERE name = $name RETURN *"

CLEAR = "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
#: Nodes plus relationships, from the count store (no scan).
GRAPH_SIZE = """CALL () { MATCH (n) RETURN count(n) AS nodes }
CALL () { MATCH ()-[r]->() RETURN count(r) AS edges }
RETURN nodes + edges AS size"""
CLEAR_PLANS = "CALL db.clearQueryCaches()"
#: What the server's sample of each property index counted, and the updates made to it since the sample was taken
#: (an index sampled while its label was empty counts nothing, whatever was loaded since).
INDEX_SAMPLES = """CALL db.stats.retrieve('GRAPH COUNTS') YIELD data
UNWIND data.indexes AS i
WITH i WHERE NOT i.indexType IN ['LOOKUP', 'FULLTEXT']
RETURN CASE WHEN i.labels IS NULL THEN 'RELATIONSHIP' ELSE 'NODE' END AS entity,
       coalesce(i.labels, i.relationshipTypes) AS tokens, i.properties AS properties,
       i.totalSize AS size, i.updatesSinceEstimation AS updates"""
#: Every property index's name, by what it indexes (INDEX_SAMPLES names none).
INDEX_NAMES = """SHOW INDEXES YIELD name, entityType, labelsOrTypes, properties WHERE properties IS NOT NULL
RETURN name, entityType AS entity, labelsOrTypes AS tokens, properties"""
#: Sampling is the server's own background job: this asks for it, and returns before it is done.
RESAMPLE = "UNWIND $names AS name CALL db.resampleIndex(name)"


# ---------------------------------------------------------------- the audit trail
#
# Kept beside the domain graph, never joined to it (see ``graph.audit``): fixed
# labels that are not ontology classes, so nothing that reads the domain by its
# classes (counts, search, exports, the questions) ever sees them.

AUDIT = "ChanjiaoAudit"  # one node: the number of the last load, and the lock that serialises audited writes
LOAD = "ChanjiaoLoad"  # one node per load
CHANGE_SET = "ChanjiaoChangeSet"  # a load's changes, one compressed set per write batch (``neo4j_store._pack_changes``)
AUDIT_LABELS = (AUDIT, LOAD, CHANGE_SET)

AUDIT_IDS = {
    AUDIT: f"CREATE CONSTRAINT chanjiao_audit_id IF NOT EXISTS FOR (n:`{AUDIT}`) REQUIRE n.id IS UNIQUE",
    LOAD: f"CREATE CONSTRAINT chanjiao_load_id IF NOT EXISTS FOR (n:`{LOAD}`) REQUIRE n.id IS UNIQUE",
}
AUDIT_INDEXES = [f"CREATE INDEX chanjiao_change_set_load IF NOT EXISTS FOR (n:`{CHANGE_SET}`) ON (n.load)"]
# Taking the next number write-locks the one audit node until the transaction ends.
NEXT_LOAD = f"MERGE (a:`{AUDIT}` {{id: 'audit'}}) SET a.last = coalesce(a.last, 0) + 1 RETURN a.last AS id"
CREATE_LOAD = f"""CREATE (:`{LOAD}` {{id: $id, operation: $operation, who: $who, source: $source, at: $at,
  counts: $counts, reverts: $reverts}})"""
CREATE_CHANGE_SETS = f"UNWIND $sets AS s CREATE (:`{CHANGE_SET}` {{load: $id, seq: s.seq, changes: s.changes}})"
GET_LOAD = f"MATCH (l:`{LOAD}` {{id: $id}}) RETURN properties(l) AS load"
LIST_LOADS = f"MATCH (l:`{LOAD}`) RETURN properties(l) AS load ORDER BY l.id DESC SKIP $offset LIMIT $limit"
COUNT_LOADS = f"MATCH (l:`{LOAD}`) RETURN count(l) AS n"
LATER_LOADS = f"""MATCH (l:`{LOAD}`) WHERE l.id > $id AND l.operation = 'load' AND l.rolled_back_by IS NULL
RETURN properties(l) AS load ORDER BY l.id"""
CHANGES = f"MATCH (c:`{CHANGE_SET}` {{load: $id}}) RETURN c.changes AS changes ORDER BY c.seq"
MARK_ROLLED_BACK = f"MATCH (l:`{LOAD}` {{id: $id}}) SET l.rolled_back_by = $by"


def unique_id(schema: Schema, label: str | None = None) -> str:
    """The uniqueness constraint on the id of a class, or (``label`` None) of every node, through the root label."""
    name, lab = (schema.root, _root(schema)) if label is None else (label, _label(schema, label))
    return f"CREATE CONSTRAINT {name.lower()}_id IF NOT EXISTS FOR (n:{lab}) REQUIRE n.id IS UNIQUE"


#: The labels whose ``id`` has a uniqueness constraint (and so an index), each once.
ID_CONSTRAINED = """SHOW CONSTRAINTS YIELD type, labelsOrTypes, properties
WHERE type = 'UNIQUENESS' AND properties = ['id'] AND size(labelsOrTypes) = 1
RETURN DISTINCT labelsOrTypes[0] AS label"""


def id_constraints(schema: Schema) -> dict[str, str]:
    """Per label, the statement giving its ``id`` a uniqueness constraint: every class, then the root label
    (on a fresh database a node's class then precedes the root in ``labels(n)``, the order Cypher lists them
    in), then the audit trail's."""
    found = {label: unique_id(schema, label) for label in schema.classes}
    return {**found, schema.root: unique_id(schema), **AUDIT_IDS}


def label_roots(schema: Schema) -> str:
    """Give the root label to every node of a class that lacks it (nodes written before it existed);
    an auto-commit query, batched, that does nothing the second time."""
    classes = "|".join(_label(schema, name) for name in schema.classes)
    root = _root(schema)
    return f"MATCH (n:{classes}) WHERE NOT n:{root} CALL (n) {{ SET n:{root} }} IN TRANSACTIONS OF 10000 ROWS"


def property_index(schema: Schema, label: str, prop: str) -> str:
    cls = schema.node_class(label)
    return (
        f"CREATE INDEX {label.lower()}_{prop} IF NOT EXISTS "
        f"FOR (n:{_label(schema, label)}) ON (n.{_prop(prop, cls.properties)})"
    )


def fulltext_index(schema: Schema) -> str:
    labels = "|".join(_label(schema, name) for name in schema.classes)
    props = ", ".join(f"n.`{p}`" for p in schema.searchable)
    return (
        f"CREATE FULLTEXT INDEX {FULLTEXT_INDEX} IF NOT EXISTS FOR (n:{labels}) ON EACH [{props}] "
        "OPTIONS {indexConfig: {`fulltext.analyzer`: 'cjk', `fulltext.eventually_consistent`: false}}"
    )


DROP_FULLTEXT = f"DROP INDEX {FULLTEXT_INDEX} IF EXISTS"
AWAIT_INDEXES = "CALL db.awaitIndexes($seconds)"


# ---------------------------------------------------------------- question primitives
#
# One query per primitive of ``graph.store.GraphReader``. Each starts from an
# index seek on the ids it is given (``UNWIND $ids``) and returns raw rows; the
# rules (levels, essential, maxima, matches) are applied in ``graph.questions``.
# The primitives that can return thousands of rows (requirements, develops)
# return one record per id with its rows collected: the driver decodes a few
# large records much faster than many small ones.


@dataclass(frozen=True)
class Shapes:
    """One query per place to start from, for a primitive with optional filters. Each query applies every
    filter, so all give the same rows; starting from the most selective one given only makes it cheaper."""

    of_employers: str  # from ``$employers``
    in_region: str  # from the region's employers (``$region``)
    of_targets: str  # from ``$occupations`` (DEMANDS) or ``$competencies`` (NEEDS)
    every: str  # from every employer

    def pick(self, employers: object, region: object, targets: object) -> str:
        """The query for the filters given (None: not given)."""
        if employers is not None:
            return self.of_employers
        if region is not None:
            return self.in_region
        return self.of_targets if targets is not None else self.every


@dataclass(frozen=True)
class QuestionQueries:
    """The Cypher of the question primitives, built once from the schema."""

    nodes: str
    requirements: str
    requirers: str
    tasks: str
    targets: str
    includes_of_programs: str
    includes_of_courses: str
    all_programs: str
    programs_in_region: str
    develops_of_courses: str
    develops_of_competencies: str
    developers: str
    learning_tasks: str
    matches: str
    demands: str  # every filter in one query (``demands_from.every``)
    needs: str
    demands_from: Shapes
    needs_from: Shapes
    delivery: str
    supports_of_courses: str
    supports_of_learning_tasks: str
    prerequisites: str
    assessments: str
    conductors: str
    cohorts: str
    results: str
    projects: str
    research: str
    placements: str


def _from_employers(schema: Schema, rel_type: str, target: str, targets: str, returns: str) -> Shapes:
    """The ``rel_type`` relationships ``r`` of employers ``e`` to ``target`` nodes ``t``, filtered by
    ``$employers``, ``$region`` and ``$industry`` and by ``$<targets>`` (each null: no filter), as ``Shapes``.

    Each shape leaves out the filter it starts from, which its start implies: the id lists are given
    without duplicates (``_Reader`` makes sure), and an employer joined twice to the region counts once.
    """
    L = {name: _label(schema, name) for name in ("Employer", "Region", "Industry", target)}
    R = {name: _type(schema, name) for name in (rel_type, "IN_REGION", "IN_INDUSTRY")}
    filters = {
        "targets": f"(${targets} IS NULL OR t.id IN ${targets})",
        "employers": "($employers IS NULL OR e.id IN $employers)",
        **{
            param: f"(${param} IS NULL OR EXISTS {{ (e)-[:{R[rel]}]->(:{L[label]} {{id: ${param}}}) }})"
            for param, rel, label in (("region", "IN_REGION", "Region"), ("industry", "IN_INDUSTRY", "Industry"))
        },
    }

    def query(start: str, implied: str | None) -> str:
        where = "\n  AND ".join(f for name, f in filters.items() if name != implied)
        return f"{start}MATCH (e:{L['Employer']})-[r:{R[rel_type]}]->(t:{L[target]})\nWHERE {where}\nRETURN {returns}"

    return Shapes(
        of_employers=query(f"UNWIND $employers AS id\n{_by_id(schema, 'Employer', node='e')}\n", "employers"),
        in_region=query(
            f"MATCH (g:{L['Region']} {{id: $region}})<-[:{R['IN_REGION']}]-(e:{L['Employer']}) "
            f"USING INDEX SEEK g:{L['Region']}(id)\nWITH DISTINCT e\n",
            "region",
        ),
        of_targets=query(f"UNWIND ${targets} AS id\n{_by_id(schema, target, node='t')}\n", "targets"),
        every=query("", None),
    )


def question_queries(schema: Schema) -> QuestionQueries:
    """Build the question primitives' Cypher; labels, types and property names come from ``schema``.

    >>> from ontology.schema import load_schema
    >>> print(question_queries(load_schema()).tasks)
    UNWIND $ids AS id
    MATCH (o:`Occupation` {id: id})-[:`HAS_TASK`]->(t:`TypicalWorkTask`)
    RETURN o.id AS occupation, t.id AS task
    """
    L = {name: _label(schema, name) for name in schema.classes}
    R = {name: _type(schema, name) for name in schema.relationships}
    resource_type = _prop("type", schema.node_class("Resource").properties)
    dual = _prop("dual_qualified", schema.node_class("Teacher").properties)
    achieved = schema.relationship("ACHIEVED").properties
    result_of, share = _prop("assessment", achieved), _prop("share", achieved)
    demand = "e.id AS employer, t.id AS occupation, r.headcount AS headcount, r.year AS year, r.level AS level"
    demands_from = _from_employers(schema, "DEMANDS", "Occupation", "occupations", demand)
    needs_from = _from_employers(
        schema, "NEEDS", "Competency", "competencies", "e.id AS employer, t.id AS competency, r.level AS level"
    )
    # Every course or learning task developing competency ``c``: one row (course, lt, level) per DEVELOPS, a
    # learning task once per course it belongs to (course null for none). develops_of_competencies and
    # developers both start from it.
    developing = f"""CALL (c) {{
  MATCH (course:{L["Course"]})-[d:{R["DEVELOPS"]}]->(c)
  RETURN course.id AS course, null AS lt, d.level AS level
  UNION ALL
  MATCH (t:{L["LearningTask"]})-[d:{R["DEVELOPS"]}]->(c)
  OPTIONAL MATCH (course:{L["Course"]})-[:{R["HAS_LEARNING_TASK"]}]->(t)
  RETURN course.id AS course, t.id AS lt, d.level AS level
}}"""
    return QuestionQueries(
        nodes=f"""UNWIND $ids AS id
{_by_id(schema, None)}
WITH n, {_class_of(schema)} AS label
WHERE label IS NOT NULL
RETURN label, properties(n) AS props""",
        requirements=f"""UNWIND $ids AS id
MATCH (o:{L["Occupation"]} {{id: id}})
CALL (o) {{
  MATCH (o)-[r:{R["REQUIRES"]}]->(c:{L["Competency"]})
  RETURN null AS task, c.id AS competency, r.level AS level, r.importance AS importance, r.essential AS essential
  UNION ALL
  MATCH (o)-[:{R["HAS_TASK"]}]->(t:{L["TypicalWorkTask"]})-[r:{R["REQUIRES"]}]->(c:{L["Competency"]})
  RETURN t.id AS task, c.id AS competency, r.level AS level, r.importance AS importance, r.essential AS essential
}}
RETURN o.id AS occupation, collect([task, competency, level, importance, essential]) AS rows""",
        requirers=f"""UNWIND $ids AS id
MATCH (c:{L["Competency"]} {{id: id}})
CALL (c) {{
  MATCH (o:{L["Occupation"]})-[:{R["REQUIRES"]}]->(c) RETURN o
  UNION
  MATCH (o:{L["Occupation"]})-[:{R["HAS_TASK"]}]->(:{L["TypicalWorkTask"]})-[:{R["REQUIRES"]}]->(c) RETURN o
}}
RETURN DISTINCT o.id AS occupation""",
        tasks=f"""UNWIND $ids AS id
MATCH (o:{L["Occupation"]} {{id: id}})-[:{R["HAS_TASK"]}]->(t:{L["TypicalWorkTask"]})
RETURN o.id AS occupation, t.id AS task""",
        targets=f"""UNWIND $ids AS id
MATCH (p:{L["Program"]} {{id: id}})-[r:{R["TARGETS"]}]->(o:{L["Occupation"]})
RETURN p.id AS program, o.id AS occupation, r.level AS level""",
        includes_of_programs=f"""UNWIND $ids AS id
MATCH (p:{L["Program"]} {{id: id}})-[r:{R["INCLUDES"]}]->(c:{L["Course"]})
RETURN p.id AS program, c.id AS course, r.semester AS semester, r.required AS required""",
        includes_of_courses=f"""UNWIND $ids AS id
MATCH (p:{L["Program"]})-[r:{R["INCLUDES"]}]->(c:{L["Course"]} {{id: id}})
RETURN p.id AS program, c.id AS course, r.semester AS semester, r.required AS required""",
        all_programs=f"MATCH (p:{L['Program']}) RETURN p.id AS program",
        programs_in_region=f"""MATCH (:{L["Region"]} {{id: $region}})<-[:{R["IN_REGION"]}]-(s:{L["School"]})
MATCH (s)-[:{R["OFFERS"]}]->(p:{L["Program"]})
RETURN DISTINCT p.id AS program""",
        develops_of_courses=f"""UNWIND $ids AS id
MATCH (course:{L["Course"]} {{id: id}})
CALL (course) {{
  MATCH (course)-[d:{R["DEVELOPS"]}]->(c:{L["Competency"]})
  RETURN null AS lt, c.id AS competency, d.level AS level
  UNION ALL
  MATCH (course)-[:{R["HAS_LEARNING_TASK"]}]->(t:{L["LearningTask"]})-[d:{R["DEVELOPS"]}]->(c:{L["Competency"]})
  RETURN t.id AS lt, c.id AS competency, d.level AS level
}}
RETURN course.id AS course, collect([lt, competency, level]) AS rows""",
        develops_of_competencies=f"""UNWIND $ids AS id
MATCH (c:{L["Competency"]} {{id: id}})
{developing}
RETURN c.id AS competency, collect([course, lt, level]) AS rows""",
        # GraphReader.developers: the level rule of graph.questions.levels.satisfies, the competency itself
        # first, then graph.development.order. Stored text sorts by code point, as in Python (a parameter's
        # text would sort by UTF-16 code unit: only stored ids are ordered here).
        developers=f"""UNWIND $wanted AS w
CALL (w) {{
  UNWIND w.counting AS id
  MATCH (c:{L["Competency"]} {{id: id}})
{textwrap.indent(developing, "  ")}
  WITH c.id AS competency, course, lt, level
  WHERE (w.level IS NULL OR level IS NULL OR level >= w.level) AND (course IS NULL OR NOT course IN $outside)
  WITH DISTINCT competency, course, lt, level
  ORDER BY competency <> w.competency, level IS NULL, level DESC, course IS NOT NULL, course,
    lt IS NOT NULL, lt, competency
  RETURN count(*) AS count, collect([course, lt, competency, level])[..$limit] AS best
}}
RETURN w.competency AS competency, best, count""",
        learning_tasks=f"""UNWIND $ids AS id
MATCH (c:{L["Course"]} {{id: id}})-[:{R["HAS_LEARNING_TASK"]}]->(lt:{L["LearningTask"]})
OPTIONAL MATCH (lt)-[:{R["DERIVED_FROM"]}]->(t:{L["TypicalWorkTask"]})
RETURN c.id AS course, lt.id AS learning_task, t.id AS task""",
        matches=f"""UNWIND $ids AS id
MATCH (c:{L["Competency"]} {{id: id}})-[m:{R["EXACT_MATCH"]}|{R["CLOSE_MATCH"]}]-(other:{L["Competency"]})
WHERE type(m) IN $kinds
RETURN c.id AS competency, other.id AS other, type(m) AS kind""",
        demands=demands_from.every,
        needs=needs_from.every,
        demands_from=demands_from,
        needs_from=needs_from,
        delivery=f"""UNWIND $ids AS id
{_by_id(schema, None, node="t")} WHERE t:{L["Course"]} OR t:{L["LearningTask"]}
CALL (t) {{
  MATCH (r:{L["Resource"]})-[:{R["SUPPORTS"]}]->(t)
  RETURN 'resource' AS kind, r.id AS other, r.{resource_type} AS resource_type, null AS dual_qualified
  UNION ALL
  MATCH (b:{L["TrainingBase"]})-[:{R["HOSTS"]}]->(t)
  RETURN 'training_base' AS kind, b.id AS other, null AS resource_type, null AS dual_qualified
  UNION ALL
  MATCH (p:{L["Teacher"]})-[:{R["TEACHES"]}]->(t)
  RETURN 'teacher' AS kind, p.id AS other, null AS resource_type, p.{dual} AS dual_qualified
}}
RETURN t.id AS target, kind, other, resource_type, dual_qualified""",
        supports_of_courses=f"""UNWIND $ids AS id
MATCH (c:{L["Course"]} {{id: id}})
CALL (c) {{
  MATCH (r:{L["Resource"]})-[:{R["SUPPORTS"]}]->(c)
  RETURN null AS lt, r.id AS resource
  UNION ALL
  MATCH (c)-[:{R["HAS_LEARNING_TASK"]}]->(lt:{L["LearningTask"]})<-[:{R["SUPPORTS"]}]-(r:{L["Resource"]})
  RETURN lt.id AS lt, r.id AS resource
}}
RETURN c.id AS course, lt AS learning_task, resource""",
        supports_of_learning_tasks=f"""UNWIND $ids AS id
MATCH (r:{L["Resource"]})-[:{R["SUPPORTS"]}]->(lt:{L["LearningTask"]} {{id: id}})
RETURN null AS course, lt.id AS learning_task, r.id AS resource""",
        prerequisites=f"""UNWIND $ids AS id
MATCH (b:{L["Course"]})-[:{R["PREREQUISITE_OF"]}]->(a:{L["Course"]} {{id: id}})
RETURN b.id AS before, a.id AS after""",
        # -- co-evaluation and co-research (docs/co-evaluation.md)
        assessments=f"""UNWIND $ids AS id
{_by_id(schema, None, node="h")} WHERE h:{L["Course"]} OR h:{L["LearningTask"]}
MATCH (h)-[:{R["HAS_ASSESSMENT"]}]->(a:{L["Assessment"]})
OPTIONAL MATCH (a)-[r:{R["ASSESSES"]}]->(c:{L["Competency"]})
RETURN h.id AS holder, a.id AS assessment, c.id AS competency, r.level AS level""",
        conductors=f"""UNWIND $ids AS id
MATCH (o)-[:{R["CONDUCTS"]}]->(a:{L["Assessment"]} {{id: id}})
WHERE o:{L["Employer"]} OR o:{L["School"]}
RETURN o.id AS organisation, a.id AS assessment""",
        cohorts=f"""UNWIND $ids AS id
MATCH (p:{L["Program"]} {{id: id}})-[:{R["HAS_COHORT"]}]->(c:{L["Cohort"]})
RETURN p.id AS program, c.id AS cohort""",
        results=f"""UNWIND $ids AS id
MATCH (co:{L["Cohort"]} {{id: id}})-[r:{R["ACHIEVED"]}]->(c:{L["Competency"]})
RETURN co.id AS cohort, r.{result_of} AS assessment, c.id AS competency, r.level AS level, r.{share} AS share""",
        projects=f"MATCH (p:{L['ResearchProject']}) RETURN p.id AS project",
        research=f"""UNWIND $ids AS id
MATCH (p:{L["ResearchProject"]} {{id: id}})
CALL (p) {{
  MATCH (o)-[r:{R["PARTICIPATES_IN"]}]->(p)
  WHERE o:{L["School"]} OR o:{L["Employer"]} OR o:{L["MasterStudio"]}
  RETURN type(r) AS relation, o.id AS other, null AS level
  UNION ALL
  MATCH (p)-[r:{R["YIELDS"]}]->(x)
  WHERE x:{L["Resource"]} OR x:{L["LearningTask"]}
  RETURN type(r) AS relation, x.id AS other, null AS level
  UNION ALL
  MATCH (p)-[r:{R["CULTIVATES"]}]->(c:{L["Competency"]})
  RETURN type(r) AS relation, c.id AS other, r.level AS level
}}
RETURN p.id AS project, relation, other, level""",
        placements=f"""UNWIND $ids AS id
CALL (id) {{
  MATCH (r:{L["Resource"]} {{id: id}})-[:{R["SUPPORTS"]}]->(c:{L["Course"]})
  RETURN r.id AS item, c.id AS course, null AS learning_task
  UNION ALL
  MATCH (r:{L["Resource"]} {{id: id}})-[:{R["SUPPORTS"]}]->(t:{L["LearningTask"]})
  OPTIONAL MATCH (c:{L["Course"]})-[:{R["HAS_LEARNING_TASK"]}]->(t)
  RETURN r.id AS item, c.id AS course, t.id AS learning_task
  UNION ALL
  MATCH (c:{L["Course"]})-[:{R["HAS_LEARNING_TASK"]}]->(t:{L["LearningTask"]} {{id: id}})
  RETURN t.id AS item, c.id AS course, t.id AS learning_task
}}
RETURN item, course, learning_task""",
    )
