"""API throughput and latency: uvicorn with 2 workers over a store, loaded from a separate process on loopback.

The endpoint measured is the coverage one (``GET /programs/{id}/coverage?occupation=&level=``) when the app
has it (found in ``/openapi.json``), else one node by id (``GET /entities/Program/{id}``). The overhead is
the API's latency at concurrency 1 over the same call made in-process on the engine, measured in rounds
that alternate the two (``overhead_rounds``), so that both see the same load of a shared machine.
"""

from __future__ import annotations

import json
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from api.responses import AnswerResponse
from bench.common import ROOT, loadavg, module_env, percentiles, round_robin, run_module, say
from bench.workload import Probes
from graph.questions import Questions
from graph.service import Chanjiao
from graph.store import GraphStore

#: uvicorn's workers, as the brief asks.
WORKERS = 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``uvicorn api.main:app --workers N`` over ``store_uri``, started and stopped by us (by its pid only)."""

    def __init__(self, store_uri: str, workers: int, log: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.workers = workers
        env = module_env(CHANJIAO_STORE=store_uri)
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "api.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(workers),
            "--log-level",
            "info",
            "--no-access-log",
        ]
        self._out = log.open("w", encoding="utf-8")
        start = time.perf_counter()
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self._out, stderr=subprocess.STDOUT)
        self.startup_s = self._wait(start)

    def _wait(self, start: float, timeout: float = 900) -> float:
        """Until every worker has said "Application startup complete" (each opens the store for itself)."""
        while time.perf_counter() - start < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {self.process.returncode}: {self.log.read_text()[-2000:]}")
            text = self.log.read_text(encoding="utf-8", errors="replace")
            if text.count("Application startup complete") >= self.workers:
                return time.perf_counter() - start
            time.sleep(0.2)
        raise RuntimeError(f"uvicorn did not start within {timeout}s")

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(self.url + path, timeout=60) as response:
            return json.loads(response.read())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._out.close()


def endpoint(server: Server, wanted: str) -> tuple[str, dict[str, Any] | None]:
    """``coverage`` when asked for or (``auto``) when the app has it, else ``entity``; with the coverage route."""
    if wanted == "entity":
        return "entity", None
    paths = server.get("/openapi.json").get("paths", {})
    for path, ops in paths.items():
        if "coverage" in path and "{" in path and "get" in ops:
            params = {p["name"]: p["in"] for p in ops["get"].get("parameters", [])}
            return "coverage", {"path": path, "params": params}
    if wanted == "coverage":
        raise RuntimeError("the app has no coverage endpoint (GET …/coverage) yet")
    return "entity", None


def request_paths(kind: str, route: dict[str, Any] | None, probes: Probes) -> list[str]:
    if kind == "entity":
        return [f"/entities/Program/{quote(p, safe='')}" for p in probes.programs]
    assert route is not None
    out = []
    for pair in probes.pairs:
        path = route["path"]
        query: dict[str, Any] = {}
        for name, where in route["params"].items():
            value = {"occupation": pair.occupation, "level": pair.level}.get(name, pair.program)
            if where == "path":
                path = path.replace("{" + name + "}", quote(str(value), safe=""))
            elif name in ("occupation", "level"):
                query[name] = value
        out.append(path + ("?" + urlencode(query) if query else ""))
    return out


def engine_calls(kind: str, store: GraphStore, probes: Probes, seconds: float) -> dict[str, Any]:
    """The same calls in-process: the engine alone, and the engine plus the JSON the API sends."""

    questions = Questions(store)
    service = Chanjiao(store)
    if kind == "entity":
        calls = [lambda p=p: service.get(p, "Program") for p in probes.programs]
        served = [lambda p=p: json.dumps(service.get(p, "Program").as_dict()) for p in probes.programs]
    else:
        calls = [lambda x=x: questions.coverage(x.program, x.occupation, x.level) for x in probes.pairs]
        # As the route writes it (api.responses).
        served = [
            lambda x=x: AnswerResponse(questions.coverage(x.program, x.occupation, x.level)).body for x in probes.pairs
        ]
    out = {}
    for name, fns in (("engine", calls), ("engine_json", served)):
        for fn in fns:
            fn()
        out[name] = percentiles(round_robin(fns, seconds))
    return out


def load_test(
    server: Server, paths: list[str], concurrency: int, duration: float, max_requests: int, work: Path
) -> dict[str, Any]:
    """Run ``bench.apiload`` as a separate process against ``server``."""
    file = work / "api-paths.txt"
    file.write_text("\n".join(paths) + "\n", encoding="utf-8")
    command = [
        "--url",
        server.url,
        "--paths",
        str(file),
        "--concurrency",
        str(concurrency),
        "--duration",
        str(duration),
        "--max-requests",
        str(max_requests),
    ]
    result: dict[str, Any] = run_module("bench.apiload", *command, timeout=duration + 120)
    return result


def overhead_rounds(
    server: Server,
    paths: list[str],
    kind: str,
    store: GraphStore,
    probes: Probes,
    rounds: int,
    seconds: float,
    max_requests: int,
    work: Path,
) -> dict[str, Any]:
    """The API at concurrency 1 and the same calls in-process (``engine_calls``), alternating ``rounds`` times for
    ``seconds`` each: the ratio of their p50s per round, its median (``ratio``, ``ratio_json`` against the engine
    plus the JSON the route sends) and the middle round by ratio (``median_round``; of an even number, the lower
    of the two in the middle)."""
    measured = []
    for _ in range(rounds):
        api = load_test(server, paths, 1, seconds, max_requests, work)
        if "p50" not in api["latency"]:
            raise RuntimeError(f"no request was answered in an overhead round: {api['statuses']}")
        api_p50 = api["latency"]["p50"]
        engine = engine_calls(kind, store, probes, seconds)
        measured.append(
            {
                "api_p50": api_p50,
                "engine": engine,
                "ratio": round(api_p50 / engine["engine"]["p50"], 3),
                "ratio_json": round(api_p50 / engine["engine_json"]["p50"], 3),
            }
        )
    by_ratio = sorted(measured, key=lambda r: r["ratio"])
    return {
        "rounds": measured,
        "ratio": round(statistics.median(r["ratio"] for r in measured), 2),
        "ratio_json": round(statistics.median(r["ratio_json"] for r in measured), 2),
        "median_round": by_ratio[(len(by_ratio) - 1) // 2],
    }


def room_for_workers(kind: str, workers: int, held_mb: float, available: float) -> str | None:
    """Why ``workers`` API workers over an embedded store would not fit in memory, or None when they would.

    Each embedded worker loads the whole graph for itself: about what this process holds now (``held_mb``: the
    graph and the workload it was loaded from, so the estimate errs high). Two ×16 workers and the bench itself
    exceed this 24 GB machine; the kernel then kills the largest process, which is the bench.

    >>> room_for_workers("embedded", 2, 7168, 12288)
    'not measured: 2 workers would hold about 14.0 GB (this process holds 7.0 GB), 12.0 GB is available'
    >>> room_for_workers("embedded", 2, 2500, 12000) is None and room_for_workers("neo4j", 2, 7000, 1000) is None
    True
    """
    need = workers * held_mb
    if kind != "embedded" or need < available:
        return None
    return (
        f"not measured: {workers} workers would hold about {need / 1024:.1f} GB (this process holds "
        f"{held_mb / 1024:.1f} GB), {available / 1024:.1f} GB is available"
    )


def measure(
    store: GraphStore,
    store_uri: str,
    probes: Probes,
    work: Path,
    wanted: str,
    duration: float,
    concurrency: list[int],
    max_requests: int,
    rounds: int,
) -> dict[str, Any]:
    """Start the server, detect the endpoint, measure concurrency 1 and the given levels and ``rounds`` of the
    overhead (``overhead_rounds``), stop the server."""
    server = Server(store_uri, WORKERS, work / "uvicorn.log")
    try:
        kind, route = endpoint(server, wanted)
        paths = request_paths(kind, route, probes)
        say(f"  API up in {server.startup_s:.1f}s; endpoint {kind}: {paths[0]}")
        load_test(server, paths, 4, min(2.0, duration), 2000, work)  # warm both workers
        # The serving floor: the cheapest route (GET /health, no key, answered from memory) one at a time —
        # what uvicorn, Starlette and FastAPI cost a request whatever it asks.
        floor = load_test(server, ["/health"], 1, min(duration, 5.0), max_requests, work)
        say(f"  API floor (/health, c=1): p50 {floor['latency'].get('p50')} ms")
        runs = []
        for c in [1, *concurrency]:
            result = load_test(server, paths, c, duration, max_requests, work)
            runs.append(result)
            say(f"  API c={c}: {result['rps']} req/s, p50 {result['latency'].get('p50')} ms, {result['errors']} errors")
        overhead = overhead_rounds(server, paths, kind, store, probes, rounds, min(duration, 2.0), max_requests, work)
        say(f"  API overhead (c=1 ÷ engine, per round): {[r['ratio'] for r in overhead['rounds']]}")
    finally:
        server.stop()
    return {
        "endpoint": kind,
        "example": paths[0],
        "workers": WORKERS,
        "startup_s": round(server.startup_s, 2),
        "runs": runs,
        "overhead": overhead["ratio"],
        "overhead_vs_json": overhead["ratio_json"],
        "overhead_rounds": overhead["rounds"],
        "engine": overhead["median_round"]["engine"],
        "api_p50": overhead["median_round"]["api_p50"],
        "floor": floor,
        "best_rps": max((r["rps"] or 0) for r in runs),
        "errors": sum(r["errors"] for r in runs),
        "loadavg": loadavg(),
    }
