"""``chanjiao loads``: the audit trail on the command line — list the loads, roll one back.

Writes made here are recorded as made by ``cli``.
"""

# No ``from __future__ import annotations``: typer reads the options' annotations when
# ``register`` defines the commands, and they name helpers local to it.

import json
from typing import Annotated

import typer
from rich.table import Table

from graph.audit import CLI, LoadEntry


def register(app: typer.Typer) -> None:
    """Add ``chanjiao loads list|rollback`` (``api.cli`` calls this once its helpers exist)."""
    from api.cli import StoreOption, console, opened

    loads_app = typer.Typer(help="The audit trail: every write, who made it, and rolling one back.")
    app.add_typer(loads_app, name="loads", no_args_is_help=True)

    @loads_app.command("list")
    def list_loads(
        store: StoreOption = None,
        limit: Annotated[int, typer.Option(help="how many, newest first")] = 20,
        offset: Annotated[int, typer.Option(help="how many of the newest to skip")] = 0,
        as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    ) -> None:
        """List the loads, newest first: who wrote, when, from which source, what changed."""
        with opened(store) as service:
            entries, count = service.loads(offset, limit)
        if as_json:
            data = [e.as_dict() for e in entries]
            typer.echo(json.dumps({"data": data, "count": count}, ensure_ascii=False, indent=2))
            return
        table = Table("id", "operation", "who", "at (UTC)", "source", "changes", "status", title=f"{count} load(s)")
        for entry in entries:
            table.add_row(
                str(entry.id), entry.operation, entry.who, entry.at, entry.source or "", _changes(entry), _status(entry)
            )
        console.print(table)

    @loads_app.command("rollback")
    def rollback(
        load_id: Annotated[int, typer.Argument(help="the load's id (see `chanjiao loads list`)", min=1)],
        store: StoreOption = None,
    ) -> None:
        """Undo a load as a unit: what it created is removed, what it updated gets its previous values back.

        Refused, changing nothing, when a later change to one of its items would be lost.
        """
        with opened(store) as service:
            entry = service.rollback(load_id, who=CLI)
        console.print(f"[green]✓[/green] load {load_id} rolled back (as load {entry.id}): {_changes(entry)}")


def _changes(entry: LoadEntry) -> str:
    return ", ".join(f"{name.replace('_', ' ')} {n}" for name, n in entry.counts.items() if n) or "nothing changed"


def _status(entry: LoadEntry) -> str:
    if entry.reverts is not None:
        return f"undid load {entry.reverts}"
    return f"rolled back by {entry.rolled_back_by}" if entry.rolled_back_by is not None else ""
