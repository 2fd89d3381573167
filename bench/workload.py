"""The benchmark workload: real ESCO v1.1.1 and CSCO 2022 plus a seeded synthetic school world, at a scale factor.

What is generated (``build``), for scale factor ``f``:

* **esco** — the real ESCO v1.1.1 release, read by ``loaders.esco.read_esco``.
* **csco** — the real CSCO 2022 classification, read by ``loaders.csco.read_csco``.
* **workbook** — one synthetic school workbook (written as the project's CSV workbook and read back by
  ``loaders.workbook.read_workbook``, so the school path is the real one):

  - national *standards* for 120 real CSCO occupations (an ``OccupationalStandard`` DEFINES each; each of the
    occupation's real typical work tasks REQUIRES 3–5 of the standard's own competencies, levels 1–5, importance,
    essential), the standard's competencies aligned to the real essential skills of a *partner* ESCO occupation
    (60 % EXACT_MATCH, 15 % CLOSE_MATCH);
  - ``ceil(f)`` *replicas* (a province each): 12 cities, 25 schools, 200 programs × 30 courses (6 public courses
    shared per school, 8 professional-foundation courses, 16 integrated courses with 4 learning tasks each), the
    programs targeting a standard occupation (and half of them its partner ESCO occupation), developing about
    three quarters of what those require (some below the level, some only through a matching competency), with
    prerequisites, resources, training bases, teachers, and 400 employers with DEMANDS / NEEDS / PARTNERS_WITH,
    IN_REGION a city and IN_INDUSTRY one of 20 industries.

* **frameworks** (``f`` > 1 only) — ``f − 1`` synthetic frameworks of ESCO's shape: copies of every ESCO
  occupation and skill with new ids (``fw<k>:esco:…``), their REQUIRES and BROADER, and a crosswalk to ESCO
  (25 % of the copied skills EXACT_MATCH their original, 10 % CLOSE_MATCH). Replica ``k`` ≥ 1 targets and
  develops framework ``k``'s copies where replica 0 uses ESCO.

×1 is ≈ 200 programs × 30 courses on top of the real ESCO and CSCO. Replica 0 and the standards are the same
at every scale factor (each part has its own seeded random stream), so the probe ids the questions are asked
about exist, with the same immediate neighbourhood, at ×1, ×4 and ×16; what grows around them is the rest of
the graph, plus the equivalence classes of ESCO skills (the crosswalks) and the population of programs that
develop the same competencies (which the gap candidates and the rankings do read).

A scale factor below 1 (``--quick``) keeps one replica with proportionally fewer programs, schools and
employers, and only the part of ESCO and CSCO that the synthetic world touches.
"""

from __future__ import annotations

import math
import random
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph.records import EdgeRecord, NodeRecord
from loaders.csco import read_csco
from loaders.esco import read_esco
from loaders.pipeline import Parsed
from loaders.templates import write_csv
from loaders.workbook import read_workbook
from ontology.schema import Schema

SEED = 20261129

#: Per replica at ×1 (the brief: ≈ 200 programs × 30 courses).
PROGRAMS = 200
SCHOOLS = 25
CITIES = 12
EMPLOYERS = 400
TEACHERS_PER_SCHOOL = 40
BASES_PER_SCHOOL = 3
PUBLIC_COURSES = 6  # shared by the programs of a school
FOUNDATION_COURSES = 8
INTEGRATED_COURSES = 16
LEARNING_TASKS = 4  # per integrated course
#: Standards (national, shared by every replica).
STANDARD_OCCUPATIONS = 120
#: The crosswalk of a standard's competencies to its partner ESCO occupation's essential skills.
STD_EXACT, STD_CLOSE = 0.60, 0.15
#: The crosswalk of a synthetic framework's skills to ESCO.
FW_EXACT, FW_CLOSE = 0.25, 0.10

INDUSTRIES = [
    ("C13", "农副食品加工业"),
    ("C17", "纺织业"),
    ("C26", "化学原料和化学制品制造业"),
    ("C27", "医药制造业"),
    ("C29", "橡胶和塑料制品业"),
    ("C30", "非金属矿物制品业"),
    ("C31", "黑色金属冶炼和压延加工业"),
    ("C33", "金属制品业"),
    ("C34", "通用设备制造业"),
    ("C35", "专用设备制造业"),
    ("C36", "汽车制造业"),
    ("C37", "铁路、船舶、航空航天和其他运输设备制造业"),
    ("C38", "电气机械和器材制造业"),
    ("C39", "计算机、通信和其他电子设备制造业"),
    ("C40", "仪器仪表制造业"),
    ("D44", "电力、热力生产和供应业"),
    ("E48", "土木工程建筑业"),
    ("G54", "道路运输业"),
    ("I65", "软件和信息技术服务业"),
    ("O81", "机动车、电子产品和日用产品修理业"),
]
RESOURCE_TYPES = ["loose_leaf_textbook", "workbook", "micro_video", "online_course", "case", "other"]
PARTNERSHIPS = ["order_class", "apprenticeship", "co_built_base", "internship", "co_developed_curriculum"]
DIMENSIONS = [("professional", 0.70), ("methodological", 0.12), ("social", 0.08), ("quality", 0.10)]
KINDS = [("skill", 0.60), ("knowledge", 0.35), ("attitude", 0.05)]


def _rng(*parts: object) -> random.Random:
    """An independent, reproducible random stream per part of the workload (string seeds hash with SHA-512)."""
    return random.Random(":".join(str(p) for p in (SEED, *parts)))


def _weighted(rng: random.Random, choices: list[tuple[str, float]]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


@dataclass
class Source:
    """One load: its records, and how long reading it took (None when generated as records)."""

    name: str
    parsed: Parsed
    parse_seconds: float | None = None
    note: str = ""

    @property
    def rows(self) -> int:
        return len(self.parsed.nodes) + len(self.parsed.edges)


@dataclass
class Pair:
    """A program and one occupation it targets, at the level it targets it."""

    program: str
    occupation: str
    level: int


@dataclass
class Probes:
    """Ids of replica 0 the questions are asked about (identical at every scale factor)."""

    pairs: list[Pair] = field(default_factory=list)
    programs: list[str] = field(default_factory=list)
    occupations: list[tuple[str, int]] = field(default_factory=list)
    employers: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    #: (profile, occupation, level, program) for the learning path.
    paths: list[tuple[dict[str, int | None], str, int, str]] = field(default_factory=list)
    #: (program, occupation, level, courses to add, courses to remove) for what-if.
    whatifs: list[tuple[str, str, int, list[str], list[str]]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "pairs": [p.__dict__ for p in self.pairs],
            "programs": self.programs,
            "occupations": self.occupations,
            "employers": self.employers,
            "regions": self.regions,
        }

    @classmethod
    def of(cls, saved: dict[str, Any]) -> Probes:
        """The probes ``as_dict`` saved (without the learning paths' and what-ifs', which it does not save).

        >>> import json
        >>> probes = Probes([Pair("program:p", "occ:o", 3)], ["program:p"], [("occ:o", 3)], ["emp:e"], ["region:r"])
        >>> Probes.of(json.loads(json.dumps(probes.as_dict()))) == probes
        True
        """
        return cls(
            [Pair(**p) for p in saved["pairs"]],
            list(saved["programs"]),
            [(o, level) for o, level in saved["occupations"]],
            list(saved["employers"]),
            list(saved["regions"]),
        )


@dataclass
class Workload:
    """Every source to load, in load order, and the probes to ask questions about."""

    scale: float
    sources: list[Source]
    probes: Probes
    replicas: int
    frameworks: int

    @property
    def rows(self) -> int:
        return sum(s.rows for s in self.sources)

    def summary(self) -> dict[str, Any]:
        return {
            "scale": self.scale,
            "replicas": self.replicas,
            "frameworks": self.frameworks,
            "programs": sum(1 for s in self.sources for n in s.parsed.nodes if n.label == "Program"),
            "courses": sum(1 for s in self.sources for n in s.parsed.nodes if n.label == "Course"),
            "sources": self._by_source(),
            "nodes": sum(len(s.parsed.nodes) for s in self.sources),
            "edges": sum(len(s.parsed.edges) for s in self.sources),
        }

    def _by_source(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for s in self.sources:
            entry = out.setdefault(base_name(s.name), {"loads": 0, "nodes": 0, "edges": 0, "rows": 0})
            entry["loads"] += 1
            entry["nodes"] += len(s.parsed.nodes)
            entry["edges"] += len(s.parsed.edges)
            entry["rows"] += s.rows
        return out


# ---------------------------------------------------------------- the real data


def _timed(fn: Any, *args: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - start


@dataclass
class _Real:
    """What the generator needs to know about ESCO and CSCO."""

    esco: Parsed
    csco: Parsed
    essential: dict[str, list[str]]  # ESCO occupation -> its essential skills (sorted)
    skill_dimension: dict[str, str]
    tasks: dict[str, list[str]]  # CSCO occupation -> its tasks in order
    task_names: dict[str, str]


def _index(esco: Parsed, csco: Parsed) -> _Real:
    essential: dict[str, list[str]] = defaultdict(list)
    for e in esco.edges:
        if e.type == "REQUIRES" and e.props.get("essential") and e.source.startswith("esco:occupation/"):
            essential[e.source].append(e.target)
    dims = {n.id: n.props.get("dimension", "professional") for n in esco.nodes if n.label == "Competency"}
    orders = {n.id: n.props.get("order", 0) for n in csco.nodes if n.label == "TypicalWorkTask"}
    names = {n.id: n.props.get("name_zh", n.id) for n in csco.nodes if n.label == "TypicalWorkTask"}
    tasks: dict[str, list[str]] = defaultdict(list)
    for e in csco.edges:
        if e.type == "HAS_TASK":
            tasks[e.source].append(e.target)
    return _Real(
        esco,
        csco,
        {o: sorted(set(s) & dims.keys()) for o, s in essential.items()},
        dims,
        {o: sorted(t, key=lambda x: (orders[x], x)) for o, t in tasks.items()},
        names,
    )


# ---------------------------------------------------------------- the standards


@dataclass
class _Standard:
    occupation: str  # the CSCO occupation
    partner: str  # the ESCO occupation its competencies are aligned to
    competencies: list[str]
    #: competency -> [(task or None, level)]
    requires: dict[str, list[tuple[str | None, int | None]]]
    exact: dict[str, str]  # std competency -> ESCO skill it EXACT_MATCHes

    def required(self, level: int) -> dict[str, int | None]:
        """R(O, level) as competency -> highest stated level (None: level-agnostic)."""
        out: dict[str, int | None] = {}
        for c, rows in self.requires.items():
            levels = [lv for _, lv in rows if lv is None or lv <= level]
            if levels:
                stated = [lv for lv in levels if lv is not None]
                out[c] = max(stated) if stated else None
        return out


class _Builder:
    """Collects records without duplicates (validation rejects a repeated relationship)."""

    def __init__(self) -> None:
        self.nodes: list[NodeRecord] = []
        self.edges: list[EdgeRecord] = []
        self._edge_keys: set[tuple[Any, ...]] = set()

    def node(self, label: str, node_id: str, **props: Any) -> str:
        self.nodes.append(NodeRecord(label, node_id, {k: v for k, v in props.items() if v is not None}))
        return node_id

    def edge(self, etype: str, source: str, target: str, **props: Any) -> bool:
        key = (etype, source, target, props.get("year"))
        if key in self._edge_keys or source == target:
            return False
        self._edge_keys.add(key)
        self.edges.append(EdgeRecord(etype, source, target, {k: v for k, v in props.items() if v is not None}))
        return True


def _standards(real: _Real, count: int, b: _Builder) -> list[_Standard]:
    rng = _rng("standards")
    candidates = sorted(o for o, t in real.tasks.items() if len(t) >= 4)
    partners = sorted(o for o, s in real.essential.items() if len(s) >= 15)
    chosen = rng.sample(candidates, min(count, len(candidates)))
    standards = []
    for occupation in chosen:
        code = occupation.removeprefix("csco:")
        partner = rng.choice(partners)
        tasks = real.tasks[occupation][:10]
        std = b.node(
            "OccupationalStandard",
            f"std:{code}",
            name_zh=f"国家职业技能标准（{code}，合成）",
            code=code,
            year=rng.choice([2019, 2020, 2021, 2022, 2023]),
            issuer="人力资源社会保障部（合成）",
        )
        b.edge("DEFINES", std, occupation)
        pool = [f"stdc:{code}/{i:02d}" for i in range(max(8, 3 * len(tasks)))]
        for i, c in enumerate(pool):
            b.node(
                "Competency",
                c,
                name_zh=f"{real.task_names[tasks[i % len(tasks)]][:24]}（能力要求{i + 1}）",
                dimension=_weighted(rng, DIMENSIONS),
                kind=_weighted(rng, KINDS),
                framework="国家职业技能标准（合成）",
            )
        requires: dict[str, list[tuple[str | None, int | None]]] = defaultdict(list)
        for order, task in enumerate(tasks):
            # Later tasks of a standard are the harder ones: levels drift up with the task's order.
            base = 1 + (4 * order) // max(len(tasks), 1)
            for c in rng.sample(pool, min(len(pool), rng.randint(3, 5))):
                level = min(5, max(1, base + rng.choice([-1, 0, 0, 1])))
                b.edge(
                    "REQUIRES",
                    task,
                    c,
                    level=level,
                    importance=rng.randint(1, 5),
                    essential=rng.random() < 0.85,
                )
                requires[c].append((task, level))
        for c in rng.sample(pool, 3):  # the occupation's own, level-agnostic (职业素养)
            if b.edge("REQUIRES", occupation, c, essential=True, importance=rng.randint(3, 5)):
                requires[c].append((None, None))
        essential_rows = {c for c, rows in requires.items()}
        skills = list(real.essential[partner])
        rng.shuffle(skills)
        exact: dict[str, str] = {}
        for c in sorted(essential_rows):
            u = rng.random()
            if not skills:
                break
            if u < STD_EXACT:
                exact[c] = skills.pop()
                b.edge("EXACT_MATCH", c, exact[c])
            elif u < STD_EXACT + STD_CLOSE:
                b.edge("CLOSE_MATCH", c, skills.pop())
        standards.append(_Standard(occupation, partner, pool, dict(requires), exact))
    return standards


# ---------------------------------------------------------------- a replica (a province of schools)


def _fw(replica: int, esco_id: str) -> str:
    """The id of ``esco_id``'s copy in synthetic framework ``replica`` (replica 0 is ESCO itself)."""
    return esco_id if replica == 0 else f"fw{replica}:{esco_id}"


@dataclass
class _Sizes:
    programs: int
    schools: int
    cities: int
    employers: int
    teachers: int


def _sizes(scale: float) -> _Sizes:
    if scale >= 1:
        return _Sizes(PROGRAMS, SCHOOLS, CITIES, EMPLOYERS, TEACHERS_PER_SCHOOL)
    return _Sizes(
        max(4, round(PROGRAMS * scale)),
        max(2, round(SCHOOLS * scale)),
        max(2, round(CITIES * scale)),
        max(8, round(EMPLOYERS * scale)),
        max(6, round(TEACHERS_PER_SCHOOL * scale * 4)),
    )


class _Replica:
    """Replica ``r``: schools, programs, courses, learning tasks, resources, bases, teachers and employers of one
    synthetic province, written into ``b``; ``probes`` (replica 0 only) collects what the bench asks about.

    Every random draw comes from the replica's own stream, in the order ``build`` makes them: the workload is the
    same at every run, so changing that order changes the graph every published figure was measured on.
    """

    def __init__(
        self, r: int, sizes: _Sizes, real: _Real, standards: list[_Standard], b: _Builder, probes: Probes | None
    ) -> None:
        self.r, self.sizes, self.real, self.standards, self.b, self.probes = r, sizes, real, standards, b, probes
        self.rng = _rng("replica", r)
        self.p = f"r{r}"
        self.transversal = sorted(s for s, d in real.skill_dimension.items() if d in ("quality", "social"))
        self.all_skills = sorted(real.skill_dimension)
        self.cities: list[str] = []
        self.schools: list[str] = []
        self.city_of_school: dict[str, str] = {}
        self.employers: list[str] = []
        self.employers_in: dict[str, list[str]] = defaultdict(list)
        self.teachers: dict[str, list[str]] = {}
        self.bases: dict[str, list[str]] = {}
        self.public: dict[str, list[str]] = {}
        self.resources = 0
        self.targeted: dict[str, list[tuple[str, int]]] = defaultdict(list)  # city -> (occupation, level) there
        self.programs_in: dict[str, list[str]] = defaultdict(list)
        self.program_required: dict[str, list[str]] = {}
        self.courses_of: dict[str, list[str]] = {}

    def build(self) -> None:
        self._regions()
        self._schools()
        self._employers()
        self._teachers()
        self._bases()
        self._public_courses()
        for i in range(self.sizes.programs):
            self._program(i)
        for school in self.schools:
            for course in self.public[school]:
                for teacher in self.rng.sample(self.teachers[school], 2):
                    self.b.edge("TEACHES", teacher, course)
        for e, emp in enumerate(self.employers):
            self._demand(e, emp)
        if self.probes is not None:
            self._probes_of_the_world(self.probes)

    # -- the province and what every program of a school shares

    def _regions(self) -> None:
        r, b = self.r, self.b
        # Regions have no hierarchy in the ontology: the province node is only a place name.
        b.node("Region", f"region:{self.p}", name_zh=f"合成省{r}", name_en=f"Synthetic province {r}", code=f"{r:02d}")
        self.cities = [
            b.node("Region", f"region:{self.p}-c{i:02d}", name_zh=f"合成省{r}第{i + 1}市", code=f"{r:02d}{i + 1:02d}00")
            for i in range(self.sizes.cities)
        ]

    def _schools(self) -> None:
        for s in range(self.sizes.schools):
            school = self.b.node(
                "School", f"school:{self.p}-s{s:02d}", name_zh=f"合成技师学院{self.r}-{s}", code=f"{self.r:02d}{s:04d}"
            )
            self.b.edge("IN_REGION", school, self.cities[s % len(self.cities)])
            self.schools.append(school)
        self.city_of_school = {school: self.cities[s % len(self.cities)] for s, school in enumerate(self.schools)}

    def _employers(self) -> None:
        for e in range(self.sizes.employers):
            emp = self.b.node("Employer", f"emp:{self.p}-e{e:03d}", name_zh=f"合成企业{self.r}-{e}有限公司")
            self.b.edge("IN_REGION", emp, self.cities[e % len(self.cities)])
            self.b.edge("IN_INDUSTRY", emp, f"ind:{INDUSTRIES[self.rng.randrange(len(INDUSTRIES))][0]}")
            self.employers.append(emp)
        for e, emp in enumerate(self.employers):
            self.employers_in[self.cities[e % len(self.cities)]].append(emp)

    def _local_employer(self, school: str) -> str:
        """An employer of the school's city (any, where its city has none)."""
        return self.rng.choice(self.employers_in[self.city_of_school[school]] or self.employers)

    def _teachers(self) -> None:
        rng = self.rng
        for school in self.schools:
            ts = []
            for t in range(self.sizes.teachers):
                teacher = self.b.node(
                    "Teacher",
                    f"teacher:{school.removeprefix('school:')}-t{t:02d}",
                    name_zh=f"教师{t}",
                    dual_qualified=rng.random() < 0.55,
                    enterprise_years=rng.randint(0, 15),
                )
                self.b.edge("WORKS_AT", teacher, school)
                if rng.random() < 0.15:
                    self.b.edge("WORKS_AT", teacher, self._local_employer(school))
                ts.append(teacher)
            self.teachers[school] = ts

    def _bases(self) -> None:
        for school in self.schools:
            bs = []
            for i in range(BASES_PER_SCHOOL):
                base = self.b.node(
                    "TrainingBase", f"base:{school.removeprefix('school:')}-b{i}", name_zh=f"实训基地{i}", stations=24
                )
                self.b.edge("BUILT", school, base)
                if self.rng.random() < 0.5:
                    self.b.edge("BUILT", self._local_employer(school), base)
                bs.append(base)
            self.bases[school] = bs

    def _public_courses(self) -> None:
        rng = self.rng
        for school in self.schools:
            courses = []
            for k in range(PUBLIC_COURSES):
                course = self.b.node(
                    "Course",
                    f"course:{school.removeprefix('school:')}-GE{k}",
                    name_zh=f"公共基础课{k}",
                    category="public_foundation",
                    hours=rng.choice([72, 108, 144]),
                    semester=1 + k % 2,
                )
                for skill in rng.sample(self.transversal, 3):
                    self.b.edge("DEVELOPS", course, skill)
                courses.append(course)
            self.public[school] = courses

    def _resource_for(self, target: str, school: str, kind: str | None = None) -> None:
        self.resources += 1
        res = self.b.node(
            "Resource",
            f"res:{self.p}-{self.resources:06d}",
            name_zh=f"教学资源{self.resources}",
            type=kind or self.rng.choice(RESOURCE_TYPES),
        )
        self.b.edge("SUPPORTS", res, target)
        self.b.edge("PRODUCED", school, res)
        if self.rng.random() < 0.3:
            self.b.edge("PRODUCED", self._local_employer(school), res)

    # -- one program

    def _program(self, i: int) -> None:
        rng, b = self.rng, self.b
        std = self.standards[i % len(self.standards)]
        school = self.schools[(i * len(self.schools)) // self.sizes.programs]
        city = self.city_of_school[school]
        program = b.node(
            "Program",
            f"program:{self.p}-p{i:03d}",
            name_zh=f"合成专业{self.r}-{i}",
            code=f"{i:04d}-{self.r}",
            duration_years=rng.choice([3, 5]),
        )
        b.edge("OFFERS", school, program)
        self.programs_in[city].append(program)
        level = rng.choice([2, 3, 3, 4])
        b.edge("TARGETS", program, std.occupation, level=level)
        self.targeted[city].append((std.occupation, level))
        partner = _fw(self.r, std.partner)
        with_partner = i % 2 == 0
        if with_partner:
            b.edge("TARGETS", program, partner, level=3)
            self.targeted[city].append((partner, 3))
        if rng.random() < 0.15:
            other = self.standards[(i * 7 + 3) % len(self.standards)]
            if b.edge("TARGETS", program, other.occupation, level=2):
                self.targeted[city].append((other.occupation, 2))

        developed = self._developed(std, level, with_partner)
        noise = [(_fw(self.r, s), rng.choice([None, 2, 3])) for s in rng.sample(self.all_skills, 5)]
        self.program_required[program] = [c for c, _ in developed]
        own, holders = self._courses(i, school, self.real.tasks[std.occupation])
        # Developments: each competency once by an integrated course or learning task, some (progression)
        # by two or three; the professional-foundation courses take the knowledge and the noise, the last
        # one only noise (an orphan).
        foundation = [c for c, _, cat in own if cat == "professional_foundation"]
        for n, (c, lv) in enumerate(developed):
            spread = 3 if rng.random() < 0.1 else 1 + (rng.random() < 0.4)
            for step in range(spread):
                holder = holders[(n * 3 + step * 7) % len(holders)] if step or n % 5 else foundation[n % 6]
                b.edge("DEVELOPS", holder, c, level=None if lv is None else min(5, lv + step))
        for n, (c, lv) in enumerate(noise):
            b.edge("DEVELOPS", foundation[(7, 7, 6, 0, 1)[n]], c, level=lv)
        self._curriculum(program, school, own)
        for teacher in rng.sample(self.teachers[school], 2):
            required = self.program_required[program]
            for c in rng.sample(required, min(2, len(required))):
                b.edge("HAS_COMPETENCY", teacher, c, level=rng.randint(2, 5))

        if self.probes is not None and i < 20:
            self._probe(self.probes, program, std, level, partner if with_partner and i % 4 == 0 else None)

    def _developed(self, std: _Standard, level: int, with_partner: bool) -> list[tuple[str, int | None]]:
        """What a program develops: about 3/4 of R(S, level), some below the level or only through a match, plus,
        with the partner, 60 % of its essential skills."""
        rng = self.rng
        developed: list[tuple[str, int | None]] = []
        for c, req in sorted(std.required(level).items()):
            u = rng.random()
            lv = req if req is not None else rng.choice([None, 2, 3])
            if lv is not None and rng.random() < 0.2:
                lv = max(1, lv - 1)  # under-level
            if u < 0.55:
                developed.append((c, lv))
            elif u < 0.75 and c in std.exact:
                developed.append((std.exact[c], lv))  # covered only through EXACT_MATCH
        if with_partner:
            essentials = self.real.essential[std.partner]
            for skill in rng.sample(essentials, (len(essentials) * 3) // 5):
                developed.append((_fw(self.r, skill), rng.choice([None, 2, 3, 4])))
        return developed

    def _courses(self, i: int, school: str, tasks: list[str]) -> tuple[list[tuple[str, int, str]], list[str]]:
        """Program ``i``'s own courses as (course, semester, category), and every course and learning task that
        develops something."""
        rng, b, p = self.rng, self.b, self.p
        own: list[tuple[str, int, str]] = []
        for k in range(FOUNDATION_COURSES):
            semester = 1 + k % 3
            course = b.node(
                "Course",
                f"course:{p}-p{i:03d}-F{k}",
                name_zh=f"专业基础课{i}-{k}",
                category="professional_foundation",
                hours=None if rng.random() < 0.05 else rng.choice([36, 54, 72, 108]),
                semester=semester,
            )
            own.append((course, semester, "professional_foundation"))
        holders: list[str] = []
        for k in range(INTEGRATED_COURSES):
            semester = 2 + k // 4
            course = b.node(
                "Course",
                f"course:{p}-p{i:03d}-I{k:02d}",
                name_zh=f"工学一体化课程{i}-{k}",
                category="integrated",
                hours=rng.choice([60, 90, 120, 160, 240]),
                semester=semester,
            )
            own.append((course, semester, "integrated"))
            holders.append(course)
            for j in range(LEARNING_TASKS):
                lt = b.node(
                    "LearningTask",
                    f"lt:{p}-p{i:03d}-I{k:02d}-{j}",
                    name_zh=f"学习任务{k}-{j}",
                    order=j + 1,
                    hours=rng.choice([20, 30, 40]),
                )
                b.edge("HAS_LEARNING_TASK", course, lt)
                if rng.random() < 0.9:
                    b.edge("DERIVED_FROM", lt, tasks[(k * LEARNING_TASKS + j) % len(tasks)])
                holders.append(lt)
                if rng.random() < 0.35:
                    self._resource_for(lt, school, "micro_video")
                if rng.random() < 0.1:
                    b.edge("HOSTS", rng.choice(self.bases[school]), lt)
        return own, holders

    def _curriculum(self, program: str, school: str, own: list[tuple[str, int, str]]) -> None:
        """The program's curriculum: its own courses with their resources, bases and teachers, the school's public
        courses, and prerequisites from an earlier semester to a later one only (so they never close a cycle)."""
        rng, b = self.rng, self.b
        for course, semester, category in own:
            b.edge("INCLUDES", program, course, semester=semester, required=rng.random() < 0.9)
            for _ in range(rng.choice([0, 1, 1, 2])):
                self._resource_for(course, school)
            if category == "integrated" and rng.random() < 0.6:
                b.edge("HOSTS", rng.choice(self.bases[school]), course)
            for teacher in rng.sample(self.teachers[school], 1 + (rng.random() < 0.3)):
                b.edge("TEACHES", teacher, course)
        for course in self.public[school]:
            b.edge("INCLUDES", program, course, semester=1, required=True)
        for course, semester, _ in own:
            earlier = [c for c, s, _ in own if s < semester]
            for before in rng.sample(earlier, min(len(earlier), rng.choice([0, 1, 1, 2]))):
                b.edge("PREREQUISITE_OF", before, course)
        self.courses_of[program] = [c for c, _, _ in own] + self.public[school]

    def _probe(self, probes: Probes, program: str, std: _Standard, level: int, partner: str | None) -> None:
        """A program the bench asks about, with its pair (the partner at level 3 when given) and path."""
        probes.programs.append(program)
        probes.pairs.append(Pair(program, partner, 3) if partner is not None else Pair(program, std.occupation, level))
        required = std.required(level)
        held = sorted(required)[: len(required) // 2]
        probes.paths.append(({c: required[c] for c in held}, std.occupation, level, program))

    # -- employers' demand, and what the bench asks about

    def _demand(self, e: int, emp: str) -> None:
        """Employer ``emp``'s demand for what the programs of its city target, its NEEDS of what one of them
        develops, and its partnerships."""
        rng, b = self.rng, self.b
        city = self.cities[e % len(self.cities)]
        wanted = self.targeted[city] or [o for city_targets in self.targeted.values() for o in city_targets]
        for occupation, level in rng.sample(wanted, min(len(wanted), rng.randint(1, 3))):
            stated = level if rng.random() < 0.7 else None
            b.edge("DEMANDS", emp, occupation, year=2026, headcount=rng.randint(1, 60), level=stated)
            if rng.random() < 0.4:
                b.edge("DEMANDS", emp, occupation, year=2025, headcount=rng.randint(1, 60), level=stated)
        local = self.programs_in[city] or [x for xs in self.programs_in.values() for x in xs]
        some = self.program_required[rng.choice(local)]
        for c in rng.sample(some, min(len(some), rng.randint(2, 5))):
            b.edge("NEEDS", emp, c, level=rng.choice([None, 2, 3, 4]))
        if rng.random() < 0.5:
            b.edge(
                "PARTNERS_WITH",
                emp,
                rng.choice(local),
                type=rng.choice(PARTNERSHIPS),
                since=rng.randint(2015, 2025),
            )
        if rng.random() < 0.2:
            b.edge("PARTNERS_WITH", emp, rng.choice(self.schools), type="co_built_base", since=rng.randint(2015, 2025))

    def _probes_of_the_world(self, probes: Probes) -> None:
        probes.employers = self.employers[: min(10, len(self.employers))]
        probes.regions = self.cities[: min(6, len(self.cities))]
        seen: list[tuple[str, int]] = []
        for pair in probes.pairs:
            if pair.occupation.startswith("csco:") and (pair.occupation, 3) not in seen:
                seen.append((pair.occupation, 3))
        probes.occupations = seen[:10]
        # What-if: add two integrated courses of the next program, remove two of its own.
        for n, pair in enumerate(probes.pairs[:10]):
            nxt = probes.programs[(n + 1) % len(probes.programs)]
            add = [c for c in self.courses_of[nxt] if "-I" in c][:2]
            remove = [c for c in self.courses_of[pair.program] if "-I" in c][-2:]
            probes.whatifs.append((pair.program, pair.occupation, pair.level, add, remove))


# ---------------------------------------------------------------- synthetic frameworks of ESCO's shape


def _framework(real: _Real, k: int) -> Parsed:
    """Framework ``k``: a copy of ESCO's occupations, skills, REQUIRES and BROADER with new ids, crosswalked to
    ESCO (one load each, as a data engineer would load one framework at a time)."""
    nodes: list[NodeRecord] = []
    edges: list[EdgeRecord] = []
    known = {n.id for n in real.esco.nodes}
    skills = sorted(n.id for n in real.esco.nodes if n.label == "Competency" and n.id.startswith("esco:skill/"))
    rng = _rng("framework", k)
    name = f"SYN-{k} (copy of ESCO v1.1.1)"
    for n in real.esco.nodes:
        props = dict(n.props)
        props.pop("esco_uri", None)
        if n.label == "Competency":
            props["framework"] = name
        nodes.append(NodeRecord(n.label, _fw(k, n.id), props))
    for e in real.esco.edges:
        if e.source in known and e.target in known:
            edges.append(EdgeRecord(e.type, _fw(k, e.source), _fw(k, e.target), dict(e.props)))
    for skill in skills:
        u = rng.random()
        if u < FW_EXACT:
            edges.append(EdgeRecord("EXACT_MATCH", _fw(k, skill), skill))
        elif u < FW_EXACT + FW_CLOSE:
            edges.append(EdgeRecord("CLOSE_MATCH", _fw(k, skill), skill))
    return Parsed(nodes, edges, [f"synthetic framework {k} of ESCO's shape"])


# ---------------------------------------------------------------- subsets for --quick


def _subset(parsed: Parsed, keep: set[str]) -> Parsed:
    return Parsed(
        [n for n in parsed.nodes if n.id in keep],
        [e for e in parsed.edges if e.source in keep and e.target in keep],
        parsed.notes,
    )


def _quick_real(real: _Real, standards_count: int) -> _Real:
    """Only the part of ESCO and CSCO the synthetic world touches (plus some unrelated occupations)."""
    rng = _rng("quick")
    candidates = sorted(o for o, t in real.tasks.items() if len(t) >= 4)
    partners = sorted(o for o, s in real.essential.items() if len(s) >= 15)
    # The standards draw from the same streams as in _standards, so keep every candidate they might pick.
    std_rng = _rng("standards")
    chosen = std_rng.sample(candidates, min(standards_count, len(candidates)))
    picked_partners = [std_rng.choice(partners) for _ in chosen]
    extra = rng.sample(partners, 40)
    occupations = set(picked_partners) | set(extra)
    skills = {s for o in occupations for s in real.essential[o]}
    transversal = sorted(s for s, d in real.skill_dimension.items() if d in ("quality", "social"))
    skills |= set(transversal[:200])
    keep_esco = occupations | skills
    esco = Parsed(
        [n for n in real.esco.nodes if n.id in keep_esco],
        [e for e in real.esco.edges if e.source in keep_esco and e.target in keep_esco],
        real.esco.notes,
    )
    keep_csco = set()
    for o in chosen:
        keep_csco.add(o)
        code = o.removeprefix("csco:")
        parts = code.split("-")
        keep_csco |= {f"csco:{'-'.join(parts[:d] + ['00'] * (4 - d))}" for d in range(1, 4)}
        keep_csco |= set(real.tasks[o])
    csco = _subset(real.csco, keep_csco)
    return _index(esco, csco)


# ---------------------------------------------------------------- the whole workload


def build(scale: float, data_dir: Path, schema: Schema, work_dir: Path | None = None) -> Workload:
    """The workload at ``scale`` (1, 4, 16, …; below 1 for --quick), from the real data in ``data_dir``."""
    esco, esco_seconds = _timed(read_esco, data_dir / "esco-v1.1.1", schema)
    csco, csco_seconds = _timed(read_csco, data_dir / "csco-2022" / "csco22.csv", schema)
    real = _index(esco, csco)
    standards_count = STANDARD_OCCUPATIONS if scale >= 1 else max(4, round(STANDARD_OCCUPATIONS * scale))
    if scale < 1:
        real = _quick_real(real, standards_count)
    replicas = max(1, math.ceil(scale))
    frameworks = replicas - 1

    sources = [
        Source("esco", real.esco, esco_seconds, "ESCO v1.1.1 (real)" + (", subset" if scale < 1 else "")),
        Source("csco", real.csco, csco_seconds, "CSCO 2022 (real)" + (", subset" if scale < 1 else "")),
    ]
    # Before the workbooks: replicas ≥ 1 target and develop the frameworks' copies. One load per framework
    # and per province's workbook, as people would load them — and as a Neo4j store must: a store write is
    # one transaction, and one of 0.5 M rows exceeds a 2 GB heap's transaction memory (see the analysis).
    for k in range(1, frameworks + 1):
        sources.append(Source(f"{FRAMEWORKS}#{k}", _framework(real, k), None, f"synthetic framework {k}"))
    b = _Builder()
    for code, name in INDUSTRIES:
        b.node("Industry", f"ind:{code}", name_zh=name, code=code)
    standards = _standards(real, standards_count, b)
    probes = Probes()
    sizes = _sizes(scale)
    for r in range(replicas):
        if r:
            b = _Builder()
        _Replica(r, sizes, real, standards, b, probes if r == 0 else None).build()
        workbook, seconds = _through_workbook(b.nodes, b.edges, schema, work_dir)
        name = WORKBOOK if r == 0 else f"{WORKBOOK}#{r}"
        what = "standards and province 0" if r == 0 else f"province {r}"
        sources.append(Source(name, workbook, seconds, f"synthetic school workbook: {what}"))
    return Workload(scale, sources, probes, replicas, frameworks)


FRAMEWORKS = "frameworks"
WORKBOOK = "workbook"


def base_name(source: str) -> str:
    """The source a load belongs to: ``frameworks#3`` → ``frameworks``.

    >>> base_name("frameworks#3"), base_name("esco")
    ('frameworks', 'esco')
    """
    return source.split("#", 1)[0]


def _through_workbook(
    nodes: list[NodeRecord], edges: list[EdgeRecord], schema: Schema, work_dir: Path | None
) -> tuple[Parsed, float]:
    """Write the records as the project's CSV workbook and read them back with the workbook reader (timed)."""
    with tempfile.TemporaryDirectory(dir=work_dir, prefix="bench-workbook-") as tmp:
        folder = write_csv(Path(tmp) / "workbook", schema, nodes, edges)
        return _timed(read_workbook, folder, schema)


def all_ids(sources: Iterable[Source]) -> dict[str, str]:
    """id -> label over every node of ``sources``."""
    return {n.id: n.label for s in sources for n in s.parsed.nodes}
