"""The CASE reader (loaders/case.py) on the real OpenSALT sample and on small packages of our own."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from graph.errors import ValidationError
from graph.service import Chanjiao
from loaders.case import read_case
from loaders.pipeline import load
from loaders.sources import READERS

SAMPLE = Path("case") / "opensalt-sample-framework.json"


def item_pairs(package: dict[str, Any], *kinds: str) -> set[tuple[str, str]]:
    """(origin, destination) node ids of the associations of ``kinds`` whose two ends are items of the package."""
    items = {i["identifier"] for i in package["CFItems"]}
    return {
        (f"case:{a['originNodeURI']['identifier']}", f"case:{a['destinationNodeURI']['identifier']}")
        for a in package["CFAssociations"]
        if a["associationType"] in kinds
        and a["originNodeURI"]["identifier"] in items
        and a["destinationNodeURI"]["identifier"] in items
    }


def edges_of(service: Chanjiao, rel_type: str) -> set[tuple[str, str]]:
    labels, _ = service.store.counts()
    ids = [n.id for n in service.list("Competency", 0, max(labels["Competency"], 1))[0]]
    return {(e.source, e.target) for e in service.store.adjacent(ids) if e.type == rel_type}


def test_sample_loads_into_the_store(service: Chanjiao, shared_data: Path) -> None:
    path = shared_data / SAMPLE
    package = json.loads(path.read_text(encoding="utf-8"))
    items = {i["identifier"]: i for i in package["CFItems"]}
    document = package["CFDocument"]

    report = load(service, READERS["case"](path, service.schema), source="case")
    labels, types = service.store.counts()

    assert labels["Competency"] == len(items) == 16
    assert sum(labels.values()) == len(items)
    broader = item_pairs(package, "isChildOf", "isPartOf")
    exact = item_pairs(package, "exactMatchOf")
    assert types["BROADER"] == len(broader) == 14
    assert edges_of(service, "BROADER") == broader  # child -> parent: CASE's origin isChildOf destination
    assert types["EXACT_MATCH"] == len(exact)  # 0 here: every exactMatchOf points to another framework
    assert edges_of(service, "EXACT_MATCH") == exact
    assert sum(types.values()) == types["BROADER"] + types["EXACT_MATCH"]

    node = service.get(f"case:{package['CFItems'][2]['identifier']}")
    item = package["CFItems"][2]
    assert node.props["name_en"] == item["fullStatement"]
    assert node.props["description"] == item["notes"]
    assert node.props["alt_labels"] == [item["humanCodingScheme"]]
    assert node.props["framework"] == document["title"]
    assert node.props["source"] == document["uri"]
    assert (node.props["kind"], node.props["dimension"]) == ("skill", "professional")

    # Association types without a counterpart are reported with their counts, each association listed.
    unmapped = Counter(
        a["associationType"]
        for a in package["CFAssociations"]
        if a["associationType"] not in ("isChildOf", "isPartOf", "exactMatchOf")
    )
    assert unmapped == {"precedes": 3, "exemplar": 2, "isRelatedTo": 2}
    for kind, count in unmapped.items():
        assert any(re.match(rf"association type '{kind}': {count} association\(s\) without", n) for n in report.notes)
    external = sum(1 for a in package["CFAssociations"] if a["associationType"] == "exactMatchOf") - len(exact)
    assert any(f"'exactMatchOf': {external} association(s) to nodes outside" in n for n in report.notes)
    listed = [n for n in report.notes if n.startswith("  - ")]
    assert len(listed) == sum(unmapped.values()) + external
    top_level = [
        a for a in package["CFAssociations"] if a["destinationNodeURI"]["identifier"] == document["identifier"]
    ]
    assert any(n.startswith(f"{len(top_level)} item(s) are children of the document") for n in report.notes)
    assert any("no framework class" in n and document["title"] in n for n in report.notes)


def test_loading_twice_changes_nothing(service: Chanjiao, shared_data: Path) -> None:
    path = shared_data / SAMPLE
    load(service, read_case(path, service.schema), source="case")
    before = service.store.counts()
    again = load(service, read_case(path, service.schema), source="case")
    assert service.store.counts() == before
    summary = again.summary
    assert (summary.nodes_created, summary.nodes_updated, summary.edges_created, summary.edges_updated) == (0, 0, 0, 0)
    assert (summary.nodes_unchanged, summary.edges_unchanged) == (16, 14)


def test_malformed_json_names_file_line_and_column(service: Chanjiao, shared_data: Path, tmp_path: Path) -> None:
    text = (shared_data / SAMPLE).read_text(encoding="utf-8").splitlines()
    assert text[5].strip() == '"creator": "Brandon Dorman",'
    text[5] = text[5].rstrip(",")  # the next member, on line 7, now lacks its comma
    path = tmp_path / "broken.json"
    path.write_text("\n".join(text), encoding="utf-8")
    before = service.store.counts()
    with pytest.raises(ValidationError, match=r"broken\.json line 7 column 9: is not valid JSON: Expecting ','"):
        load(service, read_case(path, service.schema), source="case")
    assert service.store.counts() == before


def test_association_to_a_missing_item_is_located_and_nothing_is_written(
    service: Chanjiao, shared_data: Path, tmp_path: Path
) -> None:
    package = json.loads((shared_data / SAMPLE).read_text(encoding="utf-8"))
    number = next(
        i
        for i, a in enumerate(package["CFAssociations"])
        if a["associationType"] == "isChildOf"
        and a["destinationNodeURI"]["identifier"] != package["CFDocument"]["identifier"]
    )
    package["CFAssociations"][number]["destinationNodeURI"]["identifier"] = "00000000-0000-4000-8000-000000000000"
    path = tmp_path / "dangling.json"
    path.write_text(json.dumps(package, indent=2), encoding="utf-8")
    lines = path.read_text(encoding="utf-8").splitlines()
    named = next(n for n, text in enumerate(lines) if package["CFAssociations"][number]["identifier"] in text)
    line = max(n for n in range(named) if lines[n].strip() == "{") + 1  # where the association's object opens
    before = service.store.counts()
    with pytest.raises(ValidationError) as caught:
        load(service, read_case(path, service.schema), source="case")
    [problem] = caught.value.problems
    assert problem.location.startswith(f"dangling.json line {line}, CFAssociations[{number}] (isChildOf ")
    assert problem.value == "case:00000000-0000-4000-8000-000000000000"
    assert service.store.counts() == before  # all-or-nothing: not even the 16 good items


def test_missing_required_fields_are_located(tmp_path: Path, schema) -> None:
    package = {
        "CFDocument": {"identifier": "doc-1", "title": "T"},
        "CFItems": [{"identifier": "i-1", "fullStatement": "ok"}, {"identifier": "i-2"}],
        "CFAssociations": [{"associationType": "isChildOf", "originNodeURI": {"identifier": "i-1"}}],
    }
    path = tmp_path / "incomplete.json"
    path.write_text(json.dumps(package, indent=1), encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        read_case(path, schema)
    found = {(p.location, p.field) for p in caught.value.problems}
    assert ("incomplete.json line 11, CFItems[1]", "fullStatement") in found
    assert ("incomplete.json line 16, CFAssociations[0]", "destinationNodeURI") in found


def small_package() -> dict[str, Any]:
    def link(identifier: str) -> dict[str, str]:
        return {"identifier": identifier, "uri": f"https://case.example/uri/{identifier}", "title": identifier}

    def association(n: int, kind: str, origin: str, target: str) -> dict[str, Any]:
        return {
            "identifier": f"a-{n}",
            "associationType": kind,
            "originNodeURI": link(origin),
            "destinationNodeURI": link(target),
        }

    return {
        "CFDocument": {"identifier": "doc", "uri": "https://case.example/uri/doc", "title": "工业机器人能力框架"},
        "CFItems": [
            {"identifier": "root", "fullStatement": "工业机器人系统操作", "CFItemType": "Domain"},
            {
                "identifier": "k1",
                "fullStatement": "Robot safety rules",
                "abbreviatedStatement": "Safety",
                "humanCodingScheme": "IR.1",
                "CFItemType": "Knowledge Statement",
            },
            {"identifier": "s1", "fullStatement": "能进行示教编程", "CFItemType": "Skill"},
            {"identifier": "s2", "fullStatement": "Teach programming", "CFItemType": "Disposition"},
        ],
        "CFAssociations": [
            association(1, "isChildOf", "root", "doc"),
            association(2, "isChildOf", "k1", "root"),
            association(3, "isPartOf", "s1", "root"),
            association(4, "isChildOf", "s1", "root"),  # the same BROADER again: loaded once
            association(5, "exactMatchOf", "s2", "s1"),
            association(6, "isPeerOf", "k1", "s1"),
            association(7, "exactMatchOf", "s1", "elsewhere"),
            association(8, "hasSkillLevel", "s1", "level-3"),
        ],
    }


def test_mapping_details(service: Chanjiao, tmp_path: Path) -> None:
    path = tmp_path / "small.json"
    path.write_text(json.dumps(small_package(), ensure_ascii=False), encoding="utf-8")
    parsed = read_case(path, service.schema, kinds={"Domain": "knowledge"})
    load(service, parsed, source="case")

    root, k1, s1, s2 = (service.get(f"case:{i}").props for i in ("root", "k1", "s1", "s2"))
    assert root["name_zh"] == "工业机器人系统操作" and "name_en" not in root
    assert root["framework"] == "工业机器人能力框架" and root["source"] == "https://case.example/uri/doc"
    assert (root["kind"], k1["kind"], s1["kind"], s2["kind"]) == ("knowledge", "knowledge", "skill", "attitude")
    assert k1["name_en"] == "Robot safety rules" and k1["alt_labels"] == ["IR.1", "Safety"]
    assert s1["name_zh"] == "能进行示教编程"
    assert edges_of(service, "BROADER") == {("case:k1", "case:root"), ("case:s1", "case:root")}
    assert edges_of(service, "EXACT_MATCH") == {("case:s2", "case:s1")}
    notes = "\n".join(parsed.notes)
    assert "1 association(s) repeat an edge" in notes
    assert "association type 'isPeerOf': 1 association(s) without a counterpart" in notes
    assert "association type 'hasSkillLevel': 1 association(s) without a counterpart" in notes
    assert "association type 'exactMatchOf': 1 association(s) to nodes outside this package" in notes
    assert "1 item(s) are children of the document itself (top-level): no BROADER edge (case:root)" in notes


def test_link_external_needs_the_other_framework(service: Chanjiao, tmp_path: Path) -> None:
    path = tmp_path / "small.json"
    path.write_text(json.dumps(small_package(), ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValidationError, match="case:elsewhere"):
        load(service, read_case(path, service.schema, link_external=True), source="case")
    assert sum(service.store.counts()[0].values()) == 0


def test_defaults_are_checked_against_the_ontology(tmp_path: Path, schema) -> None:
    path = tmp_path / "small.json"
    path.write_text(json.dumps(small_package()), encoding="utf-8")
    with pytest.raises(ValueError, match="'ability'"):
        read_case(path, schema, default_kind="ability")
    parsed = read_case(path, schema, dimension="quality")
    assert {n.props["dimension"] for n in parsed.nodes} == {"quality"}
