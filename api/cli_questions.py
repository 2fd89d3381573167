"""The question commands of ``chanjiao`` (DESIGN §3, 1–9): coverage, gaps, map, orphans, whatif, demand, match,
delivery, path; and ``program``, a program at a glance.

Each runs one question of ``service.questions`` and prints it as rich tables
(the same tables, Chinese headers first, that ``api.exports`` puts in a CSV or
XLSX), or as ``--format json|csv|xlsx`` (``png|svg`` for map and coverage) on
stdout or into ``--output FILE``. Errors are a message and exit code 1.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from api import exports
from api.question_models import ResourceType, Weight
from graph.errors import InvalidInputError
from graph.questions.gaps import MAX_CANDIDATES, MAX_EMPLOYERS
from graph.service import Chanjiao

TableOut = Enum("TableOut", {f: f for f in ("table", "json", *exports.TABLES)}, type=str)
PictureOut = Enum("PictureOut", {f: f for f in ("table", "json", *exports.TABLES, *exports.PICTURES)}, type=str)
#: Formats that are files, never text on a terminal.
BINARY = ("xlsx", *exports.PICTURES)

TableFormat = Annotated[
    TableOut | None,
    typer.Option("--format", "-f", help="table (default), json, csv or xlsx; default: from --output's suffix"),
]
PictureFormat = Annotated[
    PictureOut | None,
    typer.Option(
        "--format", "-f", help="table (default), json, csv, xlsx, png or svg; default: from --output's suffix"
    ),
]
Output = Annotated[
    Path | None, typer.Option("--output", "-o", help="write to FILE (needed for xlsx, png, svg); default stdout")
]
Program = Annotated[str, typer.Argument(help="a Program id, e.g. program:IRAM")]
Occupation = Annotated[str, typer.Argument(help="an Occupation id, e.g. csco:6-31-07-03")]
MaybeOccupation = Annotated[
    str | None, typer.Option("--occupation", help="compare with this Occupation, e.g. csco:6-31-07-03")
]
LevelOption = Annotated[
    int | None, typer.Option("--level", "-l", help="skill level 1–5; default: the level the program targets")
]
RequiredLevel = Annotated[int, typer.Option("--level", "-l", help="skill level 1–5")]
IncludeOptional = Annotated[bool, typer.Option("--optional", help="count optional requirements too")]
CloseMatch = Annotated[bool, typer.Option("--close-match", help="follow CLOSE_MATCH one step too")]
WeightOption = Annotated[Weight | None, typer.Option("--weight", help="weight ratios by importance or demand")]  # type: ignore[valid-type]

# The shared helpers of ``api.cli`` (the store option, ``opened``, the consoles) are bound by ``register``:
# api.cli imports this module to register the commands, so importing them here at the top would be circular.
StoreOption: Any
opened: Callable[[str | None], AbstractContextManager[Chanjiao]]
console: Console
err: Console

match_app = typer.Typer(help="Rank occupations for a program, or programs for an occupation or employer.")

_STATUS_STYLE = {"已覆盖": "green", "等级不足": "yellow", "缺失": "red"}


def register(app: typer.Typer) -> None:
    """Add the question commands to the ``chanjiao`` app (``api.cli`` calls this once its helpers exist)."""
    global StoreOption, opened, console, err
    from api.cli import StoreOption, console, err, opened

    for name, command in (
        ("coverage", coverage),
        ("gaps", gaps),
        ("map", curriculum_map),
        ("orphans", orphans),
        ("whatif", whatif),
        ("demand", demand),
        ("delivery", delivery),
        ("path", learning_path),
        ("program", program_summary),
    ):
        app.command(name)(command)
    app.add_typer(match_app, name="match", no_args_is_help=True)


# -- output


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]✗[/red] {message}", highlight=False)
    return typer.Exit(1)


def _resolve(fmt: Enum | None, output: Path | None, allowed: type[Enum]) -> str:
    """The format to write: as asked, else --output's suffix when it names one, else a table; checked early."""
    names = [m.value for m in allowed]
    chosen = fmt.value if fmt is not None else None
    if chosen is None:
        suffix = output.suffix.lower().lstrip(".") if output else ""
        chosen = suffix if suffix in names else "table"
    if chosen in BINARY and output is None:
        raise _fail(f"--format {chosen} writes a file: give it with --output FILE")
    return str(chosen)


def _emit(
    answer: Any, fmt: str, output: Path | None, show: Callable[[Any, Console], None], service: Any = None
) -> None:
    """Print or write ``answer`` in ``fmt``; ``show(answer, console)`` prints it as tables.

    ``service`` (still open) names the program and occupation in pictures' titles.
    """
    try:
        if fmt == "table" and output is None:
            show(answer, console)
        elif fmt == "table":
            with output.open("w", encoding="utf-8") as out:  # type: ignore[union-attr]
                show(answer, Console(file=out, width=160, color_system=None))
        elif fmt == "json":
            _write_text(json.dumps(answer.as_dict(), ensure_ascii=False, indent=2) + "\n", output)
        elif fmt == "csv" and output is None:
            typer.echo(exports.to_csv(exports.sheets(answer)[0], bom=False).decode("utf-8"), nl=False)
        else:
            data = exports.render(answer, fmt, service.store.get_nodes if service is not None else None)
            assert output is not None  # _resolve asks for it
            output.write_bytes(data)
    except ImportError as exc:  # api.pictures and its drawing library are optional
        raise _fail(f"{fmt} pictures are not available here ({exc})") from None
    except OSError as exc:
        raise _fail(f"cannot write {output}: {exc.strerror or exc}") from None
    if output is not None:
        err.print(f"[green]✓[/green] wrote {output}", highlight=False)


#: Prints an answer as tables: (the open service, to name things; the answer; where to print).
Show = Callable[[Chanjiao, Any, Console], None]


def run_question(
    store: str | None,
    fmt: Enum | None,
    output: Path | None,
    formats: type[Enum],
    ask: Callable[[Chanjiao], Any],
    show: Show,
) -> None:
    """What every question command does: check the format, open the store, ask, then print or write the answer."""
    chosen = _resolve(fmt, output, formats)
    with opened(store) as service:
        answer = ask(service)
        _emit(answer, chosen, output, lambda a, out: show(service, a, out), service)


def _write_text(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


def _table(sheet: exports.Sheet, columns: list[str] | None = None, limit: int | None = None) -> Table:
    """A sheet as a rich table (only ``columns``, when given); statuses in colour."""
    keep = [i for i, h in enumerate(sheet.header) if columns is None or h in columns]
    table = Table(title=sheet.title, title_justify="left")
    for i in keep:
        # Ids stay whole; names wrap rather than being cut short.
        table.add_column(sheet.header[i], overflow="fold", no_wrap=sheet.header[i].endswith("编号"))
    for row in sheet.rows[:limit]:
        cells = []
        for i in keep:
            value = "" if row[i] is None else str(row[i])
            style = _STATUS_STYLE.get(value)
            cells.append(f"[{style}]{value}[/{style}]" if style else value.replace("[", r"\["))
        table.add_row(*cells)
    if limit is not None and len(sheet.rows) > limit:
        table.caption = f"… {len(sheet.rows) - limit} more (--format csv or xlsx for all)"
    return table


def _pct(ratio: float | None) -> str:
    return "—" if ratio is None else f"{ratio:.1%}"


def _named(service: Chanjiao, *ids: str | None) -> dict[str, str]:
    """ "name_zh (id)" for each id, for headings (the answers name their rows, not their subjects)."""
    wanted = [i for i in ids if i]
    nodes = service.store.get_nodes(wanted)
    return {i: f"{nodes[i].props.get('name_zh') or nodes[i].props.get('name_en') or ''} ({i})" for i in nodes}


def _heading(out: Console, text: str) -> None:
    out.print(f"[bold]{text}[/bold]", highlight=False)


# -- 1 coverage


def coverage(
    program: Program,
    occupation: Occupation,
    level: LevelOption = None,
    include_optional: IncludeOptional = False,
    close_match: CloseMatch = False,
    weight: WeightOption = None,
    store: StoreOption = None,
    fmt: PictureFormat = None,
    output: Output = None,
) -> None:
    """Coverage: how much of what OCCUPATION requires PROGRAM develops — overall, per dimension, per task."""

    def ask(service: Chanjiao) -> Any:
        return service.questions.coverage(
            program,
            occupation,
            level,
            include_optional=include_optional,
            close_match=close_match,
            weight=weight.value if weight else None,
        )

    run_question(store, fmt, output, PictureOut, ask, _show_coverage)


def _show_coverage(service: Chanjiao, c: Any, out: Console) -> None:
    names = _named(service, c.program, c.occupation)
    o = c.overall
    _heading(out, f"{names.get(c.program, c.program)} → {names.get(c.occupation, c.occupation)}, level {c.level}")
    out.print(
        f"覆盖率 coverage {_pct(o.ratio)}: {o.covered}/{o.total} covered, "
        f"{o.under_level} under level, {o.missing} missing"
        + (f"; weighted by {c.weight}: {_pct(o.weighted_ratio)}" if c.weight else ""),
        highlight=False,
    )
    main, summary, tasks = exports.sheets(c)
    out.print(_table(summary))
    out.print(_table(tasks, ["任务编号", "任务名称", "能力总数", "已覆盖", "等级不足", "缺失", "覆盖率(%)"]))
    columns = ["能力编号", "能力名称", "维度", "要求等级", "培养等级", "状态", "培养课程", "英文名称"]
    out.print(_table(main, columns))


# -- 2 gaps


def gaps(
    program: Program,
    occupation: Occupation,
    level: LevelOption = None,
    include_optional: IncludeOptional = False,
    close_match: CloseMatch = False,
    max_candidates: Annotated[
        int, typer.Option("--candidates", min=0, help="candidates listed per gap, the best first")
    ] = MAX_CANDIDATES,
    max_employers: Annotated[
        int, typer.Option("--employers", min=0, help="employers listed per gap, those that need the competency first")
    ] = MAX_EMPLOYERS,
    store: StoreOption = None,
    fmt: TableFormat = None,
    output: Output = None,
) -> None:
    """Gaps: the under-level and missing competencies, ranked, with tasks, employers and candidate courses."""

    def ask(service: Chanjiao) -> Any:
        return service.questions.gaps(
            program,
            occupation,
            level,
            include_optional=include_optional,
            close_match=close_match,
            max_candidates=max_candidates,
            max_employers=max_employers,
        )

    run_question(store, fmt, output, TableOut, ask, _show_gaps)


def _show_gaps(service: Chanjiao, g: Any, out: Console) -> None:
    names = _named(service, g.program, g.occupation)
    _heading(
        out,
        f"{len(g.gaps)} gap(s): {names.get(g.program, g.program)} → "
        f"{names.get(g.occupation, g.occupation)}, level {g.level}",
    )
    main, candidates = exports.sheets(g)
    columns = ["排名", "能力编号", "能力名称", "状态", "要求等级", "培养等级", "需求人数", "典型工作任务"]
    out.print(_table(main, [*columns, "相关企业", "候选课程", "英文名称"]))
    if candidates.rows:
        out.print(_table(candidates, ["能力编号", "课程编号", "学习任务编号", "名称", "培养等级", "所属专业"]))


# -- 3 curriculum map


def curriculum_map(
    program: Program,
    occupation: MaybeOccupation = None,
    level: LevelOption = None,
    include_optional: IncludeOptional = False,
    close_match: CloseMatch = False,
    store: StoreOption = None,
    fmt: PictureFormat = None,
    output: Output = None,
) -> None:
    """Curriculum map: each course of PROGRAM with the competencies it develops (level) and the tasks it teaches."""

    def ask(service: Chanjiao) -> Any:
        return service.questions.curriculum_map(
            program, occupation, level, include_optional=include_optional, close_match=close_match
        )

    run_question(store, fmt, output, PictureOut, ask, _show_map)


def _show_map(service: Chanjiao, m: Any, out: Console) -> None:
    names = _named(service, m.program, m.occupation)
    against = f" → {names.get(m.occupation, m.occupation)}, level {m.level}" if m.occupation else ""
    _heading(out, f"{names.get(m.program, m.program)}{against}: {len(m.rows)} courses × {len(m.columns)} competencies")
    # A matrix of dozens of columns does not fit a terminal: one line per course instead.
    developed: dict[str, list[str]] = {r.course: [] for r in m.rows}
    for cell in m.cells:
        developed[cell.course].append(f"{cell.competency}:{'✓' if cell.level is None else cell.level}")
    taught: dict[str, list[str]] = {r.course: [] for r in m.rows}
    for cell in m.task_cells:
        taught[cell.course].append(cell.task)
    table = Table("课程编号", "课程名称", "学期", "培养能力(等级)", "典型工作任务", "英文名称", title="课程地图")
    for r in m.rows:
        semester = "" if r.semester is None else str(r.semester)
        table.add_row(
            r.course, r.name_zh or "", semester, " ".join(developed[r.course]), " ".join(taught[r.course]),
            r.name_en or "",
        )  # fmt: skip
    out.print(table)
    if m.occupation:
        columns = exports.sheets(m)[1]
        out.print(_table(columns, ["能力编号", "能力名称", "维度", "要求等级", "状态", "英文名称"]))


# -- 4 orphans


def orphans(
    program: Program,
    occupation: MaybeOccupation = None,
    level: LevelOption = None,
    include_optional: IncludeOptional = False,
    close_match: CloseMatch = False,
    threshold: Annotated[int, typer.Option(help="courses developing a competency to call it redundant")] = 3,
    store: StoreOption = None,
    fmt: TableFormat = None,
    output: Output = None,
) -> None:
    """Orphans: courses developing nothing required, competencies developed by many courses, untaught tasks."""

    def ask(service: Chanjiao) -> Any:
        return service.questions.orphans(
            program,
            occupation,
            level,
            include_optional=include_optional,
            close_match=close_match,
            threshold=threshold,
        )

    run_question(store, fmt, output, TableOut, ask, _show_orphans)


def _show_orphans(service: Chanjiao, o: Any, out: Console) -> None:
    names = _named(service, o.program, *o.occupations)
    against = ", ".join(f"{names.get(k, k)} level {v}" for k, v in o.occupations.items())
    _heading(out, f"{names.get(o.program, o.program)} against {against}")
    out.print(
        f"{len(o.orphan_courses)} orphan course(s), {len(o.redundant)} competencies developed by "
        f"{o.threshold}+ courses, {len(o.untaught_tasks)} task(s) without a learning task",
        highlight=False,
    )
    out.print(_table(exports.sheets(o)[0]))


# -- 5 what-if


def _new_courses(values: list[str]) -> list[Any]:
    """Inline courses from --new-course values: JSON text or a JSON file, each an object or a list of them."""
    found: list[Any] = []
    for value in values:
        path = Path(value)
        text = (
            path.read_text(encoding="utf-8") if not value.lstrip().startswith(("{", "[")) and path.is_file() else value
        )
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInputError(
                f"--new-course {value[:60]!r} is neither JSON nor a JSON file: {exc.msg} (line {exc.lineno})"
            ) from None
        found.extend(parsed if isinstance(parsed, list) else [parsed])
    return found


def whatif(
    program: Program,
    occupation: Occupation,
    add: Annotated[list[str] | None, typer.Option("--add", help="an existing course to add (repeatable)")] = None,
    remove: Annotated[list[str] | None, typer.Option("--remove", help="a course to remove (repeatable)")] = None,
    new_course: Annotated[
        list[str] | None,
        typer.Option(
            "--new-course",
            help='a course described inline: JSON or a JSON file, {"name": …, "develops": '
            '[{"competency": id, "level": n}], "hours": n} (repeatable)',
        ),
    ] = None,
    level: LevelOption = None,
    include_optional: IncludeOptional = False,
    close_match: CloseMatch = False,
    weight: WeightOption = None,
    store: StoreOption = None,
    fmt: TableFormat = None,
    output: Output = None,
) -> None:
    """What-if: coverage before and after adding, removing or describing courses (nothing is written)."""

    def ask(service: Chanjiao) -> Any:
        return service.questions.whatif(
            program,
            occupation,
            level,
            add_courses=add or [],
            remove_courses=remove or [],
            new_courses=_new_courses(new_course or []),
            include_optional=include_optional,
            close_match=close_match,
            weight=weight.value if weight else None,
        )

    run_question(store, fmt, output, TableOut, ask, _show_whatif)


def _show_whatif(service: Chanjiao, w: Any, out: Console) -> None:
    names = _named(service, w.program, w.occupation)
    b, a = w.before.overall, w.after.overall
    subject = f"{names.get(w.program, w.program)} → {names.get(w.occupation, w.occupation)}, level {w.level}"
    _heading(out, f"{subject}: coverage {_pct(b.ratio)} → {_pct(a.ratio)}")
    changes, summary = exports.sheets(w)
    out.print(_table(summary))
    if changes.rows:
        out.print(_table(changes))
    else:
        out.print("no competency changes status or level", highlight=False)


# -- 6 demand


def demand(
    region: Annotated[str | None, typer.Option(help="employers in this Region, e.g. region:320500")] = None,
    industry: Annotated[str | None, typer.Option(help="employers in this Industry, e.g. ind:C34")] = None,
    year: Annotated[int | None, typer.Option(help="demand of this year; default each employer's latest")] = None,
    level: Annotated[int | None, typer.Option("--level", "-l", help="skill level 1–5; default each demand's")] = None,
    all_programs: Annotated[
        bool, typer.Option("--all-programs", help="compare every program, not only those of schools in the region")
    ] = False,
    include_optional: IncludeOptional = False,
    close_match: CloseMatch = False,
    top: Annotated[int, typer.Option(help="rows per table shown (files hold all)")] = 20,
    store: StoreOption = None,
    fmt: TableFormat = None,
    output: Output = None,
) -> None:
    """Demand alignment: employer headcount per occupation and competency against what programs develop."""

    def ask(service: Chanjiao) -> Any:
        return service.questions.demand(
            region,
            industry,
            year,
            level=level,
            include_optional=include_optional,
            close_match=close_match,
            local_programs=not all_programs,
        )

    def show(service: Chanjiao, d: Any, out: Console) -> None:
        names = _named(service, d.region, d.industry)
        scope = " · ".join(names.get(x, x) for x in (d.region, d.industry) if x) or "all regions and industries"
        _heading(out, f"{scope}: {len(d.employers)} employer(s), {len(d.unmet)} competencies in demand not covered")
        occupations, competencies, programs = exports.sheets(d)
        columns = ["排名", "职业编号", "职业名称", "等级", "需求人数", "最佳专业", "最佳覆盖率(%)", "未满足人数"]
        out.print(_table(occupations, columns, top))
        columns = ["排名", "能力编号", "能力名称", "需求权重", "需求人数", "要求等级", "培养等级", "状态"]
        out.print(_table(competencies, [*columns, "覆盖专业"], top))
        out.print(_table(programs, None, top))

    run_question(store, fmt, output, TableOut, ask, show)


# -- 7 matching


def _show_ranking(service: Chanjiao, r: Any, out: Console) -> None:
    names = _named(service, r.subject)
    level = f", level {r.level}" if r.level is not None else ""
    _heading(out, f"{len(r.entries)} {r.ranks} for {names.get(r.subject, r.subject)}{level}")
    out.print(_table(exports.sheets(r)[0]))
    for e in r.entries:
        if e.occupations:
            fits = ", ".join(f"{f.occupation} ×{f.headcount} at {f.level}: {_pct(f.ratio)}" for f in e.occupations)
            out.print(f"  {e.id}: {fits}", highlight=False)


@match_app.command("occupations")
def match_occupations(
    program: Program,
    level: RequiredLevel,
    include_optional: IncludeOptional = False,
    close_match: CloseMatch = False,
    store: StoreOption = None,
    fmt: TableFormat = None,
    output: Output = None,
) -> None:
    """The occupations PROGRAM covers best at a level."""

    def ask(service: Chanjiao) -> Any:
        return service.questions.match_occupations(
            program, level, include_optional=include_optional, close_match=close_match
        )

    run_question(store, fmt, output, TableOut, ask, _show_ranking)


@match_app.command("programs")
def match_programs(
    occupation: Occupation,
    level: RequiredLevel,
    include_optional: IncludeOptional = False,
    close_match: CloseMatch = False,
    store: StoreOption = None,
    fmt: TableFormat = None,
    output: Output = None,
) -> None:
    """The programs that cover OCCUPATION best at a level."""

    def ask(service: Chanjiao) -> Any:
        return service.questions.match_programs(
            occupation, level, include_optional=include_optional, close_match=close_match
        )

    run_question(store, fmt, output, TableOut, ask, _show_ranking)


@match_app.command("employer")
def match_employer(
    employer: Annotated[str, typer.Argument(help="an Employer id, e.g. emp:WX-LANXIN")],
    level: Annotated[int | None, typer.Option("--level", "-l", help="skill level 1–5; default each demand's")] = None,
    year: Annotated[int | None, typer.Option(help="demand of this year; default the latest")] = None,
    include_optional: IncludeOptional = False,
    close_match: CloseMatch = False,
    store: StoreOption = None,
    fmt: TableFormat = None,
    output: Output = None,
) -> None:
    """The programs that cover EMPLOYER's demand best (weighted by headcount)."""

    def ask(service: Chanjiao) -> Any:
        return service.questions.match_programs_for_employer(
            employer, level, year, include_optional=include_optional, close_match=close_match
        )

    run_question(store, fmt, output, TableOut, ask, _show_ranking)


# -- 8 delivery


def delivery(
    program: Program,
    resource_type: Annotated[
        ResourceType | None,  # type: ignore[valid-type]
        typer.Option("--resource-type", help="count only resources of this type"),
    ] = None,
    store: StoreOption = None,
    fmt: TableFormat = None,
    output: Output = None,
) -> None:
    """Delivery gaps: courses and learning tasks without a resource, a training base or a 双师型 teacher."""

    def ask(service: Chanjiao) -> Any:
        return service.questions.delivery(program, resource_type.value if resource_type else None)

    run_question(store, fmt, output, TableOut, ask, _show_delivery)


def _show_delivery(service: Chanjiao, d: Any, out: Console) -> None:
    names = _named(service, d.program)
    kind = f" of type {d.resource_type}" if d.resource_type else ""
    _heading(
        out,
        f"{names.get(d.program, d.program)}: {len(d.items)} courses and learning tasks; "
        f"{len(d.without_resource)} without a resource{kind}, {len(d.without_training_base)} without a "
        f"training base, {len(d.without_dual_qualified_teacher)} without a dual-qualified teacher",
    )
    out.print(_table(exports.sheets(d)[0]))


# -- a program at a glance


def program_summary(
    program: Program, store: StoreOption = None, fmt: TableFormat = None, output: Output = None
) -> None:
    """A program at a glance: the occupations it targets (with their levels) and the courses it includes."""
    run_question(store, fmt, output, TableOut, lambda service: service.questions.summary(program), _show_summary)


def _show_summary(_: Chanjiao, s: Any, out: Console) -> None:
    _heading(
        out, f"{s.name_zh or s.name_en or ''} ({s.program}): {len(s.targets)} target(s), {len(s.courses)} course(s)"
    )
    courses, targets = exports.sheets(s)
    out.print(_table(targets))
    out.print(_table(courses))


# -- 9 learning path


def read_profile(path: Path) -> dict[str, int | None]:
    """A learner profile from a file: JSON ({id: level} or [{competency, level}]) or CSV (competency,level).

    A blank or null level means "held, at no stated level"; levels are checked by the question itself.
    """
    if not path.is_file():
        raise InvalidInputError(f"{path}: no such file")
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".json" or text.lstrip().startswith(("{", "[")):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInputError(f"{path}, line {exc.lineno}: not JSON: {exc.msg}") from None
        rows = list(data.items()) if isinstance(data, dict) else [_pair(path, i, r) for i, r in enumerate(data, 1)]
        return {str(c): _level(path, f"entry {c!r}", v) for c, v in rows}
    profile: dict[str, int | None] = {}
    for number, row in enumerate(csv.reader(text.splitlines()), start=1):
        if (
            not row
            or not row[0].strip()
            or (number == 1 and row[0].strip().lower() in ("competency", "能力编号", "id"))
        ):
            continue
        profile[row[0].strip()] = _level(path, f"row {number}", row[1] if len(row) > 1 else None)
    return profile


def _pair(path: Path, index: int, item: Any) -> tuple[str, Any]:
    if not isinstance(item, dict) or "competency" not in item:
        raise InvalidInputError(f'{path}, entry {index}: expected {{"competency": id, "level": n}}, not {item!r}')
    return item["competency"], item.get("level")


def _level(path: Path, where: str, value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{path}, {where}: the level {value!r} is not a whole number (1–5)") from None


def learning_path(
    occupation: Occupation,
    level: RequiredLevel,
    profile: Annotated[
        Path | None,
        typer.Option(help="the learner's competencies: CSV (competency,level) or JSON ({id: level}); none: nothing"),
    ] = None,
    program: Annotated[str | None, typer.Option(help="only courses of this Program")] = None,
    include_optional: IncludeOptional = False,
    close_match: CloseMatch = False,
    store: StoreOption = None,
    fmt: TableFormat = None,
    output: Output = None,
) -> None:
    """Learning path: courses closing a learner's gaps for OCCUPATION, in prerequisite order, with resources."""

    def ask(service: Chanjiao) -> Any:
        held = read_profile(profile) if profile else {}
        return service.questions.learning_path(
            held, occupation, level, program, include_optional=include_optional, close_match=close_match
        )

    run_question(store, fmt, output, TableOut, ask, _show_path)


def _show_path(service: Chanjiao, p: Any, out: Console) -> None:
    names = _named(service, p.occupation)
    _heading(
        out,
        f"{names.get(p.occupation, p.occupation)}, level {p.level}: {len(p.gaps)} gap(s), "
        f"{len(p.steps)} course(s), {p.total_hours} hours",
    )
    steps, gaps_ = exports.sheets(p)
    out.print(_table(steps))
    out.print(_table(gaps_))
    if p.uncloseable:
        out.print(f"no course closes: {', '.join(p.uncloseable)}", highlight=False)
