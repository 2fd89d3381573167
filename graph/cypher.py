"""All Cypher the Neo4j store runs, in one place.

User values only ever travel as ``$parameters``. Labels, relationship types and
property names are not parameterisable in Cypher, so the builders below take
them from the ontology and refuse any name the schema does not define.
"""

from __future__ import annotations

from dataclasses import dataclass

from ontology.schema import Schema

FULLTEXT_INDEX = "entity_text"


def _label(schema: Schema, name: str) -> str:
    schema.node_class(name)  # raises KeyError for a name the ontology lacks
    return f"`{name}`"


def _type(schema: Schema, name: str) -> str:
    schema.relationship(name)
    return f"`{name}`"


def _prop(name: str, allowed: dict[str, object]) -> str:
    if name not in allowed:
        raise KeyError(f"unknown property {name!r}")
    return f"`{name}`"


_STATUS = """CASE WHEN old IS NULL THEN 'created'
     WHEN all(k IN keys(row.props) WHERE old[k] = row.props[k]) THEN 'unchanged'
     ELSE 'updated' END AS status"""


def upsert_nodes(schema: Schema, label: str) -> str:
    """Create or update nodes of one label; returns a count per created/updated/unchanged."""
    lab = _label(schema, label)
    return f"""UNWIND $rows AS row
OPTIONAL MATCH (old:{lab} {{id: row.id}})
WITH row, {_STATUS}
CALL (row, status) {{
  WITH row WHERE status <> 'unchanged'
  MERGE (n:{lab} {{id: row.id}})
  SET n += row.props
}}
RETURN status, count(*) AS n"""


def upsert_edges(schema: Schema, rel_type: str, source_label: str, target_label: str) -> str:
    """Create or update relationships of one type between two labels, keyed by the type's key properties."""
    rel = schema.relationship(rel_type)
    typ, src, tgt = _type(schema, rel_type), _label(schema, source_label), _label(schema, target_label)
    keys = [_prop(k, rel.properties) for k in rel.keys]
    where = " AND ".join(f"old.{k} = row.props.{k}" for k in keys)
    merge_key = "{" + ", ".join(f"{k}: row.props.{k}" for k in keys) + "}" if keys else ""
    return f"""UNWIND $rows AS row
MATCH (a:{src} {{id: row.source}})
MATCH (b:{tgt} {{id: row.target}})
OPTIONAL MATCH (a)-[old:{typ}]->(b){f" WHERE {where}" if where else ""}
WITH row, a, b, head(collect(old)) AS old
WITH row, a, b, {_STATUS}
CALL (row, a, b, status) {{
  WITH * WHERE status <> 'unchanged'
  MERGE (a)-[r:{typ} {merge_key}]->(b)
  SET r += row.props
}}
RETURN status, count(*) AS n"""


def _each_label(schema: Schema, body: str) -> str:
    """``body`` (which uses ``{lab}`` and ``{name}``) once per label, as a UNION ALL subquery."""
    return "\n  UNION ALL\n".join("  " + body.format(lab=_label(schema, name), name=name) for name in schema.classes)


def labels_of(schema: Schema) -> str:
    """The label of each id in ``$ids`` that exists (one index seek per label)."""
    return f"""UNWIND $ids AS id
CALL (id) {{
{_each_label(schema, "MATCH (n:{lab} {{id: id}}) RETURN '{name}' AS label")}
}}
RETURN id, label"""


def get_nodes(schema: Schema, label: str) -> str:
    return f"""UNWIND $ids AS id
MATCH (n:{_label(schema, label)} {{id: id}})
RETURN n.id AS id, properties(n) AS props"""


def adjacent(schema: Schema, label: str, rel_type: str | None = None, outgoing: bool = False) -> str:
    rel = f"[r:{_type(schema, rel_type)}]" if rel_type else "[r]"
    return f"""UNWIND $ids AS id
MATCH (n:{_label(schema, label)} {{id: id}})-{rel}-{">" if outgoing else ""}()
RETURN DISTINCT type(r) AS type, startNode(r).id AS source, endNode(r).id AS target, properties(r) AS props"""


def list_nodes(schema: Schema, label: str) -> str:
    return f"""MATCH (n:{_label(schema, label)}) WHERE n.id IS NOT NULL
RETURN n.id AS id, properties(n) AS props
ORDER BY n.id SKIP $offset LIMIT $limit"""


def count_label(schema: Schema, label: str) -> str:
    return f"MATCH (n:{_label(schema, label)}) RETURN count(n) AS n"


def count_type(schema: Schema, rel_type: str) -> str:
    return f"MATCH ()-[r:{_type(schema, rel_type)}]->() RETURN count(r) AS n"


SEARCH = f"""CALL db.index.fulltext.queryNodes('{FULLTEXT_INDEX}', $query) YIELD node, score
WHERE $labels IS NULL OR any(l IN labels(node) WHERE l IN $labels)
RETURN labels(node)[0] AS label, node.id AS id, properties(node) AS props, score
ORDER BY score DESC, id LIMIT $limit"""

COMPONENTS = "CALL dbms.components() YIELD name, versions, edition RETURN name, versions[0] AS version, edition"

SHOW_FULLTEXT = "SHOW FULLTEXT INDEXES YIELD name, labelsOrTypes, properties, options WHERE name = $name RETURN *"

CLEAR = "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"


def unique_id(schema: Schema, label: str) -> str:
    lab = _label(schema, label)
    return f"CREATE CONSTRAINT {label.lower()}_id IF NOT EXISTS FOR (n:{lab}) REQUIRE n.id IS UNIQUE"


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
    learning_tasks: str
    matches: str
    demands: str
    needs: str
    delivery: str
    prerequisites: str


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
    employer_filter = f"""($employers IS NULL OR e.id IN $employers)
  AND ($region IS NULL OR EXISTS {{ (e)-[:{R["IN_REGION"]}]->(:{L["Region"]} {{id: $region}}) }})
  AND ($industry IS NULL OR EXISTS {{ (e)-[:{R["IN_INDUSTRY"]}]->(:{L["Industry"]} {{id: $industry}}) }})"""
    return QuestionQueries(
        nodes=f"""UNWIND $ids AS id
CALL (id) {{
{_each_label(schema, "MATCH (n:{lab} {{id: id}}) RETURN '{name}' AS label, properties(n) AS props")}
}}
RETURN label, props""",
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
CALL (c) {{
  MATCH (course:{L["Course"]})-[d:{R["DEVELOPS"]}]->(c)
  RETURN course.id AS course, null AS lt, d.level AS level
  UNION ALL
  MATCH (t:{L["LearningTask"]})-[d:{R["DEVELOPS"]}]->(c)
  OPTIONAL MATCH (course:{L["Course"]})-[:{R["HAS_LEARNING_TASK"]}]->(t)
  RETURN course.id AS course, t.id AS lt, d.level AS level
}}
RETURN c.id AS competency, collect([course, lt, level]) AS rows""",
        learning_tasks=f"""UNWIND $ids AS id
MATCH (c:{L["Course"]} {{id: id}})-[:{R["HAS_LEARNING_TASK"]}]->(lt:{L["LearningTask"]})
OPTIONAL MATCH (lt)-[:{R["DERIVED_FROM"]}]->(t:{L["TypicalWorkTask"]})
RETURN c.id AS course, lt.id AS learning_task, t.id AS task""",
        matches=f"""UNWIND $ids AS id
MATCH (c:{L["Competency"]} {{id: id}})-[m:{R["EXACT_MATCH"]}|{R["CLOSE_MATCH"]}]-(other:{L["Competency"]})
WHERE type(m) IN $kinds
RETURN c.id AS competency, other.id AS other, type(m) AS kind""",
        demands=f"""MATCH (e:{L["Employer"]})-[d:{R["DEMANDS"]}]->(o:{L["Occupation"]})
WHERE ($occupations IS NULL OR o.id IN $occupations)
  AND {employer_filter}
RETURN e.id AS employer, o.id AS occupation, d.headcount AS headcount, d.year AS year, d.level AS level""",
        needs=f"""MATCH (e:{L["Employer"]})-[n:{R["NEEDS"]}]->(c:{L["Competency"]})
WHERE ($competencies IS NULL OR c.id IN $competencies)
  AND {employer_filter}
RETURN e.id AS employer, c.id AS competency, n.level AS level""",
        delivery=f"""UNWIND $ids AS id
CALL (id) {{
  MATCH (t:{L["Course"]} {{id: id}}) RETURN t
  UNION
  MATCH (t:{L["LearningTask"]} {{id: id}}) RETURN t
}}
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
        prerequisites=f"""UNWIND $ids AS id
MATCH (b:{L["Course"]})-[:{R["PREREQUISITE_OF"]}]->(a:{L["Course"]} {{id: id}})
RETURN b.id AS before, a.id AS after""",
    )
