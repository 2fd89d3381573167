"""The ``chanjiao`` command: a thin face over the service, for people and scripts."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeRemainingColumn
from rich.table import Table

from graph.audit import CLI
from graph.errors import ChanjiaoError, ValidationError
from graph.service import Chanjiao
from graph.settings import Settings, get_settings
from loaders.pipeline import LoadReport, load
from loaders.sources import DEMO_PATH, READERS

app = typer.Typer(
    help="chanjiao 产教: occupations, competencies and curricula as a knowledge graph.", no_args_is_help=True
)
schema_app = typer.Typer(help="The graph schema derived from the ontology.", no_args_is_help=True)
app.add_typer(schema_app, name="schema")
export_app = typer.Typer(help="Export the graph.", no_args_is_help=True)
app.add_typer(export_app, name="export")
key_app = typer.Typer(help="API keys for writes and uploads.", no_args_is_help=True)
app.add_typer(key_app, name="key")

console = Console()
err = Console(stderr=True)

StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        "-s",
        help="Neo4j URI (bolt://…, neo4j://…) or embedded store file ('embedded': data/chanjiao.db); "
        "default $CHANJIAO_STORE",
    ),
]


def settings_for(store: str | None) -> Settings:
    return Settings(store=store) if store else get_settings()


@contextmanager
def opened(store: str | None) -> Iterator[Chanjiao]:
    """The service over the chosen store; domain errors become a message and exit code 1."""
    service = None
    try:
        service = Chanjiao.open(settings_for(store))
        yield service
    except ValidationError as exc:
        err.print(f"[red]✗ {len(exc.problems)} problem(s); nothing was written:[/red]")
        for problem in exc.problems[:50]:
            err.print(f"  • {problem}", markup=False)
        if len(exc.problems) > 50:
            err.print(f"  … and {len(exc.problems) - 50} more (use --keep-valid --rejects FILE to list them all)")
        raise typer.Exit(1) from None
    except ChanjiaoError as exc:
        err.print(f"[red]✗ {exc.title}:[/red] {exc}", markup=True)
        raise typer.Exit(1) from None
    finally:
        if service is not None:
            service.close()


@app.command()
def serve(
    store: StoreOption = None,
    demo: Annotated[bool, typer.Option("--demo", help="load the demo dataset first (idempotent)")] = False,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes")] = 1,
) -> None:
    """Serve the HTTP API (docs at /docs)."""
    import uvicorn

    settings = settings_for(store)
    with opened(store) as service:
        if settings.store_kind == "neo4j":
            service.apply_schema()
        if demo:
            report = _load_demo(service)
            console.print(
                f"demo: {report.summary.nodes_created} nodes and {report.summary.edges_created} relationships created"
            )
    os.environ["CHANJIAO_STORE"] = settings.store  # the workers read their settings from the environment
    with _shared_rate_limit(settings, workers):
        get_settings.cache_clear()
        console.print(f"chanjiao on http://{host}:{port}/docs  (store: {settings.store_kind} {settings.store})")
        uvicorn.run("api.main:app", host=host, port=port, workers=workers, log_level="info")


@contextmanager
def _shared_rate_limit(settings: Settings, workers: int) -> Iterator[None]:
    """With more than one worker, a file for the rate limit's counts that they all use (unless one is set),
    removed when the server stops: each would otherwise let a key make its whole rate."""
    if workers <= 1 or settings.rate_limit_file is not None:
        yield
        return
    with tempfile.TemporaryDirectory(prefix="chanjiao-") as folder:
        os.environ["CHANJIAO_RATE_LIMIT_FILE"] = str(Path(folder) / "rate-limit.sqlite")
        try:
            yield
        finally:
            del os.environ["CHANJIAO_RATE_LIMIT_FILE"]


@app.command()
def stats(
    store: StoreOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Node counts per class and relationship counts per type."""
    with opened(store) as service:
        result = service.stats()
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    labels = {c.name: c.label_zh for c in service.schema.classes.values()}
    table = Table("class", "类", "nodes", title=f"{result['store']}: {result['total_nodes']} nodes")
    for name, count in result["nodes"].items():
        table.add_row(name, labels[name], str(count))
    console.print(table)
    rels = Table("relationship", "relationships", title=f"{result['total_relationships']} relationships")
    for name, count in result["relationships"].items():
        rels.add_row(name, str(count))
    console.print(rels)


@schema_app.command("apply")
def schema_apply(store: StoreOption = None) -> None:
    """Create the constraints and indexes the ontology implies (Neo4j; nothing to do on the embedded store)."""
    with opened(store) as service:
        applied = service.apply_schema()
    for statement in applied:
        console.print(statement, markup=False, highlight=False)
    console.print(f"[green]✓[/green] {len(applied)} statement(s) applied" if applied else "nothing to apply")


@app.command("load")
def load_command(
    source: Annotated[str, typer.Argument(help=f"what PATH holds: {', '.join(READERS)}")],
    path: Annotated[Path, typer.Argument(help="file or folder to load", exists=True)],
    store: StoreOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="validate only; write nothing")] = False,
    keep_valid: Annotated[bool, typer.Option("--keep-valid", help="write the valid rows, reject the rest")] = False,
    rejects: Annotated[Path | None, typer.Option(help="with --keep-valid: CSV file for rejected rows")] = None,
    name: Annotated[str | None, typer.Option("--name", help="source name recorded on every item")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the load report as JSON")] = False,
) -> None:
    """Load a source into the graph: validated first, all or nothing, and re-runs change nothing."""
    reader = READERS.get(source)
    if reader is None:
        err.print(f"[red]✗[/red] unknown source {source!r}; choose one of: {', '.join(READERS)}")
        raise typer.Exit(2)
    if keep_valid and rejects is None:
        rejects = Path(f"{path.stem}.rejects.csv")
    with opened(store) as service:
        report = _run_load(service, reader, path, name or f"{source}:{path.name}", dry_run, keep_valid, rejects)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        _print_report(report)


@export_app.command("rdf")
def export_rdf_command(
    path: Annotated[Path, typer.Argument(help="output file: .ttl for Turtle, .jsonld or .json for JSON-LD")],
    store: StoreOption = None,
    program: Annotated[str | None, typer.Option(help="only this program's subgraph (e.g. program:IRAM)")] = None,
) -> None:
    """Export the graph (or one program's subgraph) as RDF in the chanjiao ontology."""
    from loaders.rdf import export_rdf

    fmt = "json-ld" if path.suffix.lower() in (".jsonld", ".json") else "turtle"
    with opened(store) as service:
        export_rdf(service, fmt, program_id=program, path=path)
    console.print(f"[green]✓[/green] wrote {path} ({fmt})")


@key_app.command("new")
def key_new(
    key_id: Annotated[str, typer.Argument(help="a name for the key, recorded with every write it makes")],
) -> None:
    """Make an API key: give the secret to its holder once; configure only the hashed entry."""
    from api.security import new_key

    entry, secret = new_key(key_id)
    console.print(f"secret (give it to the key's holder; it is not stored anywhere):\n  {secret}", highlight=False)
    console.print(f"entry for CHANJIAO_API_KEYS (a JSON list of such entries):\n  {entry}", highlight=False)


@app.command()
def demo(store: StoreOption = None) -> None:
    """Load the demo dataset (a 工业机器人应用与维护 program and its occupations)."""
    with opened(store) as service:
        _print_report(_load_demo(service))


@app.command()
def template(
    path: Annotated[Path, typer.Argument(help="an .xlsx file, or a folder for CSV files")],
    with_demo: Annotated[bool, typer.Option("--demo", help="fill it with the demo dataset")] = False,
) -> None:
    """Write the school workbook template (XLSX or a CSV folder), empty or with the demo in it."""
    from loaders.templates import write_csv, write_xlsx
    from ontology.schema import load_schema

    schema = load_schema()
    parsed = READERS["workbook"](DEMO_PATH, schema) if with_demo else None
    nodes, edges = (parsed.nodes, parsed.edges) if parsed else (None, None)
    written = (
        write_xlsx(path, schema, nodes, edges)
        if path.suffix.lower() == ".xlsx"
        else write_csv(path, schema, nodes, edges)
    )
    console.print(f"[green]✓[/green] wrote {written}")


def _load_demo(service: Chanjiao) -> LoadReport:
    return _run_load(service, READERS["workbook"], DEMO_PATH, "demo", False, False, None)


def _run_load(
    service: Chanjiao, reader, path: Path, source: str, dry_run: bool, keep_valid: bool, rejects: Path | None
) -> LoadReport:
    columns = [
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    ]
    with Progress(*columns, console=err, transient=True) as bar:
        reading = bar.add_task(f"reading {path.name}", total=None)
        parsed = reader(path, service.schema)
        bar.update(reading, description=f"validating {len(parsed.nodes)} nodes, {len(parsed.edges)} relationships")
        writing = bar.add_task("writing", total=len(parsed.nodes) + len(parsed.edges), visible=False)

        def progress(done: int, total: int) -> None:
            bar.update(reading, visible=False)
            bar.update(writing, completed=done, total=total, visible=True)

        return load(
            service,
            parsed,
            source=source,
            dry_run=dry_run,
            keep_valid=keep_valid,
            reject_file=rejects,
            progress=progress,
            who=CLI,
        )


def _print_report(report: LoadReport) -> None:
    s = report.summary
    verb = "checked (dry run, nothing written)" if report.dry_run else "loaded"
    console.print(
        f"[green]✓[/green] {report.source}: {report.nodes_read} nodes, {report.edges_read} relationships {verb}"
    )
    if not report.dry_run:
        console.print(
            f"  nodes: {s.nodes_created} created, {s.nodes_updated} updated, {s.nodes_unchanged} unchanged\n"
            f"  relationships: {s.edges_created} created, {s.edges_updated} updated, {s.edges_unchanged} unchanged"
        )
    for note in report.notes:
        console.print(f"  note: {note}", markup=False)
    if report.rejected:
        console.print(
            f"[yellow]  {len(report.rejected)} row(s) rejected[/yellow] → {report.reject_file or '(not saved)'}"
        )


from api.cli_loads import register as register_loads  # noqa: E402  (it uses the helpers above)
from api.cli_questions import register  # noqa: E402  (it uses the helpers above)

register(app)
register_loads(app)

from api.cli_co import register as register_co  # noqa: E402  (it uses the helpers above)

register_co(app)

if __name__ == "__main__":
    app()
