"""The ``chanjiao co`` commands: co-evaluation (共评培养结果) and co-research (共创科研成果).

``chanjiao co assessed``, ``co outcomes`` and ``co research`` each run one question of
``service.questions`` (docs/co-evaluation.md) and print it as rich tables, Chinese
headers first, or as JSON with ``--format json``; the first two also as ``--format csv|xlsx``
(the tables of ``api.exports``, as the HTTP downloads), on stdout or into ``--output FILE``,
through the question commands' own path (``api.cli_questions.run_question``). Errors are a
message and exit code 1.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from api import cli_questions, exports
from api.cli_questions import Output, TableFormat, TableOut
from graph.questions.outcomes import DEFAULT_THRESHOLD
from graph.service import Chanjiao

co_app = typer.Typer(
    help="Co-evaluation (共评培养结果) and co-research (共创科研成果): assessed coverage, outcome gaps, uptake.",
    no_args_is_help=True,
)


class Format(StrEnum):
    table = "table"
    json = "json"


FormatOption = Annotated[Format, typer.Option("--format", "-f", help="table (default) or json")]
Program = Annotated[str, typer.Argument(help="a Program id, e.g. program:IRAM")]
Occupation = Annotated[str, typer.Argument(help="an Occupation id, e.g. csco:6-31-07-03")]
LevelOption = Annotated[
    int | None, typer.Option("--level", "-l", help="skill level 1–5; default: the level the program targets")
]
Optional_ = Annotated[bool, typer.Option("--optional", help="count optional requirements too")]
CloseMatch = Annotated[bool, typer.Option("--close-match", help="follow CLOSE_MATCH one step too")]

# The shared helpers of ``api.cli`` (the store option, ``opened``, the consoles) are bound by ``register``:
# api.cli imports this module to register the commands, so importing them at the top would be circular.
StoreOption: Any = Annotated[str | None, typer.Option("--store", "-s", help="Neo4j URI or embedded store file")]
opened: Callable[[str | None], AbstractContextManager[Chanjiao]]
console: Console

#: The colour of each status (its Chinese name is ``api.exports``'): judged or met green, short of it yellow, red
#: where nothing counts.
_COLOUR = {
    "assessed": "green",
    "school_only": "yellow",
    "not_assessed": "red",
    "missing": "red",
    "covered": "green",
    "under_level": "yellow",
    "short": "yellow",
    "below_level": "red",
}


def register(app: typer.Typer) -> None:
    """Add ``chanjiao co …`` to the app (``api.cli`` calls this once its helpers exist)."""
    global StoreOption, opened, console
    from api.cli import StoreOption, console, opened

    for name, command in (("assessed", assessed), ("outcomes", outcomes), ("research", research)):
        co_app.command(name)(command)
    app.add_typer(co_app, name="co")


def _status(value: str) -> str:
    colour = _COLOUR.get(value, "white")
    return f"[{colour}]{exports.status_zh(value)} {value}[/{colour}]"


def _level(value: int | None) -> str:
    return "—" if value is None else str(value)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _emit(answer: Any, fmt: Format, show: Callable[[Any], None]) -> None:
    if fmt is Format.json:
        typer.echo(json.dumps(answer.as_dict(), ensure_ascii=False, indent=2))
    else:
        show(answer)


def assessed(
    program: Program,
    occupation: Occupation,
    level: LevelOption = None,
    include_optional: Optional_ = False,
    close_match: CloseMatch = False,
    store: StoreOption = None,
    fmt: TableFormat = None,
    output: Output = None,
) -> None:
    """Assessed coverage: each competency OCCUPATION requires as assessed (by an enterprise), school-only,
    not assessed, or missing in PROGRAM."""

    def ask(service: Chanjiao) -> Any:
        return service.questions.assessed_coverage(
            program, occupation, level, include_optional=include_optional, close_match=close_match
        )

    def show(_: Chanjiao, a: Any, out: Console) -> None:
        o = a.overall
        out.print(
            f"[bold]{a.program} → {a.occupation}, level {a.level}[/bold]: {o.assessed}/{o.total} assessed by an "
            f"enterprise ({_pct(o.ratio)}), {o.school_only} by the school only, {o.not_assessed} never assessed, "
            f"{o.missing} not developed",
            highlight=False,
        )
        table = Table(
            "能力编号", "能力名称", "状态 status", "培养", "要求等级", "评价主体", "考核评价", title="考核覆盖"
        )
        for c in a.competencies:
            uses = ", ".join(f"{u.assessment}{'' if u.counts else ' (不计)'}" for u in c.assessments)
            table.add_row(
                c.competency, c.name_zh or "", _status(c.status), _status(c.development), _level(c.required_level),
                ", ".join(c.evaluators), uses,
            )  # fmt: skip
        out.print(table)

    cli_questions.run_question(store, fmt, output, TableOut, ask, show)


def outcomes(
    program: Program,
    occupation: Occupation,
    level: LevelOption = None,
    cohort: Annotated[str | None, typer.Option(help="only this Cohort, e.g. cohort:IRAM-2025")] = None,
    threshold: Annotated[
        float, typer.Option(help="share (%) of a cohort that must be shown to reach the level")
    ] = DEFAULT_THRESHOLD,
    include_optional: Optional_ = False,
    close_match: CloseMatch = False,
    store: StoreOption = None,
    fmt: TableFormat = None,
    output: Output = None,
) -> None:
    """Outcome gaps: where PROGRAM's cohorts' results fall short of the level OCCUPATION requires."""

    def ask(service: Chanjiao) -> Any:
        return service.questions.outcome_gaps(
            program,
            occupation,
            level,
            cohort=cohort,
            threshold=threshold,
            include_optional=include_optional,
            close_match=close_match,
        )

    def show(_: Chanjiao, o: Any, out: Console) -> None:
        out.print(
            f"[bold]{o.program} → {o.occupation}, level {o.level}[/bold]: {len(o.gaps)} gap(s) below "
            f"{o.threshold:g}% reaching the required level",
            highlight=False,
        )
        cohorts = Table("届/班", "年份", "人数", "达标", "未达标", "等级不足", "无结果", title="届次")
        for c in o.cohorts:
            cohorts.add_row(
                c.cohort, _level(c.year), _level(c.size), str(len(c.met)), str(len(c.short)),
                str(len(c.below_level)), str(len(c.no_result)),
            )  # fmt: skip
        out.print(cohorts)
        table = Table(
            "排名", "届/班", "能力编号", "能力名称", "状态", "达到比例(%)", "差距", "任务数", "得分", title="结果差距"
        )
        for g in o.gaps:
            share = "—" if g.share is None else f"{g.share:g}"
            table.add_row(
                str(g.rank), g.cohort, g.competency, g.name_zh or "", _status(g.status), share, f"{g.shortfall:g}",
                str(max(1, len(g.tasks))), f"{g.score:g}",
            )  # fmt: skip
        out.print(table)

    cli_questions.run_question(store, fmt, output, TableOut, ask, show)


def research(
    program: Program,
    occupation: Annotated[
        str | None, typer.Option("--occupation", help="compare with this Occupation; default all P targets")
    ] = None,
    level: LevelOption = None,
    on: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="the day a project must run on; default today")
    ] = None,
    include_optional: Optional_ = False,
    close_match: CloseMatch = False,
    store: StoreOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Research uptake: what school–enterprise projects added to which courses, and PROGRAM's gaps a running
    project could close."""
    with opened(store) as service:
        answer = service.questions.research_uptake(
            program,
            occupation,
            level,
            on=on.date() if on else None,
            include_optional=include_optional,
            close_match=close_match,
        )

    def show(r: Any) -> None:
        console.print(
            f"[bold]{r.program}[/bold] on {r.on}: {len(r.projects)} project(s); "
            f"{len(r.coverable)} gap(s) a running project could close: {', '.join(r.coverable) or 'none'}",
            highlight=False,
        )
        projects = Table(
            "项目", "名称", "起止", "进行中", "成果归属", "参与方", "转化成果", "培育能力", title="校企合作科研项目"
        )
        for p in r.projects:
            cultivated = ", ".join(f"{c.competency}:{_level(c.level)}" for c in p.cultivates)
            projects.add_row(
                p.project, p.name_zh or "", f"{p.start_date or '…'} – {p.end_date or '…'}", "是" if p.running else "否",
                p.ownership or "", ", ".join([*p.schools, *p.employers, *p.studios]),
                ", ".join([*p.resources, *p.learning_tasks]), cultivated,
            )  # fmt: skip
        console.print(projects)
        added = Table("项目", "课程", "本专业", "教学资源", "学习任务", "培养能力", title="转化到课程")
        for p in r.projects:
            for c in p.courses:
                developed = ", ".join(f"{x.competency}:{_level(x.level)}" for x in c.competencies)
                added.add_row(
                    p.project, c.course, "是" if c.in_program else "否", ", ".join(c.resources),
                    ", ".join(c.learning_tasks), developed,
                )  # fmt: skip
        console.print(added)
        gaps = Table("能力编号", "能力名称", "状态", "要求等级", "培养等级", "可由项目补足", title="专业缺口")
        for g in r.gaps:
            offers = ", ".join(
                f"{o.project}({o.via}{' ' + o.learning_task if o.learning_task else ''}, {o.competency}:"
                f"{_level(o.level)}{'' if o.running else ', 未在进行'})"
                for o in g.offers
            )
            gaps.add_row(
                g.competency, g.name_zh or "", _status(g.status), _level(g.required_level),
                _level(g.developed_level), offers,
            )  # fmt: skip
        console.print(gaps)

    _emit(answer, fmt, show)
