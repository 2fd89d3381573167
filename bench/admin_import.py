"""Neo4j's physical limit: ``neo4j-admin database import full`` of the same rows, offline, into a fresh database.

The rows (the validated batches, so exactly what the store writes) go to CSV files in the import tool's
format — one file per label and per (type, start label, end label), ids in one id space per label, typed
property columns from the ontology — and ``org.neo4j.cli.AdminTool`` is run from the jars of the bench's own
Neo4j home, with its own scratch NEO4J_HOME, so the running server's data are never touched.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from graph.records import Batch
from ontology.schema import PropertyDef, Schema

ARRAY_DELIMITER = "\x1f"  # never in the data, unlike ';' or '|'
_TYPES = {"integer": "long", "number": "double", "boolean": "boolean", "string": "string", "uri": "string"}


def _tool_seconds(summary: str) -> float | None:
    """Seconds from the tool's "IMPORT DONE in 1m 9s 937ms." line.

    >>> _tool_seconds("IMPORT DONE in 1m 9s 937ms. Imported: …")
    69.937
    """
    match = re.search(r"IMPORT DONE in ((?:\d+[hms]+\s*)+)", summary)
    if not match:
        return None
    scale = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
    return round(sum(int(n) * scale[u] for n, u in re.findall(r"(\d+)(ms|h|m|s)", match.group(1))), 3)


def _column(prop: PropertyDef) -> str:
    kind = _TYPES.get(prop.datatype, "string")
    return f"{prop.name}:{kind}[]" if prop.multi_valued else f"{prop.name}:{kind}"


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ARRAY_DELIMITER.join(str(v) for v in value)
    return value


def write_csv(batches: list[Batch], schema: Schema, folder: Path) -> tuple[list[str], int]:
    """Write ``batches`` as import CSV files; returns the tool's --nodes/--relationships arguments and the rows."""
    folder.mkdir(parents=True, exist_ok=True)
    nodes: dict[str, list[Any]] = defaultdict(list)
    edges: dict[tuple[str, str, str], list[Any]] = defaultdict(list)
    for batch in batches:
        for n in batch.nodes:
            nodes[n.label].append(n)
        for e in batch.edges:
            edges[(e.type, batch.endpoint_labels[e.source], batch.endpoint_labels[e.target])].append(e)
    args: list[str] = []
    rows = 0
    for label, items in nodes.items():
        props = [p for p in schema.node_class(label).properties.values() if p.name != "id"]
        path = folder / f"nodes-{label}.csv"
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow([f"id:ID({label})", *(_column(p) for p in props)])
            writer.writerows([n.id, *(_cell(n.props.get(p.name)) for p in props)] for n in items)
        args.append(f"--nodes={label}={path}")
        rows += len(items)
    for (rel_type, source, target), items in edges.items():
        props = list(schema.relationship(rel_type).properties.values())
        path = folder / f"rels-{rel_type}-{source}-{target}.csv"
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow([f":START_ID({source})", f":END_ID({target})", *(_column(p) for p in props)])
            writer.writerows([e.source, e.target, *(_cell(e.props.get(p.name)) for p in props)] for e in items)
        args.append(f"--relationships={rel_type}={path}")
        rows += len(items)
    return args, rows


def run_import(batches: list[Batch], schema: Schema, lib: Path, scratch: Path, java: str = "java") -> dict[str, Any]:
    """Import ``batches`` offline into a fresh database under ``scratch``; returns timings, or why it failed."""
    if not lib.is_dir() or not any(lib.glob("neo4j-*.jar")):
        return {"ok": False, "reason": f"no Neo4j jars in {lib}"}
    if shutil.which(java) is None:
        return {"ok": False, "reason": "java not found"}
    shutil.rmtree(scratch, ignore_errors=True)
    home = scratch / "home"
    (home / "conf").mkdir(parents=True)
    (home / "conf" / "neo4j.conf").write_text(
        f"server.directories.data={home / 'data'}\nserver.directories.logs={home / 'logs'}\n", encoding="utf-8"
    )
    start = time.perf_counter()
    args, rows = write_csv(batches, schema, scratch / "csv")
    csv_seconds = time.perf_counter() - start
    command = [
        java,
        "-Xmx1g",
        "-cp",
        f"{lib}/*",
        "org.neo4j.cli.AdminTool",
        "database",
        "import",
        "full",
        "neo4j",  # the database, before the file lists (which would take it for one more file)
        "--overwrite-destination=true",
        f"--array-delimiter=U+{ord(ARRAY_DELIMITER):04X}",
        "--multiline-fields=true",  # ESCO descriptions span lines
        "--threads=2",
        f"--report-file={scratch / 'import.report'}",
        *args,
    ]
    env = {**os.environ, "NEO4J_HOME": str(home), "NEO4J_CONF": str(home / "conf")}
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600, check=False)
    seconds = time.perf_counter() - start
    result: dict[str, Any] = {
        "ok": done.returncode == 0,
        "rows": rows,
        "csv_seconds": round(csv_seconds, 3),
        "import_seconds": round(seconds, 3),
        "rows_per_s": round(rows / seconds, 1) if seconds else None,
    }
    if done.returncode != 0:
        result["reason"] = (done.stderr or done.stdout)[-2000:]
    else:
        # The tool's own summary line ("IMPORT DONE in 12s 345ms.") excludes the JVM's start-up.
        summary = [line for line in done.stdout.splitlines() if "IMPORT DONE" in line]
        result["tool_summary"] = summary[-1].strip() if summary else None
        result["tool_seconds"] = _tool_seconds(result["tool_summary"] or "")
        if result["tool_seconds"]:
            result["tool_rows_per_s"] = round(rows / result["tool_seconds"], 1)
    shutil.rmtree(home / "data", ignore_errors=True)
    shutil.rmtree(scratch / "csv", ignore_errors=True)
    return result
