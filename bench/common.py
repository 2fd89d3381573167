"""Small shared helpers: percentiles, the machine's context, stores to measure, progress messages."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
#: The bench's own Neo4j (scripts/neo4j.sh with NEO4J_HOME=.neo4j-bench NEO4J_BOLT_PORT=7706 …), never the
#: one the test suite uses: the bench wipes the database it measures.
NEO4J_URI = os.environ.get("CHANJIAO_BENCH_NEO4J_URI", "bolt://127.0.0.1:7706")
NEO4J_HOME = Path(os.environ.get("CHANJIAO_BENCH_NEO4J_HOME", ROOT / ".neo4j-bench"))

_T0 = time.perf_counter()


def say(message: str) -> None:
    """A progress line on stderr, with the elapsed time and the load average (the machine is shared)."""
    load = os.getloadavg()[0]
    print(f"[bench {time.perf_counter() - _T0:7.1f}s load {load:4.2f}] {message}", file=sys.stderr, flush=True)


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50/p95/p99, mean and count of ``samples`` (seconds) in milliseconds (nearest-rank percentiles)."""
    if not samples:
        return {"n": 0}
    ordered = sorted(samples)

    def rank(q: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))] * 1000

    return {
        "n": len(ordered),
        "p50": round(rank(0.50), 3),
        "p95": round(rank(0.95), 3),
        "p99": round(rank(0.99), 3),
        "mean": round(statistics.fmean(ordered) * 1000, 3),
        "max": round(ordered[-1] * 1000, 3),
    }


def round_robin(calls: list[Callable[[], Any]], seconds: float) -> list[float]:
    """The duration of each call, made in turn over and over for ``seconds`` (at least one pass)."""
    samples: list[float] = []
    deadline = time.perf_counter() + seconds
    while not samples or time.perf_counter() < deadline:
        for call in calls:
            start = time.perf_counter()
            call()
            samples.append(time.perf_counter() - start)
    return samples


def module_env(**extra: str) -> dict[str, str]:
    """The environment of a bench subprocess: this one's, the project on the path, and ``extra``."""
    return {**os.environ, "PYTHONPATH": str(ROOT), **extra}


def run_module(module: str, *args: str, timeout: float = 3600) -> Any:
    """``python -m module args`` in a fresh process from the project's root; what it printed, one JSON value."""
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env=module_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )
    return json.loads(done.stdout)


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def rss_mb() -> float:
    """This process's resident set size (VmRSS), MB."""
    return proc_kb("/proc/self/status", "VmRSS") / 1024


def peak_rss_mb() -> float:
    """This process's peak resident set size (VmHWM), MB."""
    return proc_kb("/proc/self/status", "VmHWM") / 1024


def available_mb() -> float:
    """The memory the kernel could give processes now without swapping (MemAvailable), MB."""
    return proc_kb("/proc/meminfo", "MemAvailable") / 1024


def proc_kb(path: str, field: str) -> float:
    """The kB of ``field`` in a ``/proc`` file of ``Name:  value kB`` lines (0 when it has none)."""
    with open(path, encoding="ascii") as lines:
        for line in lines:
            if line.startswith(field + ":"):
                return float(line.split()[1])
    return 0.0


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    cpu = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), "")
    except OSError:
        pass
    mem_gb = 0.0
    with contextlib.suppress(OSError):
        mem_gb = proc_kb("/proc/meminfo", "MemTotal") / 1024 / 1024
    import neo4j
    import networkx

    java = ""
    try:
        done = subprocess.run(["java", "-version"], capture_output=True, text=True, timeout=30, check=False)
        java = (done.stderr or done.stdout).splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        pass
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", "graph", "loaders", "api"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        commit, dirty = "", ""
    return {
        # The store and engine measured are the working tree's: other work in progress shows as "dirty".
        "commit": commit + (" + uncommitted changes in graph/, loaders/ or api/" if dirty else ""),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_gb, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "neo4j_driver": neo4j.__version__,
        "networkx": networkx.__version__,
        "java": java,
        "loadavg_start": loadavg(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


@dataclass
class StoreSpec:
    """A store under measurement: its kind, and how to open a fresh, empty one."""

    kind: str  # "embedded" or "neo4j"
    uri: str  # Neo4j URI or embedded file
