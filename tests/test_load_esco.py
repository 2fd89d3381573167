"""The ESCO reader: the full real v1.1.1 release into each store, and its kind/dimension rule on tiny releases.

Expected numbers are computed here from the release's files, with code of their own, so a
change of mapping or a lost row shows up as a mismatch rather than as a new constant.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from graph.errors import ValidationError
from graph.records import NodeRecord
from graph.service import Chanjiao
from loaders.esco import read_esco
from loaders.pipeline import Parsed, load
from loaders.sources import READERS
from ontology.schema import Schema

csv.field_size_limit(2**31 - 1)

BASE = "http://data.europa.eu/esco/"
OCCUPATION_PILLAR = ("broaderRelationsOccPillar.csv",)
SKILL_PILLAR = ("broaderRelationsSkillPillar.csv",)


def graph_id(uri: str) -> str:
    """The id the mapping promises: ``isco:<code>`` for ISCO groups, ``esco:<path>`` otherwise."""
    path = uri.removeprefix(BASE)
    return "isco:" + path.removeprefix("isco/C") if path.startswith("isco/C") else "esco:" + path


def release_tables(folder: Path) -> dict[str, list[dict[str, str]]]:
    """Every CSV of every zip in ``folder``, by file name, as dict rows."""
    tables: dict[str, list[dict[str, str]]] = {}
    for archive in sorted(folder.glob("*.zip")):
        with zipfile.ZipFile(archive) as z:
            for name in z.namelist():
                if name.endswith(".csv"):
                    text = z.read(name).decode("utf-8-sig")
                    tables[Path(name).name] = list(csv.DictReader(io.StringIO(text, newline="")))
    return tables


@dataclass
class Facts:
    """What the release holds, counted from its files."""

    occupations: int = 0
    isco_groups: int = 0
    skills: int = 0
    skill_groups: int = 0
    essential: int = 0
    optional: int = 0
    broader: int = 0
    dangling_rows: int = 0
    skill_skill_rows: int = 0
    relation_types: Counter[str] = field(default_factory=Counter)  # occupation-skill rows per relationType
    by_label: dict[str, str] = field(default_factory=dict)  # preferred label -> id (occupations and skills)
    requires: dict[str, dict[str, bool]] = field(default_factory=dict)  # occupation id -> skill id -> essential
    broader_of: dict[str, set[str]] = field(default_factory=dict)


@pytest.fixture(scope="module")
def esco_dir(shared_data: Path) -> Path:
    return shared_data / "esco-v1.1.1"


@pytest.fixture(scope="module")
def facts(esco_dir: Path) -> Facts:
    t = release_tables(esco_dir)
    f = Facts(
        occupations=len(t["occupations_en.csv"]),
        isco_groups=len(t["ISCOGroups_en.csv"]),
        skills=len(t["skills_en.csv"]),
        skill_groups=len(t["skillGroups_en.csv"]),
        skill_skill_rows=len(t["skillSkillRelations.csv"]),
    )
    concepts = {
        r["conceptUri"]
        for name in ("occupations_en.csv", "ISCOGroups_en.csv", "skills_en.csv", "skillGroups_en.csv")
        for r in t[name]
    }
    for name in ("occupations_en.csv", "skills_en.csv"):
        for r in t[name]:
            f.by_label.setdefault(r["preferredLabel"], graph_id(r["conceptUri"]))
    f.relation_types.update(r["relationType"] for r in t["occupationSkillRelations.csv"])
    for r in t["occupationSkillRelations.csv"]:
        if r["occupationUri"] in concepts and r["skillUri"] in concepts:
            essential = r["relationType"] == "essential"
            f.essential += essential
            f.optional += not essential
            f.requires.setdefault(graph_id(r["occupationUri"]), {})[graph_id(r["skillUri"])] = essential
        else:
            f.dangling_rows += 1
    for name in (*OCCUPATION_PILLAR, *SKILL_PILLAR):
        for r in t[name]:
            if r["conceptUri"] in concepts and r["broaderUri"] in concepts:
                f.broader += 1
                f.broader_of.setdefault(graph_id(r["conceptUri"]), set()).add(graph_id(r["broaderUri"]))
            else:
                f.dangling_rows += 1
    return f


@pytest.fixture(scope="module")
def parsed(esco_dir: Path, schema: Schema) -> Parsed:
    return read_esco(esco_dir, schema)


def test_registered() -> None:
    assert READERS["esco"] is read_esco


@pytest.mark.slow
def test_full_release_loads_and_reloads(service: Chanjiao, parsed: Parsed, facts: Facts, tmp_path: Path) -> None:
    # The release itself names concepts it does not define (an occupation, a few skill groups):
    # validation must report them, so the load keeps the valid rows and files the rest.
    rejects = tmp_path / "rejects.csv"
    report = load(service, parsed, source="esco", keep_valid=True, reject_file=rejects)

    assert {p.location for p in report.rejected} and len({p.location for p in report.rejected}) == facts.dangling_rows
    assert all("neither in this load nor in the graph" in p.reason for p in report.rejected)
    assert rejects.read_text(encoding="utf-8-sig").count("\n") == len(report.rejected) + 1
    assert any("skillSkillRelations.csv" in n and str(facts.skill_skill_rows) in n for n in report.notes)

    stats = service.stats()
    assert stats["nodes"]["Occupation"] == facts.occupations + facts.isco_groups
    assert stats["nodes"]["Competency"] == facts.skills + facts.skill_groups
    assert stats["relationships"]["REQUIRES"] == facts.essential + facts.optional
    assert stats["relationships"]["BROADER"] == facts.broader
    assert stats["total_relationships"] == facts.essential + facts.optional + facts.broader
    assert report.summary.nodes_created == stats["total_nodes"]
    assert report.summary.edges_created == stats["total_relationships"]

    # A welder: essential and optional skills exactly as the relations file has them.
    welder = facts.by_label["welder"]
    edges = service.store.adjacent([welder])
    required = {e.target: e.props["essential"] for e in edges if e.type == "REQUIRES" and e.source == welder}
    assert required == facts.requires[welder]
    assert sum(required.values()) == sum(facts.requires[welder].values()) > 0
    broader = {e.target for e in edges if e.type == "BROADER" and e.source == welder}
    assert broader == facts.broader_of[welder] == {"isco:7212"}
    isco_broader = {e.target for e in service.store.adjacent(["isco:7212"]) if e.source == "isco:7212"}
    assert isco_broader == facts.broader_of["isco:7212"] == {"isco:721"}

    # Essential and optional requirements of a sample of occupations, exactly as in the file.
    sample = sorted(facts.requires)[::60]
    stored: dict[str, dict[str, bool]] = {}
    for e in service.store.adjacent(sample):
        if e.type == "REQUIRES":
            stored.setdefault(e.source, {})[e.target] = e.props["essential"]
    assert stored == {o: facts.requires[o] for o in sample}

    node = service.get(welder, "Occupation")
    assert node.props["name_en"] == "welder"
    assert node.props["isco_code"] == "7212"
    assert node.props["esco_uri"] == "http://data.europa.eu/esco/occupation/7aedaa07-3884-4c5b-88f9-80997b2aa54b"
    assert "welder" not in node.props["alt_labels"] and node.props["alt_labels"]
    assert service.get("isco:7212").props["classification_level"] == 4
    assert service.get("isco:7").props["classification_level"] == 1

    # The dimension rule on real skills: transversal ones by their T group, the rest professional.
    expected = {
        "work in teams": ("social", "skill"),  # T4.3
        "write Hungarian": ("social", "skill"),  # T1.1
        "Latin": ("social", "knowledge"),  # not reuse-level transversal, but directly in T1.1
        "solve problems": ("methodological", "skill"),  # T2.3
        "demonstrate willingness to learn": ("methodological", "skill"),  # T3.4
        "show initiative": ("quality", "skill"),  # T3.2
        "comply with regulations": ("quality", "skill"),  # T4.5
        "use equipment, tools or technology with precision": ("professional", "skill"),  # T5.1
        "manage musical staff": ("professional", "skill"),  # sector-specific, though under "lead others" (T4.4)
    }
    for label, (dimension, kind) in expected.items():
        props = service.get(facts.by_label[label], "Competency").props
        assert (props["dimension"], props["kind"], props["framework"]) == (dimension, kind, "ESCO v1.1.1"), label
    assert service.get("esco:isced-f/0613").props["kind"] == "knowledge"
    hits = service.search("oxyacetylene welder", ["Occupation"], 5)  # an alternative label
    assert welder in [n.id for n, _ in hits]

    # Loading again changes nothing, and says so.
    again = load(service, parsed, source="esco", keep_valid=True)
    assert service.stats() == stats
    summary = again.summary.as_dict()
    assert summary == {
        "nodes_created": 0,
        "nodes_updated": 0,
        "nodes_unchanged": stats["total_nodes"],
        "edges_created": 0,
        "edges_updated": 0,
        "edges_unchanged": stats["total_relationships"],
    }


def test_full_release_parses_to_the_files_counts(parsed: Parsed, facts: Facts) -> None:
    labels = Counter(n.label for n in parsed.nodes)
    assert labels == {
        "Occupation": facts.occupations + facts.isco_groups,
        "Competency": facts.skills + facts.skill_groups,
    }
    essential = Counter(e.props["essential"] for e in parsed.edges if e.type == "REQUIRES")
    assert essential == {True: facts.relation_types["essential"], False: facts.relation_types["optional"]}
    types = Counter(e.type for e in parsed.edges)
    # The reader keeps dangling rows for validation to report.
    assert (
        types["REQUIRES"] + types["BROADER"] == facts.essential + facts.optional + facts.broader + facts.dangling_rows
    )
    assert {n.props["dimension"] for n in parsed.nodes if n.label == "Competency"} == {
        "professional",
        "methodological",
        "social",
        "quality",
    }
    assert all("level" not in e.props for e in parsed.edges)


# -- tiny hand-made releases


def write_release(folder: Path, files: dict[str, list[list[str]]], bom: bool = True) -> Path:
    """Write CSV files (header first) the way ESCO does: all fields quoted as needed, maybe a BOM."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in files.items():
        buffer = io.StringIO(newline="")
        csv.writer(buffer, lineterminator="\n").writerows(rows)
        (folder / name).write_text(buffer.getvalue(), encoding="utf-8-sig" if bom else "utf-8")
    return folder


S = BASE + "skill/"
GROUP_HEADER = [
    "conceptType",
    "conceptUri",
    "preferredLabel",
    "altLabels",
    "hiddenLabels",
    "status",
    "description",
    "code",
]
SKILL_HEADER = [
    "conceptType",
    "conceptUri",
    "skillType",
    "reuseLevel",
    "preferredLabel",
    "altLabels",
    "hiddenLabels",
    "description",
]
BROADER_HEADER = ["conceptType", "conceptUri", "broaderType", "broaderUri"]


def group(uri: str, label: str, code: str) -> list[str]:
    return ["SkillGroup", uri, label, "", "", "released", "", code]


def skill(uri: str, label: str, skill_type: str, reuse: str, alt: str = "") -> list[str]:
    return ["KnowledgeSkillCompetence", uri, skill_type, reuse, label, alt, "", f"{label}."]


def tiny_release() -> dict[str, list[list[str]]]:
    groups = [
        group(S + "T", "transversal skills and competences", "T"),
        group(S + "T2", "thinking skills and competences", "T2"),
        group(S + "T4", "social and communication skills and competences", "T4"),
        group(S + "T45", "following ethical code of conduct", "T4.5"),
        group(S + "T6", "life skills and competences", "T6"),
        group(S + "S", "skills", "S"),
        group(S + "S1", "communication, collaboration and creativity", "S1"),
        group(S + "K", "knowledge", "K"),
        group(BASE + "isced-f/07", "engineering, manufacturing and construction", ""),
        group(S + "L", "language skills and knowledge", "L"),
    ]
    skills = [
        skill(S + "ethics", "comply with regulations", "skill/competence", "transversal"),
        skill(S + "team", "work in teams", "skill/competence", "transversal", "teamwork\nwork in teams\n"),
        skill(S + "think", "think critically", "skill/competence", "transversal"),
        # transversal, under another transversal skill only: inherits T2 through it
        skill(S + "reason", "reason logically", "skill/competence", "transversal"),
        # sector-specific under a transversal skill: stays professional
        skill(S + "negotiate", "negotiate contracts", "skill/competence", "sector-specific"),
        # cross-sector but placed directly in a T group: transversal
        skill(S + "health", "apply hygiene standards", "skill/competence", "cross-sector"),
        skill(S + "weld", "welding technology", "knowledge", "sector-specific"),
        skill(S + "digital", "ICT safety", "", ""),
    ]
    broader = [
        ["SkillGroup", S + "T2", "SkillGroup", S + "T"],
        ["SkillGroup", S + "T4", "SkillGroup", S + "T"],
        ["SkillGroup", S + "T45", "SkillGroup", S + "T4"],
        ["SkillGroup", S + "T6", "SkillGroup", S + "T"],
        ["SkillGroup", S + "S1", "SkillGroup", S + "S"],
        ["SkillGroup", BASE + "isced-f/07", "SkillGroup", S + "K"],
        ["KnowledgeSkillCompetence", S + "ethics", "SkillGroup", S + "T45"],
        ["KnowledgeSkillCompetence", S + "team", "SkillGroup", S + "T4"],
        ["KnowledgeSkillCompetence", S + "team", "SkillGroup", S + "S1"],
        ["KnowledgeSkillCompetence", S + "think", "SkillGroup", S + "T2"],
        ["KnowledgeSkillCompetence", S + "reason", "KnowledgeSkillCompetence", S + "think"],
        ["KnowledgeSkillCompetence", S + "negotiate", "KnowledgeSkillCompetence", S + "team"],
        ["KnowledgeSkillCompetence", S + "negotiate", "SkillGroup", S + "S1"],
        ["KnowledgeSkillCompetence", S + "health", "SkillGroup", S + "T6"],
        ["KnowledgeSkillCompetence", S + "weld", "SkillGroup", BASE + "isced-f/07"],
    ]
    return {
        "skillGroups_en.csv": [GROUP_HEADER, *groups],
        "skills_en.csv": [SKILL_HEADER, *skills],
        "broaderRelationsSkillPillar.csv": [BROADER_HEADER, *broader],
    }


def by_id(parsed: Parsed) -> dict[str, NodeRecord]:
    return {n.id: n for n in parsed.nodes}


def test_kind_and_dimension_rule(tmp_path: Path, schema: Schema) -> None:
    nodes = by_id(read_esco(write_release(tmp_path, tiny_release()), schema))
    got = {i.removeprefix("esco:"): (n.props["dimension"], n.props["kind"]) for i, n in nodes.items()}
    assert got == {
        "skill/ethics": ("quality", "skill"),  # T4.5 is more specific than T4
        "skill/team": ("social", "skill"),  # T4, although also in S1
        "skill/think": ("methodological", "skill"),
        "skill/reason": ("methodological", "skill"),  # through the transversal skill above it
        "skill/negotiate": ("professional", "skill"),  # not transversal: no inheritance
        "skill/health": ("quality", "skill"),  # direct T6 parent makes it transversal
        "skill/weld": ("professional", "knowledge"),
        "skill/digital": ("professional", "skill"),  # no skillType: skill
        "skill/T": ("methodological", "skill"),
        "skill/T2": ("methodological", "skill"),
        "skill/T4": ("social", "skill"),
        "skill/T45": ("quality", "skill"),
        "skill/T6": ("quality", "skill"),
        "skill/S": ("professional", "skill"),
        "skill/S1": ("professional", "skill"),
        "skill/K": ("professional", "knowledge"),
        "isced-f/07": ("professional", "knowledge"),  # knowledge pillar, found through its broader group
        "skill/L": ("social", "skill"),
    }
    team = nodes["esco:skill/team"].props
    assert team["alt_labels"] == ["teamwork"]  # the preferred label is not repeated among alternatives
    assert team["framework"] == "ESCO v1.1.1"


def test_conflicting_t_groups_lowest_code_wins(tmp_path: Path, schema: Schema) -> None:
    files = tiny_release()
    files["broaderRelationsSkillPillar.csv"].append(["KnowledgeSkillCompetence", S + "ethics", "SkillGroup", S + "T2"])
    parsed = read_esco(write_release(tmp_path, files), schema)
    assert by_id(parsed)["esco:skill/ethics"].props["dimension"] == "methodological"  # T2 < T4.5
    assert any("1 transversal skill(s) sit under T groups of different dimensions" in n for n in parsed.notes)


def test_zip_with_bom_and_multiline_fields(tmp_path: Path, schema: Schema) -> None:
    files = tiny_release()
    files["skills_en.csv"].append(skill(S + "odd", "odd skill", "attitude", "cross-sector"))
    folder = write_release(tmp_path / "csv", files)
    archive = tmp_path / "classification-en-csv.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for file in folder.iterdir():
            z.write(file, f"classification/{file.name}")
    with pytest.raises(ValidationError) as caught:
        read_esco(archive, schema)
    # The quoted altLabels of "work in teams" span three lines, so the 9th row starts on line 12.
    (problem,) = caught.value.problems
    assert problem.location == "classification-en-csv.zip: classification/skills_en.csv line 12"
    assert (problem.field, problem.value) == ("skillType", "attitude")

    files["skills_en.csv"].pop()
    write_release(tmp_path / "csv", files)
    archive.unlink()
    with zipfile.ZipFile(archive, "w") as z:
        for file in folder.iterdir():
            z.write(file, file.name)
    from_zip, from_folder = read_esco(archive, schema), read_esco(folder, schema)
    assert [(n.id, n.props) for n in from_zip.nodes] == [(n.id, n.props) for n in from_folder.nodes]
    assert "teamwork" in by_id(from_zip)["esco:skill/team"].props["alt_labels"]


def occupations_release(tmp_path: Path) -> Path:
    occupation = BASE + "occupation/0001"
    files = {
        "ISCOGroups_en.csv": [
            ["conceptType", "conceptUri", "code", "preferredLabel", "status", "altLabels", "inScheme", "description"],
            ["ISCOGroup", BASE + "isco/C7", "7", "Craft and related trades workers", "released", "", "", ""],
            ["ISCOGroup", BASE + "isco/C7212", "7212", "Welders and flamecutters", "released", "", "", ""],
        ],
        "occupations_en.csv": [
            ["conceptType", "conceptUri", "iscoGroup", "preferredLabel", "altLabels", "hiddenLabels", "description"],
            ["Occupation", occupation, "7212", "welder", "welder\nwelding operator", "weldor", "Welders weld."],
        ],
        "broaderRelationsOccPillar.csv": [
            BROADER_HEADER,
            ["Occupation", occupation, "ISCOGroup", BASE + "isco/C7212"],
            ["ISCOGroup", BASE + "isco/C7212", "ISCOGroup", BASE + "isco/C7"],
        ],
        "occupationSkillRelations.csv": [
            ["occupationUri", "relationType", "skillType", "skillUri"],
            [occupation, "essential", "knowledge", S + "weld"],
            [occupation, "optional", "skill/competence", S + "team"],
            [occupation, "essential", "skill/competence", S + "missing"],
        ],
        "skillSkillRelations.csv": [
            ["originalSkillUri", "originalSkillType", "relationType", "relatedSkillType", "relatedSkillUri"],
            [S + "weld", "knowledge", "optional", "skill/competence", S + "team"],
        ],
        **tiny_release(),
    }
    return write_release(tmp_path, files, bom=False)


def test_occupations_requirements_and_dangling_references(tmp_path: Path, service: Chanjiao) -> None:
    parsed = read_esco(occupations_release(tmp_path), service.schema)
    nodes = by_id(parsed)
    assert nodes["esco:occupation/0001"].props == {
        "name_en": "welder",
        "alt_labels": ["welding operator", "weldor"],
        "description": "Welders weld.",
        "esco_uri": BASE + "occupation/0001",
        "isco_code": "7212",
    }
    assert nodes["isco:7"].props["classification_level"] == 1
    assert nodes["isco:7212"].props["classification_level"] == 4
    assert any("1 skill-for-skill relations (1 optional) not loaded" in n for n in parsed.notes)

    # A relation to a skill the files lack: reported with its file and line, and nothing written.
    with pytest.raises(ValidationError) as caught:
        load(service, parsed, source="esco")
    (problem,) = caught.value.problems
    assert problem.location == "occupationSkillRelations.csv line 4"
    assert (problem.field, problem.value) == ("to", "esco:skill/missing")
    assert service.stats()["total_nodes"] == 0

    report = load(service, parsed, source="esco", keep_valid=True)
    assert len(report.rejected) == 1
    required = {e.target: e.props for e in service.store.adjacent(["esco:occupation/0001"]) if e.type == "REQUIRES"}
    assert required == {
        "esco:skill/weld": {"essential": True, "source": "esco"},
        "esco:skill/team": {"essential": False, "source": "esco"},
    }
    assert service.stats()["relationships"]["BROADER"] == 2 + 15


def test_bad_input_is_reported(tmp_path: Path, schema: Schema) -> None:
    with pytest.raises(ValidationError, match="holds none of the ESCO files"):
        read_esco(tmp_path, schema)
    files = tiny_release()
    files["skills_en.csv"][0] = [h for h in SKILL_HEADER if h != "skillType"]
    files["skills_en.csv"][1:] = []
    with pytest.raises(ValidationError) as caught:
        read_esco(write_release(tmp_path, files), schema)
    assert [(p.location, p.field) for p in caught.value.problems] == [("skills_en.csv line 1", "skillType")]
