"""A small HTTP/1.1 load generator, run as its own process on loopback (``python -m bench.apiload``).

Connections are kept alive and driven by asyncio streams with pre-built request bytes: a Python client
(httpx, requests) spends more CPU per request than the server under test, which on a 2-core machine would
measure the client. It stops by itself after ``--duration`` seconds or ``--max-requests`` requests,
whichever comes first, and prints one JSON object: requests, errors (non-2xx, broken or timed-out
responses), throughput and latency percentiles.

    python -m bench.apiload --url http://127.0.0.1:8000 --paths paths.txt --concurrency 16 --duration 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from bench.common import loadavg, percentiles


def _head(head: bytes) -> tuple[str, int, bool, bool]:
    """A response head's status, and what its headers say of the body and the connection.

    >>> _head(b"HTTP/1.1 200 OK\\r\\ncontent-length: 12\\r\\nconnection: close\\r\\n\\r\\n")
    ('200', 12, False, True)
    """
    status = head[9:12].decode("ascii", "replace")
    length = 0
    chunked = close = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value.strip())
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
        elif name == b"connection" and b"close" in value.lower():
            close = True
    return status, length, chunked, close


async def _body(reader: asyncio.StreamReader, length: int, chunked: bool, timeout: float) -> None:
    """Read (and drop) a response body of ``length`` bytes, or chunked."""
    if chunked:
        while True:
            size = int((await asyncio.wait_for(reader.readuntil(b"\r\n"), timeout)).strip(), 16)
            await asyncio.wait_for(reader.readexactly(size + 2), timeout)
            if size == 0:
                return
    elif length:
        await asyncio.wait_for(reader.readexactly(length), timeout)


async def _worker(
    host: str,
    port: int,
    requests: list[bytes],
    offset: int,
    stop_at: float,
    budget: list[int],
    latencies: list[float],
    statuses: Counter[str],
    timeout: float,
) -> None:
    reader = writer = None
    i = offset
    while time.perf_counter() < stop_at and budget[0] > 0:
        budget[0] -= 1
        try:
            if writer is None:
                reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
            assert reader is not None
            request = requests[i % len(requests)]
            i += 1
            start = time.perf_counter()
            writer.write(request)
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
            status, length, chunked, close = _head(head)
            await _body(reader, length, chunked, timeout)
            latencies.append(time.perf_counter() - start)
            statuses[status] += 1
            if close:
                writer.close()
                reader = writer = None
        except (TimeoutError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
            statuses[f"error:{type(exc).__name__}"] += 1
            if writer is not None:
                writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


async def _run(
    url: str, paths: list[str], concurrency: int, duration: float, max_requests: int, timeout: float
) -> dict[str, object]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    requests = [
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: application/json\r\n\r\n".encode() for path in paths
    ]
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    budget = [max_requests]
    start = time.perf_counter()
    stop_at = start + duration
    await asyncio.gather(
        *(
            _worker(host, port, requests, n * 7, stop_at, budget, latencies, statuses, timeout)
            for n in range(concurrency)
        )
    )
    elapsed = time.perf_counter() - start
    ok = sum(n for s, n in statuses.items() if s.startswith("2"))
    return {
        "concurrency": concurrency,
        "requests": sum(statuses.values()),
        "ok": ok,
        "errors": sum(statuses.values()) - ok,
        "statuses": dict(statuses),
        "seconds": round(elapsed, 3),
        "rps": round(ok / elapsed, 1) if elapsed else None,
        "latency": percentiles(latencies),
        "loadavg": loadavg(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--paths", required=True, type=Path, help="a file of request paths, one a line")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds, at most")
    parser.add_argument("--max-requests", type=int, default=100_000)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    args = parser.parse_args(argv)
    paths = [line for line in args.paths.read_text(encoding="utf-8").splitlines() if line]
    result = asyncio.run(_run(args.url, paths, args.concurrency, args.duration, args.max_requests, args.timeout))
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
