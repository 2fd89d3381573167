"""Build the Neo4j Browser guide and GRASS style sheet from the ontology.

``python -m api.browser.build`` rewrites ``guide.html`` and ``style.grass`` next to this file;
``--check`` only reports whether they are stale (tests/test_browser_guide.py fails when they are).

The guide's Cypher reproduces the engine's rules (docs/questions.md) for the default options —
essential requirements only, EXACT_MATCH followed (both directions, transitively), CLOSE_MATCH not —
and tests/test_browser_guide.py runs every query on Neo4j against the engine's answers. Labels,
relationship types, dimension order, zh names and the importance default come from the ontology, so a
change there reaches the guide when it is rebuilt; a name the ontology lacks makes the build fail.

Examples
--------
>>> from ontology.schema import load_schema
>>> queries = {q.name: q for q in guide_queries(load_schema())}
>>> sorted(queries)[:3]
['course_neighbourhood', 'coverage', 'coverage_totals']
>>> "node.Course {" in style_grass(load_schema())
True
"""

from __future__ import annotations

import argparse
import colorsys
import html
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from graph.questions.levels import level_range
from graph.questions.model import COVERED, MISSING, UNDER_LEVEL
from ontology.schema import EnumValue, Schema, load_schema

HERE = Path(__file__).resolve().parent
GUIDE_PATH = HERE / "guide.html"
STYLE_PATH = HERE / "style.grass"
#: Where docs/browser.md tells analysts to run the API; the guide's :style line points there.
API_BASE = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class Param:
    """A ``:param name => value`` block: the Browser evaluates ``RETURN value`` on the server."""

    name: str
    value: str
    zh: str
    en: str


@dataclass(frozen=True)
class Query:
    """A runnable Cypher block; ``name`` is its ``data-query`` attribute, which the tests look it up by."""

    name: str
    title_zh: str
    title_en: str
    zh: str
    en: str
    cypher: str


# ---------------------------------------------------------------- the Cypher

# Placeholders «like_this» are filled from the ontology by ``_fill``; Cypher's own braces stay as they are.

# R(O, L): one row per REQUIRES of O itself (req = O) or of one of its tasks (req = the task).
_REQUIRED = """// R(O, L): what the occupation requires at $level or below (or without a level), essential
// ones only (no `essential` counts as essential), itself or through one of its typical work tasks
MATCH (o)-[:HAS_TASK*0..1]->(req)-[r:REQUIRES]->(c:Competency)
WHERE (r.level IS NULL OR r.level <= $level) AND coalesce(r.essential, true)"""

# D(P), read once from the program's side (not from each competency's side, whose developers grow with
# every program in the graph): per competency, its DEVELOPS reached, their highest level, those without one.
_PROGRAM_DEVELOPS = """// D(P): what the program's courses develop, directly or through one of their learning tasks
CALL () {
  MATCH (:Program {id: $program})-[:INCLUDES]->(:Course)-[:HAS_LEARNING_TASK*0..1]->()-[d:DEVELOPS]->(x:Competency)
  WITH x, count(d) AS n, max(d.level) AS best, count(CASE WHEN d.level IS NULL THEN 1 END) AS agnostic
  RETURN collect({competency: x.id, n: n, best: best, agnostic: agnostic}) AS program_develops
}"""

# What D(P) holds of one required competency c, through EXACT_MATCH.
_DEVELOPED = """// what D(P) holds of c and of every competency EXACT_MATCH links it to (either direction, transitively)
CALL (c, program_develops) {
  MATCH (c)-[:EXACT_MATCH*0..]-(same:Competency)
  WITH collect(DISTINCT same.id) AS same
  UNWIND [x IN program_develops WHERE x.competency IN same] AS found
  RETURN sum(found.n) AS developments, max(found.best) AS developed, sum(found.agnostic) AS agnostic
}"""

# covered: some development meets the requirement (either side without a level always does).
_STATUS = """CASE
    WHEN developments = 0 THEN '«missing»'
    WHEN required IS NULL OR agnostic > 0 OR developed >= required THEN '«covered»'
    ELSE '«under_level»'
  END"""

_COVERAGE = """«program_develops»
MATCH (o:Occupation {id: $occupation})
CALL (o) {
  «required»
  WITH c, r, req ORDER BY req.id
  RETURN c, max(r.level) AS required, collect(CASE WHEN req:TypicalWorkTask THEN req.id END) AS tasks
}
«developed»
RETURN c.id AS competency, c.name_zh AS name_zh, c.name_en AS name_en, c.dimension AS dimension,
  «status» AS status,
  required AS required_level, developed AS developed_level, tasks
ORDER BY «dimension_order:dimension», competency"""

_COVERAGE_TOTALS = """«program_develops»
MATCH (o:Occupation {id: $occupation})
CALL (o) {
  «required»
  RETURN c, max(r.level) AS required
}
«developed»
WITH collect({dimension: c.dimension, status: «status»}) AS rows
// one row per dimension (all of them, even when empty), then the overall total
UNWIND «dimensions» AS d
WITH d, [x IN rows WHERE d.dimension IS NULL OR x.dimension = d.dimension | x.status] AS statuses
WITH d, size(statuses) AS total, size([s IN statuses WHERE s = '«covered»']) AS covered,
  size([s IN statuses WHERE s = '«under_level»']) AS under_level, size([s IN statuses WHERE s = '«missing»']) AS missing
RETURN d.dimension AS dimension, d.name_zh AS name_zh, d.name_en AS name_en, total, covered, under_level, missing,
  CASE WHEN total = 0 THEN null ELSE toFloat(covered) / total END AS ratio"""

_GAPS = """«program_develops»
MATCH (o:Occupation {id: $occupation})
// people to be hired into the occupation: each employer's latest DEMANDS year counts (DEMANDS is keyed by year)
CALL (o) {
  MATCH (e:Employer)-[dm:DEMANDS]->(o)
  WITH e, dm ORDER BY dm.year DESC
  WITH e, head(collect(dm.headcount)) AS headcount
  RETURN collect({employer: e.id, headcount: headcount}) AS hiring
}
CALL (o) {
  «required»
  WITH c, r, req ORDER BY req.id
  RETURN c, max(r.level) AS required, max(r.importance) AS importance,
    collect(CASE WHEN req:TypicalWorkTask THEN req.id END) AS tasks
}
«developed»
WITH hiring, c, required, importance, tasks, developed, «status» AS status
WHERE status <> '«covered»'
// demand weight: everyone hired into the occupation, plus, for each employer that NEEDS c,
// its people for the occupation once more (at least 1)
WITH c, required, importance, tasks, developed, status, hiring,
  [e IN COLLECT { MATCH (e:Employer)-[:NEEDS]->(c) RETURN DISTINCT e.id AS id } |
    coalesce(head([h IN hiring WHERE h.employer = e | h.headcount]), 0)] AS needers
WITH c, required, importance, tasks, developed, status,
  reduce(n = 0, h IN hiring | n + h.headcount)
  + reduce(n = 0, own IN needers | n + CASE WHEN own > 1 THEN own ELSE 1 END) AS demand
// where to close it: courses (or learning tasks, by their course) outside the program that develop c
// or an EXACT_MATCH of it at the required level or above (or without a level)
CALL (c, required) {
  MATCH (c)-[:EXACT_MATCH*0..]-(same:Competency)
  WITH DISTINCT same
  MATCH (src:Course|LearningTask)-[d:DEVELOPS]->(same)
  WHERE required IS NULL OR d.level IS NULL OR d.level >= required
  OPTIONAL MATCH (course:Course)-[:HAS_LEARNING_TASK]->(src)
  WITH DISTINCT coalesce(course, src) AS candidate
  WHERE NOT EXISTS { (:Program {id: $program})-[:INCLUDES]->(candidate) }
  WITH candidate ORDER BY candidate.id
  RETURN collect(candidate.id) AS candidates
}
// ranked by: tasks needing it, importance (none = «middle»), demand, id
WITH c, required, importance, tasks, developed, status, demand, candidates
ORDER BY size(tasks) DESC, coalesce(importance, «middle») DESC, demand DESC, c.id
WITH collect({competency: c.id, name_zh: c.name_zh, name_en: c.name_en, status: status, required: required,
  developed: developed, tasks: tasks, importance: importance, demand: demand, candidates: candidates}) AS gaps
UNWIND range(1, size(gaps)) AS rank
WITH rank, gaps[rank - 1] AS g
RETURN rank, g.competency AS competency, g.name_zh AS name_zh, g.name_en AS name_en, g.status AS status,
  g.required AS required_level, g.developed AS developed_level, size(g.tasks) AS task_count,
  g.importance AS importance, g.demand AS demand, g.tasks AS tasks, g.candidates AS candidates"""

_CURRICULUM_MAP = """MATCH (o:Occupation {id: $occupation})
CALL (o) {
  «required»
  RETURN collect(DISTINCT c) AS required
}
MATCH (:Program {id: $program})-[inc:INCLUDES]->(course:Course)
// what each course develops, directly (src = the course) or through one of its learning tasks
MATCH (course)-[:HAS_LEARNING_TASK*0..1]->(src)-[d:DEVELOPS]->(x:Competency)
// the columns a development counts for: its own competency, and any required one EXACT_MATCH links it to
CALL (x, required) {
  RETURN x AS column
  UNION
  MATCH (x)-[:EXACT_MATCH*1..]-(column:Competency)
  WHERE column IN required AND column <> x
  RETURN column
}
WITH required, course, coalesce(inc.semester, course.semester) AS semester, column,
  collect({competency: x.id, level: d.level, learning_task: CASE WHEN src:LearningTask THEN src.id END}) AS found
// a course that develops the column's own competency is judged by that alone; else by the matches (`via`)
WITH required, course, semester, column, found, [f IN found WHERE f.competency = column.id] AS own
WITH required, course, semester, column, found, own, CASE WHEN size(own) > 0 THEN own ELSE found END AS counted
RETURN course.id AS course, course.name_zh AS course_name, semester,
  column.id AS competency, column.name_zh AS competency_name, column.dimension AS dimension,
  column IN required AS required,
  reduce(best = null, f IN counted |
    CASE WHEN f.level IS NOT NULL AND (best IS NULL OR f.level > best) THEN f.level ELSE best END) AS level,
  COLLECT { UNWIND counted AS f WITH f.learning_task AS lt WHERE lt IS NOT NULL RETURN DISTINCT lt ORDER BY lt }
    AS learning_tasks,
  CASE WHEN size(own) > 0 THEN [] ELSE
    COLLECT { UNWIND found AS f RETURN DISTINCT f.competency AS via ORDER BY via } END AS via
ORDER BY semester IS NOT NULL, semester, course, «dimension_order:dimension», competency"""

_ORPHANS = """MATCH (o:Occupation {id: $occupation})
CALL (o) {
  «required»
  // everything that counts as a required competency
  MATCH (c)-[:EXACT_MATCH*0..]-(same:Competency)
  RETURN collect(DISTINCT same.id) AS needed
}
MATCH (:Program {id: $program})-[inc:INCLUDES]->(course:Course)
WITH needed, course, inc,
  COLLECT { MATCH (course)-[:HAS_LEARNING_TASK*0..1]->()-[:DEVELOPS]->(x:Competency)
            RETURN DISTINCT x.id AS x ORDER BY x } AS develops
// an orphan develops nothing required, at any level
WHERE none(x IN develops WHERE x IN needed)
RETURN course.id AS course, course.name_zh AS name_zh, course.name_en AS name_en,
  coalesce(inc.semester, course.semester) AS semester, inc.required AS required, develops
ORDER BY semester IS NOT NULL, semester, course"""

_UNTAUGHT_TASKS = """// the tasks a learning task of the program's courses is DERIVED_FROM, read from the program's side
CALL () {
  MATCH (:Program {id: $program})-[:INCLUDES]->(:Course)-[:HAS_LEARNING_TASK]->(:LearningTask)-[:DERIVED_FROM]->(t)
  RETURN collect(DISTINCT t) AS taught
}
MATCH (:Occupation {id: $occupation})-[:HAS_TASK]->(t:TypicalWorkTask)
WHERE NOT t IN taught
RETURN t.id AS task, t.name_zh AS name_zh, t.name_en AS name_en, t.order AS order
ORDER BY order IS NOT NULL, order, task"""

_DEMAND = """// employers IN_REGION exactly $region (a city does not include its districts), read from the region;
// with $region null, every employer
CALL () {
  MATCH (:Region {id: $region})<-[:IN_REGION]-(e:Employer)
  RETURN e
  UNION
  WITH $region AS region WHERE region IS NULL
  MATCH (e:Employer)
  RETURN e
}
MATCH (e)-[dm:DEMANDS]->(o:Occupation)
// DEMANDS is keyed by year: each employer's latest year per occupation counts, earlier ones are not added
WITH e, o, dm ORDER BY dm.year DESC
WITH e, o, head(collect(dm)) AS latest
WITH o, e, latest ORDER BY e.id
RETURN o.id AS occupation, o.name_zh AS name_zh, o.name_en AS name_en,
  sum(latest.headcount) AS headcount, max(latest.level) AS level,
  collect({employer: e.id, name_zh: e.name_zh, headcount: latest.headcount, year: latest.year}) AS employers
ORDER BY headcount DESC, occupation"""

_LABELS = """// nodes per label, with the ontology's Chinese names
WITH «label_names» AS zh
MATCH (n)
// a node's class label: not Entity (every node has it), not the audit trail's ChanjiaoLoad… labels
WITH zh, [l IN labels(n) WHERE zh[l] IS NOT NULL][0] AS label, count(*) AS nodes
WHERE label IS NOT NULL
RETURN label, zh[label] AS name_zh, nodes
ORDER BY label"""

_RELATIONSHIP_TYPES = """// relationships per type, with the ontology's Chinese names
WITH «type_names» AS zh
MATCH ()-[r]->()
WITH zh, type(r) AS type, count(*) AS relationships
RETURN type, zh[type] AS name_zh, relationships
ORDER BY type"""

_SCHEMA = "CALL db.schema.visualization()"

_OCCUPATION_TASKS = """MATCH (o:Occupation {id: $occupation})-[h:HAS_TASK]->(t:TypicalWorkTask)
OPTIONAL MATCH (t)-[r:REQUIRES]->(c:Competency)
WHERE r.level IS NULL OR r.level <= $level
RETURN o, h, t, r, c"""

_COURSE_NEIGHBOURHOOD = """MATCH (course:Course {id: $course})-[r]-(n)
RETURN course, r, n"""


def _cypher_string(text: str) -> str:
    """A Cypher string literal (single quotes, escaped)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _fill(template: str, schema: Schema, **fragments: str) -> str:
    """Fill the «placeholders» of ``template``: fragments first, then values derived from the ontology."""
    dimensions = schema.enumeration("CompetencyDimensionScheme").values
    low, high = level_range(schema)
    values = {
        **fragments,
        "covered": COVERED,
        "under_level": UNDER_LEVEL,
        "missing": MISSING,
        # the engine counts an absent importance as the middle of the 1–5 scale
        "middle": f"{(low + high) / 2:.1f}",
        "dimensions": "[\n  "
        + ",\n  ".join(
            f"{{dimension: {_cypher_string(str(v.notation))}, name_zh: {_cypher_string(v.label_zh)}, "
            f"name_en: {_cypher_string(v.label_en)}}}"
            for v in dimensions
        )
        + ",\n  {dimension: null, name_zh: '合计', name_en: 'overall'}\n]",
        "label_names": _names_map({c.name: c.label_zh for c in schema.classes.values()}),
        "type_names": _names_map({r.name: r.label_zh for r in schema.relationships.values()}),
    }
    text = template
    for _ in range(3):  # fragments hold placeholders of their own
        text = re.sub(r"«(\w+)(?::(\w+))?»", lambda m: _value(m, values, dimensions), text)
    if "«" in text:
        raise ValueError(f"unfilled placeholder in {text!r}")
    return text


def _value(match: re.Match[str], values: dict[str, str], dimensions: tuple[EnumValue, ...]) -> str:
    name, argument = match.group(1), match.group(2)
    if name == "dimension_order":
        # the engine orders competencies by the ontology's dimension order; an unknown dimension comes last
        whens = " ".join(f"WHEN {_cypher_string(str(v.notation))} THEN {i}" for i, v in enumerate(dimensions))
        return f"CASE {argument} {whens} ELSE {len(dimensions)} END"
    return values[name]


def _names_map(names: dict[str, str]) -> str:
    return "{\n  " + ",\n  ".join(f"{key}: {_cypher_string(value)}" for key, value in names.items()) + "\n}"


def check_names(cypher: str, schema: Schema) -> None:
    """Raise ``KeyError`` when ``cypher`` names a label or relationship type the ontology does not define."""
    code = re.sub(r"'(?:[^'\\]|\\.)*'", "''", cypher)  # string literals may hold anything
    code = re.sub(r"//[^\n]*", "", code)
    for group in re.findall(r"(?<=[(\[])\s*\w*\s*:\s*([A-Z][A-Za-z_]*(?:\s*\|\s*[A-Z][A-Za-z_]*)*)", code):
        for name in re.split(r"\s*\|\s*", group):
            if name not in schema.classes and name not in schema.relationships:
                raise KeyError(f"the guide names {name!r}, which the ontology does not define")
    for name in re.findall(r"\b\w+:([A-Z][A-Za-z_]*)\b", code):  # also label predicates: req:TypicalWorkTask
        if name not in schema.classes and name not in schema.relationships:
            raise KeyError(f"the guide names {name!r}, which the ontology does not define")


def guide_params() -> list[Param]:
    """The :param blocks, with the demo's program and occupation (docs: loaders/demo/README.md)."""
    return [
        Param("program", "'program:IRAM'", "专业（Program 的 id）", "the program (a Program id)"),
        Param("occupation", "'csco:6-31-07-03'", "职业（Occupation 的 id）", "the occupation (an Occupation id)"),
        Param("level", "3", "职业技能等级 1–5：不高于此等级的要求计入", "skill level 1–5: requirements up to it count"),
        Param(
            "region",
            "'region:320500'",
            "地区（Region 的 id），用工需求只计该地区的企业；设为 null 则不限地区",
            "a Region id: demand counts employers there only; null for every region",
        ),
        Param("course", "'course:IR-301'", "课程（Course 的 id），用于邻域查询", "a Course id, for its neighbourhood"),
    ]


def guide_queries(schema: Schema) -> list[Query]:
    """Every runnable query of the guide, in slide order, filled from the ontology and checked against it."""
    required = _fill(_REQUIRED, schema)
    nested = "\n  ".join(required.splitlines())  # the same fragment inside a CALL { } block
    developed = _fill(_DEVELOPED, schema)
    status = _fill(_STATUS, schema)
    common = {
        "program_develops": _fill(_PROGRAM_DEVELOPS, schema),
        "required": nested,
        "developed": developed,
        "status": status,
    }
    queries = [
        Query(
            "labels",
            "节点标签",
            "Node labels",
            "每个标签的节点数。",
            "Nodes per label.",
            _fill(_LABELS, schema),
        ),
        Query(
            "relationship_types",
            "关系类型",
            "Relationship types",
            "每种关系类型的关系数。",
            "Relationships per type.",
            _fill(_RELATIONSHIP_TYPES, schema),
        ),
        Query(
            "schema",
            "图模式",
            "Schema",
            "标签与关系类型之间的连接图。",
            "How labels connect, as a graph.",
            _SCHEMA,
        ),
        Query(
            "coverage",
            "能力覆盖",
            "Coverage",
            "R(O, L) 中每项能力的状态：covered（达到要求等级）、under_level（培养了但低于要求等级）、"
            "missing（没有课程培养）。只计必备要求；沿 EXACT_MATCH 双向、传递地查找对应能力；不沿 CLOSE_MATCH。",
            "Each competency of R(O, L) with its status: covered (developed at the required level or above), "
            "under_level (developed, but below it) or missing (nothing develops it). Essential requirements only; "
            "EXACT_MATCH followed both ways and transitively; CLOSE_MATCH not followed.",
            _fill(_COVERAGE, schema, **common),
        ),
        Query(
            "coverage_totals",
            "按能力维度汇总",
            "Totals per dimension",
            "每个能力维度（全部四个，即使为空）及合计的 covered / under_level / missing 数"
            "与覆盖率（covered ÷ total）。",
            "Covered / under-level / missing counts and the ratio covered ÷ total for every dimension "
            "(all four, even when empty) and overall.",
            _fill(_COVERAGE_TOTALS, schema, **common),
        ),
        Query(
            "gaps",
            "能力缺口排序",
            "Gaps, ranked",
            "未覆盖（under_level 与 missing）的能力，按影响排序：需要它的典型工作任务数、重要程度（缺省记为 3）、"
            "企业需求人数，再按 id。candidates 是本专业以外、能在要求等级培养它（或其对应能力）的课程。",
            "The under-level and missing competencies ranked by impact: the number of tasks needing them, "
            "importance (absent counts as 3), employer demand, then id. `candidates`: courses outside the program "
            "that develop it (or an EXACT_MATCH of it) at the required level.",
            _fill(_GAPS, schema, **common),
        ),
        Query(
            "curriculum_map",
            "课程—能力矩阵",
            "Curriculum map",
            "课程 × 能力，每格为课程（直接或通过学习任务）培养该能力的最高等级（null 表示未标等级）。"
            "课程只通过对应能力计入某项要求能力时，via 列出对应能力。按学期、课程、能力维度排序。",
            "Course × competency cells with the highest level the course develops it at, directly or through "
            "its learning tasks (null: no level stated). A course that counts for a required competency only "
            "through a match lists it in `via`. Ordered by semester, course, dimension.",
            _fill(_CURRICULUM_MAP, schema, required=nested),
        ),
        Query(
            "orphans",
            "孤立课程",
            "Orphan courses",
            "本专业中不培养该职业任何要求能力（含对应能力，不论等级）的课程。",
            "Courses of the program that develop nothing the occupation requires (matches followed, any level).",
            _fill(_ORPHANS, schema, required=nested),
        ),
        Query(
            "untaught_tasks",
            "无学习任务的典型工作任务",
            "Tasks without a learning task",
            "该职业的典型工作任务中，没有本专业任何学习任务源自（DERIVED_FROM）它的。",
            "Typical work tasks of the occupation that no learning task of the program is DERIVED_FROM.",
            _UNTAUGHT_TASKS,
        ),
        Query(
            "demand",
            "企业用工需求",
            "Employer demand",
            "每个职业的企业需求人数：每家企业只计最近一年的需求，不把不同年份相加。",
            "Headcount demanded per occupation: each employer's latest year only, years are not added up.",
            _DEMAND,
        ),
        Query(
            "occupation_tasks",
            "职业的典型工作任务与能力",
            "An occupation's tasks and competencies",
            "以图的形式查看职业、典型工作任务及其要求的能力。",
            "The occupation, its typical work tasks and the competencies they require, as a graph.",
            _OCCUPATION_TASKS,
        ),
        Query(
            "course_neighbourhood",
            "课程的邻域",
            "A course's neighbourhood",
            "课程及与它直接相连的一切：专业、能力、学习任务、资源、实训基地、教师。",
            "The course and everything one relationship away: programs, competencies, learning tasks, "
            "resources, training bases, teachers.",
            _COURSE_NEIGHBOURHOOD,
        ),
    ]
    for query in queries:
        check_names(query.cypher, schema)
    return queries


# ---------------------------------------------------------------- the HTML


def _pre(text: str, attribute: str, value: str) -> str:
    # pre.runnable: a click puts textContent (entities decoded, trimmed) into the Browser's editor
    return f'<pre class="pre-scrollable code runnable" {attribute}="{value}">{html.escape(text, quote=False)}</pre>'


def _query_block(query: Query) -> str:
    return (
        f"<h4>{html.escape(query.title_zh)} {html.escape(query.title_en)}</h4>\n"
        f"<p>{html.escape(query.zh)}</p>\n<p>{html.escape(query.en)}</p>\n"
        f"<figure>\n{_pre(query.cypher, 'data-query', query.name)}\n</figure>"
    )


def _slide(title_zh: str, title_en: str, *parts: str) -> str:
    body = "\n".join(parts)
    return f'<slide class="row-fluid">\n<h3>{html.escape(title_zh)} {html.escape(title_en)}</h3>\n{body}\n</slide>'


def _p(zh: str, en: str) -> str:
    return f"<p>{zh}</p>\n<p>{en}</p>"


def _labels_table(schema: Schema) -> str:
    rows = "\n".join(
        f"<tr><td><code>{c.name}</code></td><td>{html.escape(c.label_zh)}</td><td>{html.escape(c.label_en)}</td></tr>"
        for c in schema.classes.values()
    )
    return (
        '<table class="table table-condensed">\n<tr><th>标签 label</th><th>中文</th><th>English</th></tr>\n'
        f"{rows}\n</table>"
    )


def _types_table(schema: Schema) -> str:
    rows = []
    for r in schema.relationships.values():
        ends = f"{'|'.join(sorted(r.sources))} → {'|'.join(sorted(r.targets))}"
        props = ", ".join(p for p in r.properties if p != "source")
        rows.append(
            f"<tr><td><code>{r.name}</code></td><td>{html.escape(r.label_zh)}</td>"
            f"<td>{html.escape(ends)}</td><td>{html.escape(props)}</td></tr>"
        )
    return (
        '<table class="table table-condensed">\n'
        "<tr><th>类型 type</th><th>中文</th><th>起点 → 终点 from → to</th><th>属性 properties</th></tr>\n"
        + "\n".join(rows)
        + "\n</table>"
    )


def guide_html(schema: Schema) -> str:
    """The guide: an ``<article class="guide">`` whose ``<slide>`` elements the Browser shows (:guide or :play)."""
    queries = {q.name: q for q in guide_queries(schema)}
    params = guide_params()
    levels = "；".join(f"{level} = {zh}" for level, (zh, _) in schema.level_labels().items())
    slides = [
        _slide(
            "产教知识图谱分析指南",
            "chanjiao analyst guide",
            _p(
                "本指南的查询与 chanjiao API 的问题引擎给出相同的答案（有测试保证）。"
                "点击灰色代码块即放入编辑器，按 Ctrl+Enter（Mac：⌘+Enter）运行。先到“参数”一页设置参数。",
                "The queries of this guide give the same answers as the chanjiao API's question engine (a test "
                "checks it). Click a grey block to put it in the editor, then run it with Ctrl+Enter (⌘+Enter on "
                "a Mac). Set the parameters first, on the Parameters slide.",
            ),
            _p(
                "样式表：为每个标签配色并以 name_zh 作节点标题。运行下面的命令（API 不在本机 8000 端口时请改地址）。",
                "Style sheet: a colour per label and name_zh as the node caption. Run the command below "
                "(change the address if the API is not on port 8000 of this machine).",
            ),
            _pre(f":style {API_BASE}/browser/style.grass", "data-command", "style"),
        ),
        _slide(
            "图里有什么：节点标签",
            "What is in the graph: node labels",
            _p(
                "节点的标签、属性和关系类型都来自本体（ontology/chanjiao.ttl）。每个节点有唯一的 <code>id</code>，"
                "以及 <code>name_zh</code> / <code>name_en</code>。",
                "Labels, properties and relationship types all come from the ontology (ontology/chanjiao.ttl). "
                "Every node has a unique <code>id</code>, plus <code>name_zh</code> / <code>name_en</code>.",
            ),
            _labels_table(schema),
            _query_block(queries["labels"]),
        ),
        _slide(
            "图里有什么：关系类型",
            "What is in the graph: relationship types",
            _p(
                f"关系有方向。<code>level</code> 为职业技能等级 1–5（{html.escape(levels)}），无等级表示不限等级。",
                "Relationships have a direction. <code>level</code> is the skill level 1–5 (1 = entry level … "
                "5 = senior technician); none means level-agnostic.",
            ),
            _types_table(schema),
            _query_block(queries["relationship_types"]),
            _query_block(queries["schema"]),
        ),
        _slide(
            "参数",
            "Parameters",
            _p(
                "逐个点击并运行下面的 <code>:param</code> 命令；之后的查询都用这些参数。"
                "改成其他 id 即可分析别的专业或职业。",
                "Click and run each <code>:param</code> command below; the queries that follow use them. "
                "Change the ids to look at another program or occupation.",
            ),
            "\n".join(
                f"<p>{html.escape(p.zh)} — {html.escape(p.en)}</p>\n"
                + _pre(f":param {p.name} => {p.value}", "data-param", p.name)
                for p in params
            ),
        ),
        _slide(
            "能力覆盖",
            "Coverage",
            _p(
                "R(O, L)：职业 O（<code>$occupation</code>）本身及其典型工作任务要求的、等级不高于 L"
                "（<code>$level</code>）或未标等级的能力。"
                "D(P)：专业 P（<code>$program</code>）的课程直接或通过学习任务培养的能力。",
                "R(O, L): the competencies occupation O (<code>$occupation</code>) requires, itself or through its "
                "typical work tasks, at level L (<code>$level</code>) or below, or without a level. D(P): what the "
                "courses of program P (<code>$program</code>) develop, directly or through their learning tasks.",
            ),
            _query_block(queries["coverage"]),
        ),
        _slide("覆盖汇总", "Coverage totals", _query_block(queries["coverage_totals"])),
        _slide("能力缺口", "Gaps", _query_block(queries["gaps"])),
        _slide("课程矩阵", "Curriculum map", _query_block(queries["curriculum_map"])),
        _slide(
            "孤立课程与无学习任务的工作任务",
            "Orphan courses and untaught tasks",
            _query_block(queries["orphans"]),
            _query_block(queries["untaught_tasks"]),
        ),
        _slide(
            "企业用工需求",
            "Employer demand",
            _p(
                "按 <code>$region</code> 筛选企业（地区没有层级：苏州市不含昆山市）。运行 "
                "<code>:param region =&gt; null</code> 可查看所有地区。",
                "Employers are kept by <code>$region</code> (regions have no hierarchy: Suzhou does not include "
                "Kunshan). Run <code>:param region =&gt; null</code> to see every region.",
            ),
            _query_block(queries["demand"]),
        ),
        _slide(
            "探索",
            "Explore",
            _query_block(queries["occupation_tasks"]),
            _query_block(queries["course_neighbourhood"]),
        ),
        _slide(
            "与 API 的关系",
            "The guide and the API",
            _p(
                "本指南只覆盖 API 的默认选项。可选要求（include_optional）、CLOSE_MATCH、按重要程度或需求加权、"
                "按任务汇总、假设分析（what-if）、学习路径和导出请使用 API（/docs）。规则详见 docs/questions.md。",
                "The guide covers the API's default options only. Optional requirements (include_optional), "
                "CLOSE_MATCH, weighting by importance or demand, per-task totals, what-if, learning paths and "
                "exports are in the API (/docs). The rules are in docs/questions.md.",
            ),
        ),
    ]
    return (
        "<!DOCTYPE html>\n"
        "<!-- Generated by `python -m api.browser.build` from the ontology: edit build.py, not this file. -->\n"
        '<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        "<title>产教知识图谱分析指南 chanjiao analyst guide</title>\n"
        # Only for reading the file in an ordinary web browser: the Neo4j Browser renders the slides alone.
        "<style>article.guide slide { display: block; border-top: 1px solid #ccc; padding: 1em 0; }\n"
        "article.guide pre { background: #f4f4f4; padding: 0.5em; }</style>\n"
        '</head>\n<body>\n<article class="guide">\n<carousel class="deck container-fluid">\n'
        + "\n".join(slides)
        + "\n</carousel>\n</article>\n</body>\n</html>\n"
    )


# ---------------------------------------------------------------- the style sheet

# A qualitative palette (Tableau 20 order) so that neighbouring labels differ clearly; labels take colours in
# the ontology's class order, and more classes than colours get evenly spread extra hues.
_PALETTE = (
    "#8C564B", "#D62728", "#FF7F0E", "#9467BD", "#BCBD22", "#7F7F7F", "#E377C2", "#17BECF", "#1F77B4", "#2CA02C",
    "#98DF8A", "#FFBB78", "#AEC7E8", "#C5B0D5", "#F7B6D2", "#DBDB8D", "#9EDAE5", "#C49C94", "#FF9896", "#C7C7C7",
)  # fmt: skip
_DARK_TEXT = "#2A2C34"  # the Browser's own dark caption colour
_LIGHT_TEXT = "#FFFFFF"


def _rgb(colour: str) -> tuple[float, float, float]:
    return tuple(int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))  # type: ignore[return-value]


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(max(0.0, min(1.0, v)) * 255):02X}" for v in rgb)


def _luminance(colour: str) -> float:
    """WCAG relative luminance."""
    channels = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in _rgb(colour)]
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def label_colours(names: list[str]) -> dict[str, str]:
    """A distinct fill colour per label, in the given order."""
    colours = list(_PALETTE)
    extra = len(names) - len(colours)
    for i in range(max(0, extra)):
        colours.append(_hex(colorsys.hls_to_rgb((i * 0.618034) % 1.0, 0.55, 0.6)))
    return dict(zip(names, colours, strict=False))


def style_grass(schema: Schema) -> str:
    """The GRASS style sheet: a colour and a caption per label, a caption per relationship type.

    No comments in the output: the Browser's GRASS parser would read them as part of a selector.
    Captions are in single quotes (both of the Browser's parsers accept them) and hold no ``:``,
    which the parsers split properties on.
    """
    lines = [
        "node {",
        "  diameter: 65px;",
        "  color: #A5ABB6;",
        "  border-color: #9AA1AC;",
        "  border-width: 2px;",
        f"  text-color-internal: {_LIGHT_TEXT};",
        "  font-size: 10px;",
        "}",
        "",
        "relationship {",
        "  color: #A5ABB6;",
        "  shaft-width: 1px;",
        "  font-size: 8px;",
        "  padding: 3px;",
        "  text-color-external: #000000;",
        f"  text-color-internal: {_LIGHT_TEXT};",
        "  caption: '<type>';",
        "}",
        "",
    ]
    colours = label_colours(list(schema.classes))
    for name, cls in schema.classes.items():
        fill = colours[name]
        border = _hex(tuple(v * 0.8 for v in _rgb(fill)))  # type: ignore[arg-type]
        text = _LIGHT_TEXT if _contrast(fill, _LIGHT_TEXT) >= _contrast(fill, _DARK_TEXT) else _DARK_TEXT
        # GRASS cannot fall back per node, so the caption is name_zh for a class that has the property, else id
        caption = "{name_zh}" if "name_zh" in cls.properties else "{id}"
        lines += [
            f"node.{name} {{",
            f"  color: {fill};",
            f"  border-color: {border};",
            f"  text-color-internal: {text};",
            f"  caption: '{caption}';",
            "}",
            "",
        ]
    for name, rel in schema.relationships.items():
        # a level is what coverage turns on, so it is shown where the type has one (empty when absent)
        caption = "<type> {level}" if "level" in rel.properties else "<type>"
        lines += [f"relationship.{name} {{", f"  caption: '{caption}';", "}", ""]
    return "\n".join(lines)


# ---------------------------------------------------------------- command line


def build(schema: Schema | None = None) -> dict[Path, str]:
    """The files this module writes, with their content."""
    schema = schema or load_schema()
    return {GUIDE_PATH: guide_html(schema), STYLE_PATH: style_grass(schema)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report whether the files are up to date")
    args = parser.parse_args(argv)
    stale = [path for path, text in build().items() if not path.is_file() or path.read_text("utf-8") != text]
    if args.check:
        for path in stale:
            print(f"stale: {path} (run `python -m api.browser.build`)", file=sys.stderr)
        return 1 if stale else 0
    for path, text in build().items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
