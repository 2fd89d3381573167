"""Hostile requests: Cypher and Lucene injection in ids, search text and filter fields changes nothing — both stores.

User text reaches Cypher only as ``$parameters`` and Lucene only as the
project's own tokens (``graph.text.tokens``), so a hostile value must behave
exactly like a harmless unknown one: same status, same answer, and the graph
(and its audit trail) unchanged.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from graph.records import EdgeRecord, NodeRecord
from graph.service import Chanjiao
from graph.text import tokens
from tests.test_store_contract import snapshot

#: Cypher injection: quotes, comments, clauses, parameters, procedure calls, backticks.
CYPHER = [
    "' OR 1=1 //",
    '" OR ""="',
    "x'}) MATCH (n) DETACH DELETE n //",
    'x"}) MATCH (n) DETACH DELETE n RETURN 1 //',
    "`) DETACH DELETE n //",
    "course:IR-101' OR '1'='1",
    "program:IRAM'}) WITH 1 AS x MATCH (n) SET n.pwned = true //",
    "$ids",
    "{id: 'course:IR-101'}",
    "x') CALL dbms.killQueries(['1']) //",
    "'; CALL apoc.cypher.runWrite('MATCH (n) DETACH DELETE n', {}) //",
    "*/ MATCH (n) DELETE n /*",
    "\\u0027) DETACH DELETE n //",
    "x\x00y",
    "../../../../etc/passwd",
    "%27%20OR%201%3D1",
    "Course`:`Occupation",
]
#: Lucene syntax in search text: fields, wildcards, fuzzy, boosts, ranges, regexes, operators, escapes.
LUCENE = [
    "*",
    "*:*",
    "?",
    "name_zh:机器人",
    "机器人 OR *:*",
    "robot~",
    "robot~0.1",
    "robot^100",
    '"unterminated',
    "(((",
    "[* TO *]",
    "{a TO z}",
    "/.*/",
    "AND OR NOT",
    "\\",
    "-robot +robot",
    "robot && operation || *",
    "id:course\\:IR*",
]
HOSTILE = CYPHER + LUCENE


@pytest.fixture
def client(demo: Chanjiao) -> TestClient:
    return TestClient(create_app(service=demo))


def state(service: Chanjiao) -> tuple:
    """Everything a hostile request might have changed: every node and edge, and the audit trail."""
    return snapshot(service.store), service.loads(0, 500)


def same_as_unknown(client: TestClient, template: str, hostile: str, harmless: str = "none:such") -> None:
    """``template`` with the hostile value answers exactly as with a harmless unknown one."""
    bad = client.get(template.format(quote(hostile, safe="")))
    good = client.get(template.format(quote(harmless, safe="")))
    assert bad.status_code < 500, (template, hostile, bad.text)
    assert bad.status_code == good.status_code, (template, hostile, bad.text, good.text)
    if bad.status_code == 200:
        assert bad.json() == good.json(), (template, hostile)


def test_hostile_ids_and_filters_act_like_unknown_ones(client: TestClient, demo: Chanjiao) -> None:
    before = state(demo)
    templates = [
        "/nodes/{}",
        "/entities/Course/{}",
        "/neighbourhood/{}?depth=3",
        "/programs/{}/coverage?occupation=csco:6-31-07-03",
        "/programs/program:IRAM/coverage?occupation={}",
        "/programs/{}/gaps?occupation=csco:6-31-07-03",
        "/programs/{}/map",
        "/programs/{}/orphans",
        "/programs/{}/occupations",
        "/programs/{}/delivery",
        "/occupations/{}/programs",
        "/employers/{}/programs",
        "/demand?region={}",
        "/demand?industry={}",
    ]
    for template in templates:
        for hostile in HOSTILE:
            same_as_unknown(client, template, hostile)
    assert state(demo) == before


@pytest.mark.parametrize("field", ["label", "limit", "offset", "depth"])
def test_hostile_enum_and_number_fields_are_422(client: TestClient, demo: Chanjiao, field: str) -> None:
    before = state(demo)
    url, base = {
        "label": ("/search", {"q": "robot"}),
        "limit": ("/search", {"q": "robot"}),
        "offset": ("/entities/Course", {}),
        "depth": ("/neighbourhood/course:IR-101", {}),
    }[field]
    for hostile in HOSTILE:
        response = client.get(url, params={**base, field: hostile})
        assert response.status_code == 422, (field, hostile, response.text)
        assert response.json()["problems"][0]["location"].startswith(f"query.{field}")
    for hostile in CYPHER[:5]:
        assert client.get(f"/entities/{quote(hostile, safe='')}").status_code == 422  # a class is an enum
    assert state(demo) == before


def test_hostile_search_text_is_only_ever_words(client: TestClient, demo: Chanjiao) -> None:
    """Search text is cut into the project's tokens: syntax adds nothing and takes nothing away."""
    before = state(demo)
    for hostile in [*HOSTILE, *(f"机器人 {h}" for h in HOSTILE), *(f"{h} teach pendant" for h in LUCENE)]:
        words = " ".join(tokens(hostile))
        response = client.get("/search", params={"q": hostile, "limit": 50})
        assert response.status_code == 200, (hostile, response.text)
        if not words:
            assert response.json() == [], hostile
            continue
        plain = client.get("/search", params={"q": words, "limit": 50}).json()
        assert response.json() == plain, hostile
        scoped = client.get("/entities/Competency/search", params={"q": hostile, "limit": 50}).json()
        assert scoped == client.get("/entities/Competency/search", params={"q": words, "limit": 50}).json()
    assert client.get("/search", params={"q": "*:*"}).json() == []  # not "everything"
    assert state(demo) == before


def test_hostile_text_written_as_data_comes_back_as_data(service: Chanjiao) -> None:
    """Ids and values full of Cypher are stored and read verbatim, and touch nothing else."""
    ids = [f"course:{h}" for h in ("x'})MATCH(n)DETACH_DELETE(n)//", "`)-[:R]->()//", "$ids", "a\\u0027b", "%27")]
    nodes = [
        NodeRecord("Course", node_id, {"name_zh": hostile, "category": "integrated"})
        for node_id, hostile in zip(ids, CYPHER, strict=False)
    ]
    nodes.append(NodeRecord("Competency", "comp:X", {"name_zh": "x", "dimension": "social", "kind": "skill"}))
    edges = [EdgeRecord("DEVELOPS", node_id, "comp:X", {"level": 2}) for node_id in ids]
    summary = service.upsert(nodes, edges, source="' OR 1=1 //")
    assert (summary.nodes_created, summary.edges_created) == (len(ids) + 1, len(ids))
    for node in nodes[:-1]:
        stored = service.get(node.id)
        assert stored.props == {**node.props, "source": "' OR 1=1 //"}
    assert service.stats()["total_nodes"] == len(ids) + 1
    assert sorted(e.source for e in service.store.adjacent(["comp:X"])) == sorted(ids)
    again = service.upsert(nodes, edges, source="' OR 1=1 //")
    assert (again.nodes_unchanged, again.edges_unchanged) == (len(ids) + 1, len(ids))
    service.rollback(summary.load_id or 0)
    assert service.stats()["total_nodes"] == 0


@pytest.mark.parametrize("offset", [2**63, 2**64 + 1, 10**30])
def test_numbers_past_64_bits_are_422_not_a_store_error(client: TestClient, offset: int) -> None:
    """Found by schemathesis: an offset past 64 bits reached SQLite (and would reach Neo4j) as a 500."""
    response = client.get("/entities/Course", params={"offset": offset})
    assert response.status_code == 422, response.text
    assert "offset must be between 0 and" in response.json()["detail"]
