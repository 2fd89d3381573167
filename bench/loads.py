"""Load throughput: the pipeline (validate + write) per source and store, against the bare scripts on the same rows."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from bench import bare
from bench.common import loadavg, say, timed
from bench.workload import Source, Workload
from graph.records import Batch, WriteSummary
from graph.service import Chanjiao
from graph.store import GraphStore
from graph.validation import check
from loaders.pipeline import load
from ontology.schema import Schema


class Batches:
    """The validated batch of each source, in load order, as the pipeline would write it into an empty store.

    Validated in memory (labels of earlier sources from a dict), so the bare scripts get exactly the rows
    the store writes — typed, with ``source`` set, rejected rows (ESCO's few dangling references) left out.
    Kept when the workload is small; above ``keep_rows`` they are validated again each time they are
    iterated, one source at a time, so that ×16 does not hold every row twice.
    """

    def __init__(self, workload: Workload, schema: Schema, keep_rows: int = 2_000_000) -> None:
        self.workload = workload
        self.schema = schema
        self._kept = list(_prepare(workload, schema)) if workload.rows <= keep_rows else None

    def __iter__(self) -> Iterator[tuple[Source, Batch]]:
        return iter(self._kept) if self._kept is not None else _prepare(self.workload, self.schema)

    def only(self, name: str) -> list[tuple[Source, Batch]]:
        """The batch of one source (validating only as far as that source)."""
        for source, batch in self:
            if source.name == name:
                return [(source, batch)]
        return []


def _prepare(workload: Workload, schema: Schema) -> Iterator[tuple[Source, Batch]]:
    known: dict[str, str] = {}
    for source in workload.sources:
        batch, _ = check(
            schema,
            source.parsed.nodes,
            source.parsed.edges,
            lambda ids: {i: known[i] for i in ids if i in known},
            source.name,
            None,
        )
        known.update((n.id, n.label) for n in batch.nodes)
        yield source, batch


def _rows(batch: Batch) -> int:
    return len(batch.nodes) + len(batch.edges)


class _Split:
    """Wraps ``store.write`` to time the write apart from the validation that precedes it in ``load``."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self.write_seconds = 0.0
        self._write = store.write

    def __enter__(self) -> _Split:
        def write(batch: Batch, *args: Any, **kwargs: Any) -> WriteSummary:
            summary, seconds = timed(lambda: self._write(batch, *args, **kwargs))
            self.write_seconds += seconds
            return summary

        self.store.write = write  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        del self.store.write  # back to the class's method


def pipeline(service: Chanjiao, sources: list[Source], label: str) -> dict[str, Any]:
    """Load each source through ``loaders.pipeline.load`` (keep-valid: ESCO has a few dangling references)."""
    out: dict[str, Any] = {}
    for source in sources:
        with _Split(service.store) as split:
            report, seconds = timed(lambda s=source: load(service, s.parsed, source=s.name, keep_valid=True))
        written = report.summary.as_dict()
        out[source.name] = {
            "rows_read": source.rows,
            "rejected": len(report.rejected),
            "parse_s": None if source.parse_seconds is None else round(source.parse_seconds, 3),
            "validate_s": round(seconds - split.write_seconds, 3),
            "write_s": round(split.write_seconds, 3),
            "pipeline_s": round(seconds, 3),
            "summary": written,
            "loadavg": loadavg(),
        }
        say(f"  {label} {source.name}: {source.rows} rows in {seconds:.1f}s (write {split.write_seconds:.1f}s)")
    return out


def bare_loads(batches: Iterable[tuple[Source, Batch]], write: Callable[[Batch], None], label: str) -> dict[str, Any]:
    out = {}
    for source, batch in batches:
        _, seconds = timed(lambda b=batch: write(b))
        out[source.name] = {"rows": _rows(batch), "bare_s": round(seconds, 3), "loadavg": loadavg()}
        say(f"  {label} bare {source.name}: {_rows(batch)} rows in {seconds:.1f}s")
    return out


def combine(piped: dict[str, Any], bared: dict[str, Any]) -> dict[str, Any]:
    """Per source: rows/s of the pipeline and of the bare script, and their ratio (time / bare time)."""
    out = {}
    for name, p in piped.items():
        b = bared.get(name, {})
        rows = b.get("rows") or p["rows_read"]
        entry = {**p, "rows": rows, "bare_s": b.get("bare_s")}
        entry["rows_per_s"] = round(rows / p["pipeline_s"], 1) if p["pipeline_s"] else None
        if b.get("bare_s"):
            entry["bare_rows_per_s"] = round(rows / b["bare_s"], 1)
            entry["ratio"] = round(p["pipeline_s"] / b["bare_s"], 2)
            entry["write_ratio"] = round(p["write_s"] / b["bare_s"], 2)
        out[name] = entry
    return out


def embedded_bare(batches: Iterable[tuple[Source, Batch]], schema: Schema, path: Path) -> dict[str, Any]:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    target = bare.EmbeddedBare(path, schema)
    try:
        return bare_loads(batches, target.load, "embedded")
    finally:
        target.close()
        del target
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def neo4j_bare(batches: Iterable[tuple[Source, Batch]], store: GraphStore, schema: Schema) -> dict[str, Any]:
    driver = store.driver  # type: ignore[attr-defined]
    store.clear()
    try:
        return bare_loads(batches, lambda b: bare.neo4j_load(driver, schema, b, store.database), "neo4j")  # type: ignore[attr-defined]
    finally:
        store.clear()


def reload(service: Chanjiao, source: Source) -> dict[str, Any]:
    """Load ``source`` again: everything unchanged (the idempotent re-run a data engineer makes)."""
    with _Split(service.store) as split:
        report, seconds = timed(lambda: load(service, source.parsed, source=source.name, keep_valid=True))
    return {
        "source": source.name,
        "rows": source.rows,
        "pipeline_s": round(seconds, 3),
        "validate_s": round(seconds - split.write_seconds, 3),
        "write_s": round(split.write_seconds, 3),
        "summary": report.summary.as_dict(),
        "loadavg": loadavg(),
    }
