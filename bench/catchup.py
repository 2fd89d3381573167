"""What an embedded store pays to see another process's write (``python -m bench.catchup FILE``).

An API worker and the CLI, or the API's two workers, share one SQLite file: each holds the graph in memory and,
before its next read, brings it up to what the others committed. Here a reader opens the store and builds its
search index; a writer process loads a school's workbook (the demo's) into the same file and then rolls it back;
after each, the reader's first read and first search are timed. For comparison the reader then reads the whole
file again and builds its index anew — what every write of another process cost before round 17. Prints one
JSON object; the file is left as it was, but for two loads more in its audit trail.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import ROOT, module_env, run_module

#: What the reader searches for after a write: words of the demo's names.
SEARCH = "焊接 机器人"
#: A node of the demo's, which the reader must see after the load and not after the rollback.
DEMO_NODE = "program:IRAM"


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 2)


def write(path: str) -> None:
    """The writer: load the demo workbook, say its load id, wait for a line on stdin, roll the load back."""
    from graph.embedded import EmbeddedStore
    from graph.service import Chanjiao
    from loaders.pipeline import load
    from loaders.sources import DEMO_PATH
    from loaders.workbook import read_workbook
    from ontology.schema import load_schema

    schema = load_schema()
    store = EmbeddedStore(Path(path), schema)
    service = Chanjiao(store)
    report = load(service, read_workbook(DEMO_PATH, schema), source="bench: another process's write")
    print(json.dumps({"load": report.summary.load_id, "rows": report.summary.as_dict()}), flush=True)
    sys.stdin.readline()
    print(json.dumps({"rollback": service.rollback(report.summary.load_id).id}), flush=True)
    store.close()


def read(path: str) -> None:
    """The reader: the timings described above."""
    from graph.embedded import EmbeddedStore
    from ontology.schema import load_schema

    store = EmbeddedStore(Path(path), load_schema())
    store.warm()

    def first(present: bool) -> dict[str, float]:
        start = time.perf_counter()
        store.counts()
        read_ms = _ms(start)
        start = time.perf_counter()
        store.search(SEARCH, None, 20)
        search_ms = _ms(start)
        if bool(store.get_nodes([DEMO_NODE])) != present:
            raise RuntimeError(f"the reader did not see the writer's {'load' if present else 'rollback'}")
        return {"first_read_ms": read_ms, "first_search_ms": search_ms}

    writer = subprocess.Popen(
        [sys.executable, "-m", "bench.catchup", "--write", path],
        cwd=ROOT,
        env=module_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdin is not None and writer.stdout is not None

    def said() -> dict[str, Any]:
        line = writer.stdout.readline() if writer.stdout else ""
        if not line:  # its traceback went to our stderr
            raise RuntimeError(f"the writer process stopped (exit code {writer.wait(timeout=60)})")
        return json.loads(line)

    loaded = said()
    after_load = first(present=True)
    writer.stdin.write("\n")
    writer.stdin.flush()
    said()
    after_rollback = first(present=False)
    if writer.wait(timeout=3600) != 0:
        raise RuntimeError("the writer process failed")
    start = time.perf_counter()
    store._load()  # what a write of another process cost before round 17: the whole file read again
    reload_ms = _ms(start)
    start = time.perf_counter()
    store.warm()
    index_ms = _ms(start)
    store.close()
    result = {
        "rows": loaded["rows"],
        "load": after_load,
        "rollback": after_rollback,
        "reload_ms": reload_ms,
        "index_ms": index_ms,
    }
    json.dump(result, sys.stdout)


def measure(path: Path) -> dict[str, Any]:
    """``read`` in a fresh process (its own writer beside it)."""
    result: dict[str, Any] = run_module("bench.catchup", str(path))
    return result


if __name__ == "__main__":
    if sys.argv[1] == "--write":
        write(sys.argv[2])
    else:
        read(sys.argv[1])
