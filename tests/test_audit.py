"""The audit trail: every write is a load (who, when, source), listed and rolled back as a unit — on both stores.

The tests take ``service`` (see ``tests/conftest.py``), so each runs once per
store, on the contract suite's tiny graph.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli
from api.security import new_key
from graph import cypher
from graph.audit import (
    Change,
    Ref,
    change_groups,
    digest,
    dump_changes,
    pack_change_sets,
    pack_changes,
    pack_group_sets,
    unpack_changes,
)
from graph.errors import ConflictError, NotFoundError, ValidationError
from graph.records import EdgeRecord, NodeRecord, WriteSummary
from graph.service import Chanjiao
from graph.settings import Settings
from tests.test_store_contract import EDGES, NODES, snapshot

ENTRY, SECRET = new_key("registrar")
COURSE = "course:IR-101"
NEW_COURSE = NodeRecord("Course", "course:NEW", {"name_zh": "新课程", "category": "integrated"})


@pytest.fixture
def based(service: Chanjiao) -> Chanjiao:
    """The contract graph, written as load 1 by ``registrar``."""
    service.upsert(NODES, EDGES, source="contract", who="registrar")
    return service


def changes_course(service: Chanjiao, hours: int, who: str = "local") -> int | None:
    """Set the course's hours, as a load of its own; return its id."""
    return service.upsert(
        [NodeRecord("Course", COURSE, {"hours": hours})], [], source=f"hours {hours}", who=who
    ).load_id


class TestTrail:
    def test_every_write_is_a_load_with_who_when_and_source(self, service: Chanjiao) -> None:
        start = datetime.now(UTC) - timedelta(seconds=1)
        summary = service.upsert(NODES, EDGES, source="contract", who="registrar")
        assert summary.load_id == 1
        entries, count = service.loads()
        assert count == 1
        entry = entries[0]
        assert (entry.id, entry.operation, entry.who, entry.source) == (1, "load", "registrar", "contract")
        assert entry.counts == summary.as_dict() == {**summary.as_dict(), "nodes_created": 6, "edges_created": 6}
        at = datetime.fromisoformat(entry.at.replace("Z", "+00:00"))
        assert start <= at <= datetime.now(UTC) + timedelta(seconds=1)
        assert (entry.reverts, entry.rolled_back_by) == (None, None)

    def test_loads_are_listed_newest_first_and_paged(self, based: Chanjiao) -> None:
        based.upsert(NODES, EDGES, source="contract")  # a re-run changes nothing but is recorded
        changes_course(based, 120, who="cli")
        entries, count = based.loads()
        assert count == 3
        assert [(e.id, e.who, e.source) for e in entries] == [
            (3, "cli", "hours 120"),
            (2, "local", "contract"),
            (1, "registrar", "contract"),
        ]
        assert entries[1].counts["nodes_unchanged"] == 6 and entries[1].counts["nodes_created"] == 0
        page, count = based.loads(offset=1, limit=1)
        assert [e.id for e in page] == [2] and count == 3
        assert based.load_entry(3).source == "hours 120"
        with pytest.raises(NotFoundError, match="there is no load 9"):
            based.load_entry(9)

    def test_a_refused_write_records_nothing(self, based: Chanjiao) -> None:
        with pytest.raises(ValidationError):
            based.upsert([NodeRecord("Course", "course:BAD", {"category": "lecture"})], [])
        assert based.loads()[1] == 1


class TestRollback:
    def test_created_items_are_removed_and_updated_ones_restored(self, based: Chanjiao) -> None:
        before = snapshot(based.store)
        load = based.upsert(
            [NodeRecord("Course", COURSE, {"hours": 120, "name_en": "Robot operation"}), NEW_COURSE],
            [
                EdgeRecord("DEMANDS", "emp:A", "csco:6-31-07-03", {"headcount": 99, "year": 2026}),  # updated
                EdgeRecord("DEMANDS", "emp:A", "csco:6-31-07-03", {"headcount": 5, "year": 2027}),  # created
                EdgeRecord("DEVELOPS", "course:NEW", "comp:P1", {"level": 2}),  # created, at a created node
            ],
            source="second",
        ).load_id
        assert snapshot(based.store) != before
        entry = based.rollback(load, who="registrar")
        assert snapshot(based.store) == before
        assert (entry.operation, entry.reverts, entry.who, entry.source) == (
            "rollback",
            load,
            "registrar",
            f"rollback of load {load}",
        )
        assert entry.counts == {"nodes_removed": 1, "nodes_restored": 1, "edges_removed": 2, "edges_restored": 1}
        assert based.load_entry(load).rolled_back_by == entry.id
        assert based.loads()[0][0] == entry

    def test_rolling_back_everything_leaves_an_empty_graph_and_a_rerun_restores_it(self, based: Chanjiao) -> None:
        full = snapshot(based.store)
        based.rollback(1)
        assert based.stats()["total_nodes"] == 0 and based.stats()["total_relationships"] == 0
        assert based.search("机器人") == []  # the search index follows
        again = based.upsert(NODES, EDGES, source="contract", who="registrar")
        assert (again.nodes_created, again.edges_created) == (6, 6)
        assert snapshot(based.store) == full

    def test_search_follows_a_restored_name(self, based: Chanjiao) -> None:
        based.upsert([NodeRecord("Course", COURSE, {"name_zh": "焊接工艺"})], [])
        assert [n.id for n, _ in based.search("焊接")] == [COURSE]
        based.rollback(2)
        assert based.search("焊接") == []
        assert COURSE in [n.id for n, _ in based.search("基本操作")]

    def test_a_later_change_is_not_clobbered(self, based: Chanjiao) -> None:
        first = changes_course(based, 120)
        second = changes_course(based, 150, who="registrar")
        before = snapshot(based.store)
        with pytest.raises(ConflictError) as refused:
            based.rollback(first)
        message = str(refused.value)
        assert f"load {first} cannot be rolled back" in message
        assert f"Course '{COURSE}' was changed by load {second} (registrar," in message
        assert f"Roll back load(s) {second} first" in message
        assert snapshot(based.store) == before
        assert based.loads()[1] == 3  # the refusal recorded nothing
        based.rollback(second)
        based.rollback(first)
        assert based.get(COURSE).props["hours"] == 96

    def test_a_relationship_added_later_to_a_created_node_is_a_conflict(self, based: Chanjiao) -> None:
        created = based.upsert([NEW_COURSE], [], source="new course").load_id
        later = based.upsert([], [EdgeRecord("DEVELOPS", "course:NEW", "comp:P1", {"level": 1})]).load_id
        with pytest.raises(
            ConflictError, match=rf"DEVELOPS 'course:NEW' -> 'comp:P1' was added to a node it created by load {later}"
        ):
            based.rollback(created)
        assert based.get("course:NEW")

    def test_a_change_made_outside_the_audited_writes_is_a_conflict(self, based: Chanjiao) -> None:
        load = changes_course(based, 120)
        edit_directly(based, COURSE, "hours", 200)
        assert based.get(COURSE).props["hours"] == 200
        with pytest.raises(ConflictError, match="was changed outside chanjiao's audited writes"):
            based.rollback(load)
        assert based.get(COURSE).props["hours"] == 200

    def test_rollback_twice_a_rollback_or_an_unknown_load_is_refused(self, based: Chanjiao) -> None:
        undo = based.rollback(1)
        with pytest.raises(ConflictError, match=f"load 1 was already rolled back by load {undo.id}"):
            based.rollback(1)
        with pytest.raises(ConflictError, match=f"load {undo.id} is a rollback \\(of load 1\\); re-run"):
            based.rollback(undo.id)
        with pytest.raises(NotFoundError, match="there is no load 42"):
            based.rollback(42)

    def test_a_rolled_back_later_load_no_longer_blocks(self, based: Chanjiao) -> None:
        first = changes_course(based, 120)
        second = changes_course(based, 150)
        based.rollback(second)
        changes_course(based, 120)  # sets what load ``first`` set: nothing changes, so nothing blocks
        based.rollback(first)
        assert based.get(COURSE).props["hours"] == 96

    def test_the_trail_survives_reopening(self, based: Chanjiao, request: pytest.FixtureRequest) -> None:
        based.rollback(1)
        if based.store.kind != "embedded":
            return  # Neo4j is a server: the same database answers (tests/test_store_contract.py)
        from graph.embedded import EmbeddedStore

        reopened = EmbeddedStore(based.store.path, based.schema)  # type: ignore[attr-defined]
        try:
            assert reopened.loads(0, 10) == based.store.loads(0, 10)
            assert snapshot(reopened) == snapshot(based.store)
        finally:
            reopened.close()


def edit_directly(service: Chanjiao, node_id: str, prop: str, value: object) -> None:
    """Change a node behind chanjiao's back: in the SQLite file, or with Cypher, as an analyst might."""
    store = service.store
    if store.kind == "embedded":
        with sqlite3.connect(store.path) as db:  # type: ignore[attr-defined]
            (props,) = db.execute("SELECT props FROM nodes WHERE id = ?", (node_id,)).fetchone()
            db.execute(
                "UPDATE nodes SET props = ? WHERE id = ?", (json.dumps({**json.loads(props), prop: value}), node_id)
            )
    else:
        with store.driver.session() as session:  # type: ignore[attr-defined]
            session.run(f"MATCH (n {{id: $id}}) SET n.`{prop}` = $value", id=node_id, value=value).consume()


def test_audit_labels_are_not_ontology_classes(schema) -> None:
    assert not set(cypher.AUDIT_LABELS) & set(schema.classes)


def test_change_sets_round_trip() -> None:
    # Both stores store a load's changes in these sets; earlier versions stored them as text.
    changes = [
        Change(Ref("Course", "course:A"), None, digest({"name_zh": "甲"})),
        Change(Ref("Course", "course:B"), {"name_zh": "乙", "hours": 4}, digest({"name_zh": "乙", "hours": 6})),
        Change(Ref("Competency", "comp:1"), {"alt_labels": ["a", "b"], "level": 2.5}, None),
        Change(Ref("DEMANDS", "emp:A", "occ:B", (2025,), ("Employer", "Occupation")), None, "d1"),
        Change(Ref("DEMANDS", "emp:A", "occ:C", (2026,), ("Employer", "Occupation")), {"headcount": 3}, "d2"),
        Change(Ref("DEVELOPS", "course:A", "comp:1", (), ("Course", "Competency")), None, "d3"),
        Change(Ref("DEVELOPS", "lt:A", "comp:1", (), None), None, "d4"),
        Change(Ref("Course", "course:C"), None, "d5"),
    ]
    back = unpack_changes(pack_changes(change_groups(changes)))
    assert [c.to_json() for c in back] == [c.to_json() for c in changes]  # ends included
    assert unpack_changes(dump_changes(changes)[0]) == changes  # text sets of earlier versions
    assert unpack_changes(pack_changes([])) == []


def test_change_sets_hold_about_a_thousand_changes_in_order() -> None:
    # A load whose labels alternate makes a group per item: a set each cost more than the rest of its audit.
    changes = [Change(Ref("Course" if n % 2 else "Program", f"x:{n}"), None, f"d{n}") for n in range(2500)]
    groups = change_groups(changes)
    assert len(groups) == 2500
    sets = pack_group_sets(groups)
    assert len(sets) == 3  # 1000, 1000 and 500 items
    assert [c for data in sets for c in unpack_changes(data)] == changes
    alike = [Change(Ref("Course", f"x:{n}"), None, f"d{n}") for n in range(2500)]
    assert [len(g["ids"]) for g in change_groups(alike)] == [1000, 1000, 500]  # a long run is split
    assert [c for data in pack_change_sets(alike) for c in unpack_changes(data)] == alike


def test_refs_and_digests() -> None:
    edge = Ref("DEMANDS", "emp:A", "occ:B", (2025,), ("Employer", "Occupation"))
    assert Ref.from_json(edge.to_json()) == edge and Ref.from_json(edge.to_json()).ends == edge.ends
    assert edge == Ref("DEMANDS", "emp:A", "occ:B", (2025,))  # endpoint labels are not part of the identity
    assert digest({"a": 1}) != digest({"a": 1.5}) and digest({"a": [1, 2]}) != digest({"a": [2, 1]})


class TestHttp:
    @pytest.fixture
    def client(self, based: Chanjiao) -> TestClient:
        based.settings = Settings(store="unused", api_keys=[ENTRY], max_upload_bytes=10_000)
        return TestClient(create_app(service=based))

    def test_the_trail_needs_a_key(self, client: TestClient) -> None:
        for response in (client.get("/loads"), client.get("/loads/1"), client.post("/loads/1/rollback")):
            assert response.status_code == 401
            assert response.headers["content-type"] == "application/problem+json"
            assert response.headers["www-authenticate"] == "ApiKey"

    def test_upload_list_and_roll_back(self, client: TestClient, based: Chanjiao) -> None:
        key = {"X-API-Key": SECRET}
        csv = "id,name_zh,category\ncourse:UP,上传的课程,integrated\n".encode()
        upload = client.post("/loads/workbook", files={"file": ("Course.csv", csv)}, headers=key).json()
        assert upload["load_id"] == 2 and upload["key_id"] == "registrar"
        listed = client.get("/loads", headers=key).json()
        assert listed["count"] == 2
        assert listed["data"][0] | {"at": None} == {
            "id": 2,
            "operation": "load",
            "who": "registrar",
            "source": "workbook:Course.csv",
            "at": None,
            "counts": {**dict.fromkeys(WriteSummary.COUNTS, 0), "nodes_created": 1},
            "reverts": None,
            "rolled_back_by": None,
        }
        undone = client.post("/loads/2/rollback", headers=key)
        assert undone.status_code == 200, undone.text
        assert undone.json()["reverts"] == 2 and undone.json()["who"] == "registrar"
        assert client.get("/loads/2", headers=key).json()["rolled_back_by"] == undone.json()["id"]
        assert based.store.get_nodes(["course:UP"]) == {}

    def test_a_conflict_is_409_naming_it_and_an_unknown_load_404(self, client: TestClient, based: Chanjiao) -> None:
        key = {"X-API-Key": SECRET}
        changes_course(based, 150, who="another-key")
        refused = client.post("/loads/1/rollback", headers=key)
        assert refused.status_code == 409
        body = refused.json()
        assert body["title"] == "Conflict" and body["status"] == 409
        assert f"Course '{COURSE}' was changed by load 2 (another-key," in body["detail"]
        missing = client.post("/loads/77/rollback", headers=key)
        assert (missing.status_code, missing.json()["detail"]) == (404, "there is no load 77")
        assert client.get("/loads/0", headers=key).status_code == 422


def test_cli_lists_and_rolls_back(tmp_path) -> None:
    store = str(tmp_path / "cli.db")
    runner = CliRunner()
    loaded = runner.invoke(cli, ["demo", "--store", store])
    assert loaded.exit_code == 0, loaded.output
    listed = runner.invoke(cli, ["loads", "list", "--store", store, "--json"])
    assert listed.exit_code == 0, listed.output
    trail = json.loads(listed.output)
    assert trail["count"] == 1
    assert trail["data"][0]["who"] == "cli" and trail["data"][0]["source"] == "demo"
    undone = runner.invoke(cli, ["loads", "rollback", "1", "--store", store])
    assert undone.exit_code == 0, undone.output
    demo = trail["data"][0]["counts"]
    removed = f"nodes removed {demo['nodes_created']}, edges removed {demo['edges_created']}"
    assert f"load 1 rolled back (as load 2): {removed}" in undone.output
    again = runner.invoke(cli, ["loads", "rollback", "1", "--store", store])
    assert again.exit_code == 1
    assert "already rolled back by load 2" in again.output
    trail = json.loads(runner.invoke(cli, ["loads", "list", "--store", store, "--json"]).output)
    assert [(e["id"], e["reverts"], e["rolled_back_by"]) for e in trail["data"]] == [(2, 1, None), (1, None, 2)]
    table = runner.invoke(cli, ["loads", "list", "--store", store])
    assert table.exit_code == 0 and "rollback" in table.output
