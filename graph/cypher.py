"""All Cypher the Neo4j store runs, in one place.

User values only ever travel as ``$parameters``. Labels, relationship types and
property names are not parameterisable in Cypher, so the builders below take
them from the ontology and refuse any name the schema does not define.
"""

from __future__ import annotations

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


def adjacent(schema: Schema, label: str) -> str:
    return f"""UNWIND $ids AS id
MATCH (n:{_label(schema, label)} {{id: id}})-[r]-()
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
