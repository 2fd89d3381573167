"""The ESCO v1.1.1 CSV release: occupations, ISCO groups, skills, skill groups, their hierarchies and relations.

``read_esco`` takes the folder holding the release's zips (``classification-en-csv.zip``,
``relations-csv.zip``), one zip, or a folder of extracted CSV files, and maps:

=====================================  ================================================================
ESCO file                              graph
=====================================  ================================================================
occupations_en.csv                     ``Occupation`` ``esco:occupation/<uuid>``: name_en, alt_labels
                                       (altLabels + hiddenLabels), description, esco_uri, isco_code
ISCOGroups_en.csv                      ``Occupation`` ``isco:<code>``: classification_level = digits (1–4)
skills_en.csv                          ``Competency`` ``esco:skill/<uuid>``: kind, dimension, framework
skillGroups_en.csv                     ``Competency`` ``esco:skill/<uuid>`` or ``esco:isced-f/<code>``
broaderRelationsOccPillar.csv          ``BROADER`` occupation → occupation / ISCO group, group → group
broaderRelationsSkillPillar.csv        ``BROADER`` skill → skill / group, group → group
occupationSkillRelations.csv           ``REQUIRES`` occupation → competency, essential = relationType
                                       is "essential"; no level (ESCO is level-agnostic)
skillSkillRelations.csv                not loaded (counted in the notes): the ontology has no
                                       relationship for "a competency requires another"
=====================================  ================================================================

Kind: skillType "knowledge" → knowledge, "skill/competence" → skill; the few skills with no
skillType (the DigComp competence areas of the release) → skill, as ESCO's concepts are all
knowledge–skill–competence concepts and these name competences. A skill group is knowledge
in the knowledge pillar (ESCO's root group "K" and the ISCED-F fields below it), skill elsewhere.

Dimension, from ESCO's transversal skills pillar (root group "T"), read from the real hierarchy:

* a skill is *transversal* when its reuseLevel is "transversal" or one of its direct broader
  concepts is a T group; its T codes are those reached by walking up through transversal skills
  to T groups (in v1.1.1 every transversal skill reaches exactly one);
* a T code maps to a dimension by its most specific entry in ``TRANSVERSAL_DIMENSIONS``:
  T2 thinking → methodological, T1 core (numbers, digital) → methodological but T1.1 mastering
  languages → social, T3 self-management → quality but T3.4 willingness to learn →
  methodological, T4 social and communication → social but T4.5 ethical code of conduct →
  quality, T5 physical and manual → professional, T6 life skills (health, environment, civic,
  cultural, …) → quality;
* every other skill — all of the skills (S) and knowledge (K) pillars, however broad — is
  professional; skill groups follow the same table by their own code, the language pillar
  (L) is social like T1.1 (every language skill is in T1.1 too), all other groups professional.

Where one skill reaches T codes of different dimensions, the lowest code wins and the notes
count such skills (none in v1.1.1). docs/loaders-esco-csco.md explains the choices.
"""

from __future__ import annotations

import csv
import io
import sys
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import IO

from graph.errors import Problem, ValidationError
from graph.records import EdgeRecord, NodeRecord
from loaders.pipeline import Parsed
from ontology.schema import Schema, SchemaError

# Real ESCO fields (descriptions, label lists) exceed the csv module's 128 KiB default.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

FRAMEWORK = "ESCO v1.1.1"
ESCO_BASE = "http://data.europa.eu/esco/"
_ISCO_PATH = "isco/C"

OCCUPATIONS = "occupations_en.csv"
ISCO_GROUPS = "ISCOGroups_en.csv"
SKILLS = "skills_en.csv"
SKILL_GROUPS = "skillGroups_en.csv"
OCCUPATION_SKILLS = "occupationSkillRelations.csv"
SKILL_SKILLS = "skillSkillRelations.csv"
BROADER_SKILLS = "broaderRelationsSkillPillar.csv"
BROADER_OCCUPATIONS = "broaderRelationsOccPillar.csv"

#: The columns read from each file (others, like status or modifiedDate, are ignored).
COLUMNS: dict[str, tuple[str, ...]] = {
    OCCUPATIONS: ("conceptUri", "iscoGroup", "preferredLabel", "altLabels", "hiddenLabels", "description"),
    ISCO_GROUPS: ("conceptUri", "code", "preferredLabel", "altLabels", "description"),
    SKILLS: ("conceptUri", "skillType", "reuseLevel", "preferredLabel", "altLabels", "hiddenLabels", "description"),
    SKILL_GROUPS: ("conceptUri", "preferredLabel", "altLabels", "hiddenLabels", "description", "code"),
    OCCUPATION_SKILLS: ("occupationUri", "relationType", "skillUri"),
    SKILL_SKILLS: ("originalSkillUri", "relationType", "relatedSkillUri"),
    BROADER_SKILLS: ("conceptUri", "broaderUri"),
    BROADER_OCCUPATIONS: ("conceptUri", "broaderUri"),
}

#: skillType → the ontology's CompetencyKindScheme notation.
SKILL_TYPES = {"knowledge": "knowledge", "skill/competence": "skill"}
#: The kind of a skill with an empty skillType, and of skill groups outside the knowledge pillar.
DEFAULT_KIND = "skill"
#: The kind of the knowledge pillar's groups (root group K and the ISCED-F fields).
KNOWLEDGE_KIND = "knowledge"

#: Transversal skill group code → dimension; the most specific code listed wins (T4.5 before T4).
TRANSVERSAL_DIMENSIONS = {
    "T": "methodological",
    "T1": "methodological",
    "T1.1": "social",
    "T2": "methodological",
    "T3": "quality",
    "T3.4": "methodological",
    "T4": "social",
    "T4.5": "quality",
    "T5": "professional",
    "T6": "quality",
}
#: Dimension of the language pillar's groups, and of everything outside the transversal pillar.
LANGUAGE_DIMENSION = "social"
DEFAULT_DIMENSION = "professional"
TRANSVERSAL_REUSE = "transversal"


def read_esco(path: Path, schema: Schema) -> Parsed:
    """Read an ESCO CSV release into Occupation and Competency records with their relationships.

    Parameters
    ----------
    path
        The folder holding ``classification-en-csv.zip`` and ``relations-csv.zip``, one such zip,
        or a folder of extracted CSV files (searched recursively).
    schema
        The ontology's schema; the kind and dimension values used are checked against it.

    Returns
    -------
    Parsed
        Records for the pipeline, and notes saying what was counted, derived and left out.
        Relations naming a concept absent from the files are kept: validation reports them.

    Raises
    ------
    ValidationError
        When the path holds no ESCO file, a file lacks a column, or a row cannot be read,
        listing every such problem with its file and line.
    """
    _check_against_schema(schema)
    problems: list[Problem] = []
    release = _Release.open(Path(path), problems)
    reader = _EscoReader(release, problems)
    parsed = reader.read()
    if problems:
        raise ValidationError(problems)
    return parsed


def _check_against_schema(schema: Schema) -> None:
    """Fail early if the ontology no longer has the kind or dimension values this mapping uses."""
    competency = schema.node_class("Competency")
    for prop, used in (
        ("kind", {*SKILL_TYPES.values(), DEFAULT_KIND, KNOWLEDGE_KIND}),
        ("dimension", {*TRANSVERSAL_DIMENSIONS.values(), LANGUAGE_DIMENSION, DEFAULT_DIMENSION}),
    ):
        enumeration = competency.properties[prop].enumeration
        allowed = set(enumeration.notations) if enumeration else set()
        if not used <= allowed:
            raise SchemaError(f"the ESCO mapping uses {prop} values {sorted(used - allowed)} the ontology lacks")


# -- the files


@contextmanager
def _zip_member(archive_path: Path, name: str) -> Iterator[IO[bytes]]:
    """One member of a zip, read in place (the release is not extracted)."""
    with zipfile.ZipFile(archive_path) as archive, archive.open(name) as member:
        yield member


@dataclass
class _Member:
    """One CSV file of the release: where it is (for messages) and how to open it."""

    origin: str
    open: Callable[[], AbstractContextManager[IO[bytes]]]


class _Release:
    """The release's CSV files by name, whether in zips, in a folder, or both."""

    def __init__(self, members: dict[str, _Member]) -> None:
        self.members = members

    @classmethod
    def open(cls, path: Path, problems: list[Problem]) -> _Release:
        found: dict[str, list[_Member]] = defaultdict(list)
        if path.is_dir():
            for file in sorted(path.rglob("*")):
                if file.suffix.lower() == ".csv" and file.name in COLUMNS:
                    found[file.name].append(_Member(str(file.relative_to(path)), partial(file.open, "rb")))
                elif file.suffix.lower() == ".zip":
                    cls._add_zip(file, found, problems)
        elif path.suffix.lower() == ".zip":
            cls._add_zip(path, found, problems)
        elif path.suffix.lower() == ".csv" and path.name in COLUMNS:
            found[path.name].append(_Member(path.name, partial(path.open, "rb")))
        else:
            problems.append(Problem(str(path), None, None, "is neither an ESCO CSV release folder nor a zip of one"))
        members = {}
        for name, places in found.items():
            if len(places) > 1:
                where = ", ".join(m.origin for m in places)
                problems.append(Problem(str(path), None, name, f"is found more than once ({where}); keep one copy"))
            members[name] = places[0]
        if not members and not problems:
            expected = ", ".join(COLUMNS)
            problems.append(Problem(str(path), None, None, f"holds none of the ESCO files ({expected})"))
        return cls(members)

    @staticmethod
    def _add_zip(file: Path, found: dict[str, list[_Member]], problems: list[Problem]) -> None:
        try:
            with zipfile.ZipFile(file) as archive:
                names = [n for n in archive.namelist() if Path(n).name in COLUMNS]
        except (zipfile.BadZipFile, OSError) as exc:
            problems.append(Problem(file.name, None, None, f"cannot be opened as a zip: {exc}"))
            return
        for name in names:
            found[Path(name).name].append(_Member(f"{file.name}: {name}", partial(_zip_member, file, name)))

    def rows(self, name: str, problems: list[Problem]) -> Iterator[tuple[str, dict[str, str]]]:
        """Each data row of ``name`` as (location, column → text); nothing when the file is absent."""
        member = self.members.get(name)
        if member is None:
            return
        line = 0
        try:
            with member.open() as raw:
                # utf-8-sig: a BOM, where present, must not end up in the first header.
                text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                reader = csv.reader(text, strict=True)
                header = next(reader, None)
                if header is None:
                    problems.append(Problem(member.origin, None, None, "is empty (no header row)"))
                    return
                index = {h.strip(): i for i, h in enumerate(header)}
                missing = [c for c in COLUMNS[name] if c not in index]
                if missing:
                    problems.extend(Problem(f"{member.origin} line 1", c, None, "column is missing") for c in missing)
                    return
                wanted = [(c, index[c]) for c in COLUMNS[name]]
                width = len(header)
                line = reader.line_num
                for cells in reader:
                    # A quoted field may span lines: a row is named by the line it starts on.
                    where, line = f"{member.origin} line {line + 1}", reader.line_num
                    if len(cells) != width:
                        if not any(c.strip() for c in cells):
                            continue
                        problems.append(Problem(where, None, None, f"has {len(cells)} fields, the header {width}"))
                        continue
                    yield where, {c: cells[i].strip() for c, i in wanted}
        except (csv.Error, UnicodeDecodeError, zipfile.BadZipFile, OSError) as exc:
            where = f"{member.origin} line {line + 1}" if line else member.origin
            problems.append(Problem(where, None, None, f"cannot be read as UTF-8 CSV: {exc}"))


# -- the mapping

#: A file's data rows as (location, column → text), as ``_Release.rows`` yields them.
_Rows = list[tuple[str, dict[str, str]]]


def concept_id(uri: str) -> str | None:
    """The graph id of an ESCO concept URI, or ``None`` if it is not one.

    >>> concept_id("http://data.europa.eu/esco/occupation/00030d09-2b3a-4efd-87cc-c4ea39d27c34")
    'esco:occupation/00030d09-2b3a-4efd-87cc-c4ea39d27c34'
    >>> concept_id("http://data.europa.eu/esco/isco/C2654")
    'isco:2654'
    >>> concept_id("http://data.europa.eu/esco/isced-f/0613")
    'esco:isced-f/0613'
    """
    if not uri.startswith(ESCO_BASE) or len(uri) == len(ESCO_BASE) or any(c.isspace() for c in uri):
        return None
    rest = uri[len(ESCO_BASE) :]
    if rest.startswith(_ISCO_PATH):
        return "isco:" + rest[len(_ISCO_PATH) :]
    return "esco:" + rest


def split_labels(preferred: str, *cells: str) -> list[str]:
    """Alternative labels from newline-separated cells, without repeats or the preferred label.

    SKOS keeps a concept's preferred and alternative labels disjoint; ESCO repeats the
    preferred label among the alternatives of most concepts.

    >>> split_labels("welder", "welder\\nwelding operator\\n", "welding operator\\nwelder (metal)")
    ['welding operator', 'welder (metal)']
    """
    seen = {preferred}
    out = []
    for cell in cells:
        for label in cell.splitlines():
            label = label.strip()
            if label and label not in seen:
                seen.add(label)
                out.append(label)
    return out


def dimension_of_code(code: str) -> str:
    """The dimension of a transversal group code, by its most specific entry in ``TRANSVERSAL_DIMENSIONS``.

    >>> dimension_of_code("T4.5.1"), dimension_of_code("T4.2"), dimension_of_code("T2")
    ('quality', 'social', 'methodological')
    """
    parts = code.split(".")
    for size in range(len(parts), 0, -1):
        candidate = ".".join(parts[:size])
        if candidate in TRANSVERSAL_DIMENSIONS:
            return TRANSVERSAL_DIMENSIONS[candidate]
    return TRANSVERSAL_DIMENSIONS["T"]


class _EscoReader:
    def __init__(self, release: _Release, problems: list[Problem]) -> None:
        self.release = release
        self.problems = problems
        self.nodes: list[NodeRecord] = []
        self.edges: list[EdgeRecord] = []
        self.notes: list[str] = []
        self.defined: set[str] = set()

    def read(self) -> Parsed:
        absent = [name for name in COLUMNS if name not in self.release.members]
        if absent:
            self.notes.append(f"ESCO files not found, so not loaded: {', '.join(absent)}")
        self._isco_groups()
        self._occupations()
        broader = self._broader_skills()
        self._competencies(broader)
        self._broader_occupations()
        self._requires()
        self._skill_skills()
        self._dangling_note()
        return Parsed(self.nodes, self.edges, self.notes)

    def _id(self, where: str, field: str, uri: str) -> str | None:
        node_id = concept_id(uri)
        if node_id is None:
            self.problems.append(Problem(where, field, uri, f"is not an ESCO concept URI ({ESCO_BASE}…)"))
        return node_id

    def _node(self, label: str, node_id: str, props: dict[str, object], where: str) -> None:
        self.defined.add(node_id)
        self.nodes.append(NodeRecord(label, node_id, {k: v for k, v in props.items() if v}, where))

    # -- occupations

    def _isco_groups(self) -> None:
        for where, row in self.release.rows(ISCO_GROUPS, self.problems):
            node_id = self._id(where, "conceptUri", row["conceptUri"])
            if node_id is None:
                continue
            code = row["code"]
            props = {
                "name_en": row["preferredLabel"],
                "alt_labels": split_labels(row["preferredLabel"], row["altLabels"]),
                "description": row["description"],
                "esco_uri": row["conceptUri"],
                "isco_code": code,
                # ISCO-08's 1–4 digit groups are its 4 levels; validation rejects any other length.
                "classification_level": len(code) if code.isdigit() else code,
            }
            self._node("Occupation", node_id, props, where)

    def _occupations(self) -> None:
        for where, row in self.release.rows(OCCUPATIONS, self.problems):
            node_id = self._id(where, "conceptUri", row["conceptUri"])
            if node_id is None:
                continue
            props = {
                "name_en": row["preferredLabel"],
                "alt_labels": split_labels(row["preferredLabel"], row["altLabels"], row["hiddenLabels"]),
                "description": row["description"],
                "esco_uri": row["conceptUri"],
                "isco_code": row["iscoGroup"],
            }
            self._node("Occupation", node_id, props, where)

    def _broader_occupations(self) -> None:
        self._broader(BROADER_OCCUPATIONS)

    def _broader(self, name: str) -> list[tuple[str, str]]:
        """BROADER edges of a broader-relations file; returns the (narrower, broader) URIs read."""
        pairs = []
        for where, row in self.release.rows(name, self.problems):
            narrower = self._id(where, "conceptUri", row["conceptUri"])
            broader = self._id(where, "broaderUri", row["broaderUri"])
            if narrower is None or broader is None:
                continue
            pairs.append((row["conceptUri"], row["broaderUri"]))
            self.edges.append(EdgeRecord("BROADER", narrower, broader, {}, where))
        return pairs

    # -- competencies

    def _broader_skills(self) -> dict[str, list[str]]:
        """The skills pillar's broader links as URI → broader URIs (needed for the dimension rule)."""
        broader: dict[str, list[str]] = defaultdict(list)
        for narrower, wider in self._broader(BROADER_SKILLS):
            broader[narrower].append(wider)
        return broader

    def _competencies(self, broader: dict[str, list[str]]) -> None:
        # Both files are read before any node is made: a skill's dimension depends on the groups' codes.
        groups = list(self.release.rows(SKILL_GROUPS, self.problems))
        skills = list(self.release.rows(SKILLS, self.problems))
        rule = _DimensionRule.from_rows(broader, groups, skills)
        self._skill_groups(groups, rule)
        self._skills(skills, rule)
        self._dimension_notes(groups, skills, rule)

    def _skill_groups(self, groups: _Rows, rule: _DimensionRule) -> None:
        group_uris = {row["conceptUri"] for _, row in groups}
        for where, row in groups:
            node_id = self._id(where, "conceptUri", row["conceptUri"])
            if node_id is None:
                continue
            pillar = rule.pillar(row["conceptUri"], group_uris)
            props = self._competency_props(row, KNOWLEDGE_KIND if pillar == "K" else DEFAULT_KIND)
            props["dimension"] = rule.group_dimension(row["conceptUri"], pillar)
            self._node("Competency", node_id, props, where)

    def _skills(self, skills: _Rows, rule: _DimensionRule) -> None:
        untyped: list[str] = []
        for where, row in skills:
            node_id = self._id(where, "conceptUri", row["conceptUri"])
            if node_id is None:
                continue
            skill_type = row["skillType"]
            if not skill_type:
                untyped.append(row["preferredLabel"] or node_id)
            elif skill_type not in SKILL_TYPES:
                known = ", ".join(repr(t) for t in SKILL_TYPES)
                self.problems.append(Problem(where, "skillType", skill_type, f"is not one of: {known} or empty"))
                continue
            props = self._competency_props(row, SKILL_TYPES.get(skill_type, DEFAULT_KIND))
            props["dimension"] = rule.skill_dimension(row["conceptUri"])
            self._node("Competency", node_id, props, where)
        if untyped:
            self.notes.append(
                f"{len(untyped)} ESCO skill(s) have no skillType and were taken as kind {DEFAULT_KIND!r}: "
                + "; ".join(untyped)
            )

    def _dimension_notes(self, groups: _Rows, skills: _Rows, rule: _DimensionRule) -> None:
        for what, rows in (("skills", skills), ("skill groups", groups)):
            dims = Counter(rule.assigned[row["conceptUri"]] for _, row in rows if row["conceptUri"] in rule.assigned)
            if dims:
                self.notes.append(
                    f"ESCO {what} by dimension: " + ", ".join(f"{d} {n}" for d, n in sorted(dims.items()))
                )
        if rule.transversal:
            self.notes.append(
                f"{len(rule.transversal)} ESCO skills are transversal (their dimension comes from T groups)"
            )
        if rule.conflicts:
            self.notes.append(
                f"{len(rule.conflicts)} transversal skill(s) sit under T groups of different dimensions; "
                f"the lowest T code decided: {', '.join(sorted(rule.conflicts)[:10])}"
            )
        if rule.unplaced:
            self.notes.append(
                f"{len(rule.unplaced)} transversal skill(s) reach no T group (is {BROADER_SKILLS} present?) "
                f"and were given the root group's dimension {TRANSVERSAL_DIMENSIONS['T']!r}"
            )

    @staticmethod
    def _competency_props(row: dict[str, str], kind: str) -> dict[str, object]:
        return {
            "name_en": row["preferredLabel"],
            "alt_labels": split_labels(row["preferredLabel"], row["altLabels"], row["hiddenLabels"]),
            "description": row["description"],
            "framework": FRAMEWORK,
            "kind": kind,
            "esco_uri": row["conceptUri"],
        }

    # -- relations

    def _requires(self) -> None:
        counts: Counter[str] = Counter()
        for where, row in self.release.rows(OCCUPATION_SKILLS, self.problems):
            occupation = self._id(where, "occupationUri", row["occupationUri"])
            skill = self._id(where, "skillUri", row["skillUri"])
            relation = row["relationType"]
            if relation not in ("essential", "optional"):
                self.problems.append(Problem(where, "relationType", relation, "is not 'essential' or 'optional'"))
                continue
            if occupation is None or skill is None:
                continue
            counts[relation] += 1
            self.edges.append(EdgeRecord("REQUIRES", occupation, skill, {"essential": relation == "essential"}, where))
        if counts:
            self.notes.append(
                f"ESCO occupation–skill relations: {counts['essential']} essential, {counts['optional']} optional "
                "(REQUIRES without a level: ESCO does not grade them)"
            )

    def _skill_skills(self) -> None:
        counts = Counter(row["relationType"] for _, row in self.release.rows(SKILL_SKILLS, self.problems))
        if counts:
            detail = ", ".join(f"{n} {t or '(no type)'}" for t, n in sorted(counts.items()))
            self.notes.append(
                f"{SKILL_SKILLS}: {sum(counts.values())} skill-for-skill relations ({detail}) not loaded: "
                "the ontology has no relationship for one competency requiring another"
            )

    def _dangling_note(self) -> None:
        missing = Counter(end for edge in self.edges for end in (edge.source, edge.target) if end not in self.defined)
        if missing:
            rows = sum(1 for e in self.edges if e.source not in self.defined or e.target not in self.defined)
            shown = ", ".join(sorted(missing)[:10])
            self.notes.append(
                f"{rows} ESCO relation row(s) name {len(missing)} concept(s) absent from the concept files "
                f"({shown}{', …' if len(missing) > 10 else ''}); validation rejects them unless already in the graph"
            )


class _DimensionRule:
    """The dimension rule of the module docstring, over the skills pillar's broader links."""

    def __init__(
        self,
        broader: dict[str, list[str]],
        codes: dict[str, str],
        t_groups: dict[str, str],
        transversal: set[str],
    ) -> None:
        self.broader = broader
        self.codes = codes
        self.t_groups = t_groups
        self.transversal = transversal
        self.assigned: dict[str, str] = {}
        self.conflicts: set[str] = set()
        self.unplaced: set[str] = set()

    @classmethod
    def from_rows(cls, broader: dict[str, list[str]], groups: _Rows, skills: _Rows) -> _DimensionRule:
        """The rule over the skill groups' codes and the skills that are transversal."""
        codes = {row["conceptUri"]: row["code"] for _, row in groups if row["code"]}
        t_groups = {uri: code for uri, code in codes.items() if code.startswith("T")}
        transversal = {
            row["conceptUri"]
            for _, row in skills
            if row["reuseLevel"] == TRANSVERSAL_REUSE or any(b in t_groups for b in broader.get(row["conceptUri"], ()))
        }
        return cls(broader, codes, t_groups, transversal)

    def t_codes(self, uri: str) -> set[str]:
        """T codes reached from ``uri`` going up through transversal skills only."""
        found: set[str] = set()
        stack, seen = [uri], {uri}
        while stack:
            for up in self.broader.get(stack.pop(), ()):
                if up in seen:
                    continue
                seen.add(up)
                if up in self.t_groups:
                    found.add(self.t_groups[up])
                elif up in self.transversal:
                    stack.append(up)
        return found

    def skill_dimension(self, uri: str) -> str:
        if uri not in self.transversal:
            dimension = DEFAULT_DIMENSION
        else:
            codes = sorted(self.t_codes(uri))
            if not codes:
                self.unplaced.add(uri)
                dimension = TRANSVERSAL_DIMENSIONS["T"]
            else:
                dimensions = {dimension_of_code(c) for c in codes}
                if len(dimensions) > 1:
                    self.conflicts.add(uri)
                dimension = dimension_of_code(codes[0])
        self.assigned[uri] = dimension
        return dimension

    def pillar(self, uri: str, groups: set[str]) -> str | None:
        """The first letter of the nearest coded group at or above a group (T, S, K or L)."""
        stack, seen = [uri], {uri}
        while stack:
            current = stack.pop(0)
            if current in self.codes:
                return self.codes[current][0]
            for up in self.broader.get(current, ()):
                if up in groups and up not in seen:
                    seen.add(up)
                    stack.append(up)
        # Without the broader file, ISCED-F fields still say they are the knowledge pillar.
        return "K" if "/isced-f/" in uri else None

    def group_dimension(self, uri: str, pillar: str | None) -> str:
        code = self.codes.get(uri, "")
        if code.startswith("T"):
            dimension = dimension_of_code(code)
        elif pillar == "T":
            dimension = TRANSVERSAL_DIMENSIONS["T"]
        elif pillar == "L":
            dimension = LANGUAGE_DIMENSION
        else:
            dimension = DEFAULT_DIMENSION
        self.assigned[uri] = dimension
        return dimension
