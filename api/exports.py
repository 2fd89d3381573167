"""Answers as tables for people: CSV (UTF-8 with a BOM, so Excel shows Chinese) and XLSX, plus file names.

Each answer becomes one or more sheets with Chinese headers first and English
names in extra columns; a CSV holds the first sheet, an XLSX all of them.
Pictures (PNG/SVG) are drawn by ``api.pictures``, imported only when asked for.
Both faces (HTTP and CLI) use these functions, so a download and ``--output``
give the same file.

Examples
--------
>>> from graph.questions import demo_questions
>>> gaps = demo_questions().gaps("program:IRAM", "csco:6-31-07-03", 3)
>>> first = sheets(gaps)[0]
>>> first.header[:4], first.rows[0][:3]
(['排名', '能力编号', '能力名称', '维度'], [1, 'comp:P-15', '视觉系统配置与标定'])
>>> render(gaps, "csv")[:3] == "\\ufeff".encode()
True
>>> file_name(gaps, "csv")
('能力差距_program_IRAM_csco_6-31-07-03_3级.csv', 'gaps_program_IRAM_csco_6-31-07-03_L3.csv')
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import singledispatch
from typing import Any
from urllib.parse import quote

from graph.questions import (
    Coverage,
    CurriculumMap,
    Delivery,
    DemandAlignment,
    Gaps,
    LearningPath,
    Orphans,
    ProgramSummary,
    Ranking,
    WhatIf,
)
from graph.questions.assessment import ASSESSED, NOT_ASSESSED, SCHOOL_ONLY, AssessedCoverage, AssessedTally
from graph.questions.coverage import Tally
from graph.questions.delivery import BASE, DUAL, RESOURCE
from graph.questions.model import COVERED, MISSING, UNDER_LEVEL
from graph.questions.outcomes import BELOW_LEVEL, MET, NO_RESULT, SHORT, OutcomeGaps
from graph.records import Node
from ontology.schema import load_schema

#: Formats and their media types.
MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "png": "image/png",
    "svg": "image/svg+xml",
}
TABLES = ("csv", "xlsx")
PICTURES = ("png", "svg")

_SCHEMA = load_schema()


def _labels_zh(scheme: str) -> dict[str, str]:
    """The Chinese label of each value of one of the ontology's enumerations."""
    return {v.notation: v.label_zh for v in _SCHEMA.enumeration(scheme).values}


_DIMENSIONS = _labels_zh("CompetencyDimensionScheme")
_CATEGORIES = _labels_zh("CourseCategoryScheme")
_EVALUATORS = _labels_zh("EvaluatorScheme")
_ASSESSMENT_KINDS = _labels_zh("AssessmentKindScheme")
# Statuses and delivery lacks are the engine's words, not the ontology's: their Chinese names live here.
_STATUS = {
    COVERED: "已覆盖",
    UNDER_LEVEL: "等级不足",
    MISSING: "缺失",
    ASSESSED: "校企共评",
    SCHOOL_ONLY: "仅学校评价",
    NOT_ASSESSED: "未考核",
    MET: "达标",
    SHORT: "未达标",
    BELOW_LEVEL: "等级不足",
    NO_RESULT: "无评价结果",
}
_LACKS = {RESOURCE: "教学资源", BASE: "实训基地", DUAL: "双师型教师"}
_REASONS = {"gap": "弥补差距", "prerequisite": "先修课程"}
_KINDS = {"course": "课程", "learning_task": "学习任务"}

#: Per answer type: (Chinese title, English slug) for sheet names and file names.
_TITLES: dict[type, tuple[str, str]] = {
    Coverage: ("课程覆盖", "coverage"),
    Gaps: ("能力差距", "gaps"),
    CurriculumMap: ("课程地图", "curriculum-map"),
    Orphans: ("孤立与冗余", "orphans"),
    WhatIf: ("调整推演", "whatif"),
    DemandAlignment: ("需求对接", "demand"),
    Ranking: ("匹配排名", "match"),
    Delivery: ("教学条件", "delivery"),
    LearningPath: ("学习路径", "learning-path"),
    AssessedCoverage: ("考核覆盖", "assessed-coverage"),
    OutcomeGaps: ("培养结果差距", "outcome-gaps"),
    ProgramSummary: ("专业概览", "program"),
}


@dataclass
class Sheet:
    """A table: a title (the XLSX sheet name), a header row and the rows (plain values; None is empty)."""

    title: str
    header: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    percent: tuple[str, ...] = ()  # header names of columns holding percentages (formatted in XLSX)


def _yes(value: bool | None) -> str | None:
    return None if value is None else ("是" if value else "否")


def _join(values: Iterable[Any]) -> str:
    return "; ".join(str(v) for v in values if v is not None)


def _pct(ratio: float | None) -> float | None:
    return None if ratio is None else round(ratio * 100, 1)


def status_zh(status: str | None) -> str | None:
    """The Chinese name of one of the engine's statuses (coverage's, assessed coverage's, outcomes').

    >>> status_zh("school_only")
    '仅学校评价'
    """
    return None if status is None else _STATUS.get(status, status)


def _dimension(dimension: str | None) -> str | None:
    return None if dimension is None else _DIMENSIONS.get(dimension, dimension)


@singledispatch
def sheets(answer: Any) -> list[Sheet]:
    """The tables of an answer (the first is the main one: a CSV holds it alone)."""
    raise TypeError(f"no table form for {type(answer).__name__}")


# -- 1 coverage

_TALLY_HEADER = ["能力总数", "已覆盖", "等级不足", "缺失", "覆盖率(%)"]
_WEIGHTED_HEADER = ["加权总数", "加权已覆盖", "加权覆盖率(%)"]


def _tally(t: Tally, weighted: bool) -> list[Any]:
    row = [t.total, t.covered, t.under_level, t.missing, _pct(t.ratio)]
    return [*row, t.weighted_total, t.weighted_covered, _pct(t.weighted_ratio)] if weighted else row


@sheets.register
def _(answer: Coverage) -> list[Sheet]:
    weighted = answer.weight is not None
    main = Sheet(
        "能力覆盖",
        [
            "能力编号",
            "能力名称",
            "维度",
            "要求等级",
            "培养等级",
            "状态",
            "必备",
            "重要度",
            *(["权重"] if weighted else []),
            "典型工作任务",
            "培养课程",
            "英文名称",
        ],
    )
    for c in answer.competencies:
        courses = dict.fromkeys(s.course for s in c.developed_by)
        main.rows.append(
            [
                c.competency,
                c.name_zh,
                _dimension(c.dimension),
                c.required_level,
                c.developed_level,
                status_zh(c.status),
                _yes(c.essential),
                c.importance,
                *([c.weight] if weighted else []),
                _join(c.tasks),
                _join(courses),
                c.name_en,
            ]
        )
    summary = Sheet(
        "汇总",
        ["范围", *_TALLY_HEADER, *(_WEIGHTED_HEADER if weighted else [])],
        percent=("覆盖率(%)", "加权覆盖率(%)"),
    )
    summary.rows.append(["整体", *_tally(answer.overall, weighted)])
    for dimension, t in answer.by_dimension.items():
        summary.rows.append([_dimension(dimension), *_tally(t, weighted)])
    tasks = Sheet(
        "典型工作任务",
        [
            "任务编号",
            "任务名称",
            "序号",
            *_TALLY_HEADER,
            *(_WEIGHTED_HEADER if weighted else []),
            "等级不足能力",
            "缺失能力",
            "英文名称",
        ],
    )
    for t in answer.by_task:
        tasks.rows.append(
            [t.task, t.name_zh, t.order, *_tally(t.tally, weighted), _join(t.under_level), _join(t.missing), t.name_en]
        )
    return [main, summary, tasks]


# -- 2 gaps


@sheets.register
def _(answer: Gaps) -> list[Sheet]:
    main = Sheet(
        "能力差距",
        [
            "排名",
            "能力编号",
            "能力名称",
            "维度",
            "状态",
            "要求等级",
            "培养等级",
            "重要度",
            "需求人数",
            "典型工作任务",
            "相关企业",
            "企业总数",
            "候选课程",
            "候选总数",
            "英文名称",
        ],
    )
    candidates = Sheet(
        "候选课程",
        ["能力编号", "课程编号", "学习任务编号", "名称", "培养等级", "所属专业", "教学资源", "英文名称"],
    )
    for g in answer.gaps:
        main.rows.append(
            [
                g.rank,
                g.competency,
                g.name_zh,
                _dimension(g.dimension),
                status_zh(g.status),
                g.required_level,
                g.developed_level,
                g.importance,
                g.demand,
                _join(g.tasks),
                _join(e.name_zh or e.employer for e in g.employers),
                g.employer_count,
                _join(dict.fromkeys(c.learning_task or c.course for c in g.candidates)),
                g.candidate_count,
                g.name_en,
            ]
        )
        for c in g.candidates:
            candidates.rows.append(
                [
                    g.competency,
                    c.course,
                    c.learning_task,
                    c.name_zh,
                    c.level,
                    _join(c.programs),
                    _join(r.id for r in c.resources),
                    c.name_en,
                ]
            )
    return [main, candidates]


# -- 3 curriculum map


@sheets.register
def _(answer: CurriculumMap) -> list[Sheet]:
    fixed = ["课程编号", "课程名称", "英文名称", "学期"]
    matrix = Sheet("课程×能力", [*fixed, *(f"{c.competency} {c.name_zh or ''}".strip() for c in answer.columns)])
    for row, values in zip(answer.rows, answer.grid(), strict=True):
        matrix.rows.append([row.course, row.name_zh, row.name_en, row.semester, *values])
    columns = Sheet("能力", ["能力编号", "能力名称", "维度", "职业要求", "要求等级", "状态", "英文名称"])
    for c in answer.columns:
        columns.rows.append(
            [
                c.competency,
                c.name_zh,
                _dimension(c.dimension),
                _yes(c.required),
                c.required_level,
                status_zh(c.status),
                c.name_en,
            ]
        )
    courses = Sheet("课程", ["课程编号", "课程名称", "课程类别", "学时", "学期", "必修", "英文名称"])
    for r in answer.rows:
        category = _CATEGORIES.get(r.category, r.category) if r.category else None
        courses.rows.append([r.course, r.name_zh, category, r.hours, r.semester, _yes(r.required), r.name_en])
    at = {(c.course, c.task): c.learning_tasks for c in answer.task_cells}
    tasks = Sheet("课程×任务", [*fixed, *(f"{t.task} {t.name_zh or ''}".strip() for t in answer.task_columns)])
    for r in answer.rows:
        cells = [_join(at[(r.course, t.task)]) if (r.course, t.task) in at else None for t in answer.task_columns]
        tasks.rows.append([r.course, r.name_zh, r.name_en, r.semester, *cells])
    return [matrix, columns, courses, tasks]


# -- 4 orphans


@sheets.register
def _(answer: Orphans) -> list[Sheet]:
    # One table (a CSV holds one): what kind of finding each row is, then the item.
    table = Sheet("孤立与冗余", ["类别", "编号", "名称", "职业", "相关", "英文名称"])
    for c in answer.orphan_courses:
        table.rows.append(["孤立课程", c.course, c.name_zh, None, _join(c.develops), c.name_en])
    for r in answer.redundant:
        table.rows.append(["重复培养能力", r.competency, r.name_zh, None, _join(r.courses), r.name_en])
    for t in answer.untaught_tasks:
        table.rows.append(["无学习任务的典型工作任务", t.task, t.name_zh, t.occupation, None, t.name_en])
    return [table]


# -- 5 what-if


@sheets.register
def _(answer: WhatIf) -> list[Sheet]:
    changes = Sheet(
        "变化", ["能力编号", "能力名称", "调整前状态", "调整后状态", "调整前等级", "调整后等级", "英文名称"]
    )
    for c in answer.changes:
        changes.rows.append(
            [c.competency, c.name_zh, status_zh(c.before), status_zh(c.after), c.before_level, c.after_level, c.name_en]
        )
    summary = Sheet("汇总", ["指标", "调整前", "调整后", "变化"])
    before, after = answer.before.overall, answer.after.overall
    for key, label in (("covered", "已覆盖"), ("under_level", "等级不足"), ("missing", "缺失")):
        summary.rows.append([label, getattr(before, key), getattr(after, key), answer.delta[key]])
    ratio = answer.delta["ratio"]
    summary.rows.append(["覆盖率(%)", _pct(before.ratio), _pct(after.ratio), None if ratio is None else _pct(ratio)])
    return [changes, summary]


# -- 6 demand


@sheets.register
def _(answer: DemandAlignment) -> list[Sheet]:
    occupations = Sheet(
        "职业需求",
        [
            "排名",
            "职业编号",
            "职业名称",
            "等级",
            "需求人数",
            "企业",
            "最佳专业",
            "最佳覆盖率(%)",
            "未满足人数",
            "英文名称",
        ],
        percent=("最佳覆盖率(%)",),
    )
    for i, o in enumerate(answer.occupations, start=1):
        best = o.programs[0].program if o.programs else None
        occupations.rows.append(
            [
                i,
                o.occupation,
                o.name_zh,
                o.level,
                o.headcount,
                _join(f"{e}: {n}" for e, n in o.employers.items()),
                best,
                _pct(o.best_ratio),
                round(o.unmet_headcount, 1),
                o.name_en,
            ]
        )
    competencies = Sheet(
        "能力需求",
        [
            "排名",
            "能力编号",
            "能力名称",
            "维度",
            "需求权重",
            "需求人数",
            "要求等级",
            "培养等级",
            "状态",
            "覆盖专业",
            "提出企业",
            "英文名称",
        ],
    )
    for i, c in enumerate(answer.competencies, start=1):
        competencies.rows.append(
            [
                i,
                c.competency,
                c.name_zh,
                _dimension(c.dimension),
                c.weight,
                c.headcount,
                c.required_level,
                c.developed_level,
                status_zh(c.status),
                _join(c.programs),
                _join(c.needed_by),
                c.name_en,
            ]
        )
    programs = Sheet("专业", ["排名", "专业编号", "专业名称", "加权覆盖率(%)", "英文名称"], percent=("加权覆盖率(%)",))
    for i, p in enumerate(answer.programs, start=1):
        programs.rows.append([i, p.program, p.name_zh, _pct(p.ratio), p.name_en])
    return [occupations, competencies, programs]


# -- 7 matching


@sheets.register
def _(answer: Ranking) -> list[Sheet]:
    what = "职业" if answer.ranks == "occupations" else "专业"
    table = Sheet(
        f"{what}排名",
        ["排名", f"{what}编号", f"{what}名称", "覆盖率(%)", "能力总数", "已覆盖", "等级不足", "缺失", "英文名称"],
        percent=("覆盖率(%)",),
    )
    for e in answer.entries:
        table.rows.append(
            [e.rank, e.id, e.name_zh, _pct(e.ratio), e.total, e.covered, e.under_level, e.missing, e.name_en]
        )
    return [table]


# -- 8 delivery


@sheets.register
def _(answer: Delivery) -> list[Sheet]:
    table = Sheet(
        "教学条件",
        ["类型", "编号", "名称", "所属课程", "教学资源", "实训基地", "授课教师", "双师型教师", "缺少", "英文名称"],
    )
    for i in answer.items:
        table.rows.append(
            [
                _KINDS.get(i.kind, i.kind),
                i.id,
                i.name_zh,
                i.course,
                _join(i.resources),
                _join(i.training_bases),
                _join(i.teachers),
                _join(i.dual_qualified_teachers),
                _join(_LACKS.get(x, x) for x in i.lacks),
                i.name_en,
            ]
        )
    return [table]


# -- 9 learning path


@sheets.register
def _(answer: LearningPath) -> list[Sheet]:
    steps = Sheet(
        "学习路径",
        ["步骤", "课程编号", "课程名称", "学时", "学期", "原因", "弥补能力", "先修课程", "教学资源", "英文名称"],
    )
    for s in answer.steps:
        steps.rows.append(
            [
                s.step,
                s.course,
                s.name_zh,
                s.hours,
                s.semester,
                _REASONS.get(s.reason, s.reason),
                _join(s.closes),
                _join(s.prerequisites),
                _join(r.id for r in s.resources),
                s.name_en,
            ]
        )
    gaps = Sheet("能力差距", ["能力编号", "能力名称", "维度", "状态", "要求等级", "已有等级", "弥补课程", "英文名称"])
    for g in answer.gaps:
        gaps.rows.append(
            [
                g.competency,
                g.name_zh,
                _dimension(g.dimension),
                status_zh(g.status),
                g.required_level,
                g.held_level,
                _join(g.closed_by) or "无法弥补",
                g.name_en,
            ]
        )
    return [steps, gaps]


# -- a program at a glance


@sheets.register
def _(answer: ProgramSummary) -> list[Sheet]:
    courses = Sheet("课程", ["课程编号", "课程名称", "学期", "必修", "学时", "课程类别", "英文名称"])
    for c in answer.courses:
        courses.rows.append(
            [
                c.course,
                c.name_zh,
                c.semester,
                _yes(c.required),
                c.hours,
                _CATEGORIES.get(c.category or "", c.category),
                c.name_en,
            ]
        )
    targets = Sheet("目标职业", ["职业编号", "职业名称", "等级", "英文名称"])
    for t in answer.targets:
        targets.rows.append([t.occupation, t.name_zh, t.level, t.name_en])
    return [courses, targets]


# -- co-evaluation: assessed coverage and outcome gaps (docs/co-evaluation.md)

_ASSESSED_HEADER = ["能力总数", "校企共评", "仅学校评价", "未考核", "未培养", "共评率(%)", "评价覆盖率(%)"]


def _assessed_tally(t: AssessedTally) -> list[Any]:
    return [t.total, t.assessed, t.school_only, t.not_assessed, t.missing, _pct(t.ratio), _pct(t.judged_ratio)]


@sheets.register
def _(answer: AssessedCoverage) -> list[Sheet]:
    main = Sheet(
        "考核覆盖",
        [
            "能力编号",
            "能力名称",
            "维度",
            "考核状态",
            "培养状态",
            "要求等级",
            "培养等级",
            "评价主体",
            "计入的考核",
            "典型工作任务",
            "英文名称",
        ],
    )
    details = Sheet(
        "考核明细",
        [
            "能力编号",
            "考核编号",
            "考核名称",
            "类型",
            "评价主体",
            "实施单位",
            "所属课程或学习任务",
            "课程",
            "考核能力",
            "考核等级",
            "计入",
        ],
    )
    for c in answer.competencies:
        main.rows.append(
            [
                c.competency,
                c.name_zh,
                _dimension(c.dimension),
                status_zh(c.status),
                status_zh(c.development),
                c.required_level,
                c.developed_level,
                _join(_EVALUATORS.get(e, e) for e in c.evaluators),
                _join(a.assessment for a in c.assessments if a.counts),
                _join(c.tasks),
                c.name_en,
            ]
        )
        for a in c.assessments:
            details.rows.append(
                [
                    c.competency,
                    a.assessment,
                    a.name_zh,
                    _ASSESSMENT_KINDS.get(a.kind or "", a.kind),
                    _EVALUATORS.get(a.evaluator or "", a.evaluator),
                    _join(a.conducted_by),
                    a.holder,
                    a.course,
                    a.competency,
                    a.level,
                    _yes(a.counts),
                ]
            )
    summary = Sheet("汇总", ["范围", *_ASSESSED_HEADER], percent=("共评率(%)", "评价覆盖率(%)"))
    summary.rows.append(["整体", *_assessed_tally(answer.overall)])
    for dimension, t in answer.by_dimension.items():
        summary.rows.append([_dimension(dimension), *_assessed_tally(t)])
    return [main, summary, details]


@sheets.register
def _(answer: OutcomeGaps) -> list[Sheet]:
    gaps = Sheet(
        "培养结果差距",
        [
            "排名",
            "届/班",
            "入学年份",
            "能力编号",
            "能力名称",
            "维度",
            "状态",
            "要求等级",
            "达标比例(%)",
            "差额(百分点)",
            "得分",
            "典型工作任务",
            "依据的考核",
            "英文名称",
        ],
    )
    for g in answer.gaps:
        gaps.rows.append(
            [
                g.rank,
                g.cohort,
                g.year,
                g.competency,
                g.name_zh,
                _dimension(g.dimension),
                status_zh(g.status),
                g.required_level,
                g.share,
                g.shortfall,
                g.score,
                _join(g.tasks),
                _join(e.assessment for e in g.evidence if e.counts),
                g.name_en,
            ]
        )
    cohorts = Sheet(
        "届/班",
        ["届/班", "名称", "入学年份", "人数", "达标", "未达标", "等级不足", "无评价结果", "英文名称"],
    )
    for c in answer.cohorts:
        cohorts.rows.append(
            [
                c.cohort,
                c.name_zh,
                c.year,
                c.size,
                len(c.met),
                len(c.short),
                len(c.below_level),
                len(c.no_result),
                c.name_en,
            ]
        )
    return [gaps, cohorts]


# -- files


def to_csv(sheet: Sheet, bom: bool = True) -> bytes:
    """One sheet as CSV in UTF-8; with a BOM (the default) Excel reads the Chinese right."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(sheet.header)
    writer.writerows(["" if v is None else v for v in row] for row in sheet.rows)
    return out.getvalue().encode("utf-8-sig" if bom else "utf-8")


def to_xlsx(tables: list[Sheet]) -> bytes:
    """The sheets as one workbook: bold, frozen header row; percentages formatted as such."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for table in tables:
        ws = book.create_sheet(_sheet_title(table.title))
        ws.append(table.header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            ws.append(row)
        ws.freeze_panes = "A2"
        for index, name in enumerate(table.header, start=1):
            letter = ws.cell(row=1, column=index).column_letter
            widest = max([len(str(name)), *(len(str(r[index - 1] or "")) for r in table.rows[:200])])
            ws.column_dimensions[letter].width = min(max(8, widest * 1.6), 60)  # CJK glyphs are twice as wide
            if name in table.percent:
                for (cell,) in ws.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = "0.0"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_title(title: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "-", title)[:31]  # what Excel allows in a sheet name


def render(answer: Any, fmt: str, nodes: Callable[[list[str]], dict[str, Node]] | None = None) -> bytes:
    """``answer`` as a file of format ``fmt`` (csv, xlsx, png or svg).

    Pictures exist for the curriculum map (a heat map) and coverage (a chart);
    ``api.pictures`` is imported here, when one is asked for. ``nodes`` (e.g.
    ``store.get_nodes``) supplies the program's and occupation's names for their titles.
    """
    if fmt == "csv":
        return to_csv(sheets(answer)[0])
    if fmt == "xlsx":
        return to_xlsx(sheets(answer))
    if fmt in PICTURES:
        from api import pictures

        titles = _picture_titles(answer, nodes)
        if isinstance(answer, CurriculumMap):
            return pictures.heatmap(answer, fmt, **titles)
        if isinstance(answer, Coverage):
            return pictures.coverage_chart(answer, fmt, **titles)
        raise ValueError(f"no picture of {type(answer).__name__}")
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(MEDIA_TYPES)}")


def _picture_titles(answer: Any, nodes: Callable[[list[str]], dict[str, Node]] | None) -> dict[str, str | None]:
    program, occupation = getattr(answer, "program", None), getattr(answer, "occupation", None)
    found = nodes([i for i in (program, occupation) if i]) if nodes else {}

    def name(node_id: str | None) -> str | None:
        node = found.get(node_id) if node_id else None
        return (node.props.get("name_zh") or node.props.get("name_en")) if node else None

    return {"program_name": name(program), "occupation_name": name(occupation)}


def _slug(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9.\-]+", "_", value).strip("_")[:60]


def file_name(answer: Any, fmt: str) -> tuple[str, str]:
    """(UTF-8 name, ASCII name) for a download of ``answer``: the question and what it was asked about."""
    zh, slug = _TITLES[type(answer)]
    subject = [
        _slug(str(value))
        for key in ("program", "subject", "occupation", "region", "industry", "year")
        if (value := getattr(answer, key, None)) is not None
    ]
    level = getattr(answer, "level", None)
    name_zh = "_".join([zh, *subject, *([f"{level}级"] if level is not None else [])])
    name_en = "_".join([slug, *subject, *([f"L{level}"] if level is not None else [])])
    return f"{name_zh}.{fmt}", f"{name_en}.{fmt}"


def content_disposition(answer: Any, fmt: str, disposition: str = "attachment") -> str:
    """A Content-Disposition header (RFC 6266): an ASCII ``filename`` and the UTF-8 ``filename*``."""
    utf8, ascii_name = file_name(answer, fmt)
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(utf8, safe='')}"
