"""Access: keys on every write, a rate per key, bounded bodies, CORS an allow-list, secrets from the environment."""

from __future__ import annotations

import hmac
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import uvicorn
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api import cli
from api.app import create_app
from api.ratelimit import RateLimiter
from api.security import KeyRing, new_key
from graph.service import Chanjiao
from graph.settings import Settings
from tests.conftest import serving

ROOT = Path(__file__).resolve().parents[1]
ENTRY, SECRET = new_key("registrar")
OTHER_ENTRY, OTHER_SECRET = new_key("vendor")
COURSE = b"id,category\ncourse:A,integrated\n"


@pytest.fixture
def embedded(tmp_path: Path) -> Chanjiao:
    from graph.embedded import EmbeddedStore
    from ontology.schema import load_schema

    return Chanjiao(EmbeddedStore(tmp_path / "access.db", load_schema()))


def client_for(service: Chanjiao, **settings: object) -> TestClient:
    service.settings = Settings(store="unused", api_keys=[ENTRY, OTHER_ENTRY], **settings)  # type: ignore[arg-type]
    return TestClient(create_app(service=service))


def test_every_write_route_needs_a_key(embedded: Chanjiao) -> None:
    """Every operation that is not a GET writes, except the two questions asked by POST: none goes without a key."""
    client = client_for(embedded)
    paths = client.get("/openapi.json").json()["paths"]
    writes = [(method, path) for path, ops in paths.items() for method in ops if method != "get"]
    read_only_posts = {"/programs/{program_id}/whatif", "/learning-path"}  # questions sent as JSON: nothing written
    assert ("post", "/loads/workbook") in writes and ("post", "/loads/{load_id}/rollback") in writes
    for method, path in writes:
        if path in read_only_posts:
            continue
        assert any(s.get("APIKeyHeader") is not None for s in paths[path][method].get("security", [])), path
        url = path.replace("{load_id}", "1")
        for key in (None, "not-a-key"):
            headers = {"X-API-Key": key} if key else {}
            response = client.request(method, url, headers=headers, files={"file": ("Course.csv", COURSE)})
            assert response.status_code == 401, (method, path, response.text)
    assert embedded.stats()["total_nodes"] == 0 and embedded.loads()[1] == 0


def test_keys_are_hashed_and_every_hash_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    entries = [new_key(f"k{i}")[0] for i in range(5)]
    assert all(len(e.rpartition(":")[2]) == 64 for e in entries)  # only the SHA-256 is configured
    compared = []
    real = hmac.compare_digest

    def counting(a: str, b: str) -> bool:
        compared.append(1)
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", counting)
    ring = KeyRing([*entries, ENTRY])
    assert ring.identify(SECRET) == "registrar"
    assert len(compared) == 6  # no early exit that would time which key matched
    with pytest.raises(ValueError, match="is not 'key-id:sha256-hex'"):
        KeyRing(["registrar:plain-secret"])


class TestRateLimit:
    def test_a_key_over_its_rate_gets_429_with_retry_after(self, embedded: Chanjiao) -> None:
        client = client_for(embedded, rate_limit_per_minute=3)
        key = {"X-API-Key": SECRET}
        assert [client.get("/loads", headers=key).status_code for _ in range(3)] == [200, 200, 200]
        refused = client.post("/loads/workbook", headers=key, files={"file": ("Course.csv", COURSE)})
        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        assert int(refused.headers["retry-after"]) == 20  # one request back every 60/3 s
        body = refused.json()
        assert body["title"] == "Too many requests" and "'registrar' may make 3 requests a minute" in body["detail"]
        assert embedded.stats()["total_nodes"] == 0  # the refused upload wrote nothing
        assert client.get("/loads", headers={"X-API-Key": OTHER_SECRET}).status_code == 200  # per key
        assert client.get("/health").status_code == 200  # open reads are not counted against anyone

    def test_keyed_reads_count_too_and_zero_means_no_limit(self, embedded: Chanjiao) -> None:
        limited = client_for(embedded, rate_limit_per_minute=1, read_requires_key=True)
        key = {"X-API-Key": SECRET}
        assert [limited.get("/entities/Course", headers=key).status_code for _ in range(2)] == [200, 429]
        free = client_for(embedded, rate_limit_per_minute=0)
        assert {free.get("/loads", headers=key).status_code for _ in range(50)} == {200}

    def test_the_bucket_refills(self) -> None:
        now = [0.0]
        limiter = RateLimiter(60, clock=lambda: now[0])
        assert all(limiter.wait("k") == 0.0 for _ in range(60))
        assert limiter.wait("k") == pytest.approx(1.0)
        now[0] = 1.0
        assert limiter.wait("k") == 0.0
        now[0] = 1000.0  # a long pause refills to the burst, not beyond
        assert sum(limiter.wait("k") == 0.0 for _ in range(100)) == 60

    def test_servers_sharing_a_file_share_each_keys_rate(self, tmp_path: Path) -> None:
        """Two servers over one store and one rate-limit file, as ``chanjiao serve --workers 2`` runs its workers:
        a key gets its rate once between them, not once from each."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("CHANJIAO_")}
        env |= {
            "CHANJIAO_STORE": str(tmp_path / "shared.db"),
            "CHANJIAO_API_KEYS": json.dumps([ENTRY]),
            "CHANJIAO_RATE_LIMIT_PER_MINUTE": "4",
            "CHANJIAO_RATE_LIMIT_FILE": str(tmp_path / "rate-limit.sqlite"),
        }
        command = [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1"]
        with serving(command, env, tmp_path / "a.log") as a, serving(command, env, tmp_path / "b.log") as b:
            statuses = [_status(f"{url}/loads", SECRET) for _ in range(4) for url in (a, b)]
        assert statuses == [200] * 4 + [429] * 4

    def test_serve_gives_its_workers_one_file_and_removes_it(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        files: dict[int, str | None] = {}

        def run(app: str, **options: Any) -> None:
            files[options["workers"]] = path = os.environ.get("CHANJIAO_RATE_LIMIT_FILE")
            assert path is None or Path(path).parent.is_dir()

        monkeypatch.setattr(uvicorn, "run", run)
        monkeypatch.setenv("CHANJIAO_STORE", "unused")  # serve sets it for its workers; restored afterwards
        monkeypatch.delenv("CHANJIAO_RATE_LIMIT_FILE", raising=False)
        for workers in (1, 2):
            served = CliRunner().invoke(
                cli.app, ["serve", "--store", str(tmp_path / "s.db"), "--workers", str(workers)]
            )
            assert served.exit_code == 0, served.output
        shared = files[2]
        assert files[1] is None and shared is not None and Path(shared).name == "rate-limit.sqlite"
        assert not Path(shared).parent.exists() and "CHANJIAO_RATE_LIMIT_FILE" not in os.environ

    def test_limiters_over_one_file_take_from_one_bucket(self, tmp_path: Path) -> None:
        now = [1000.0]
        shared = tmp_path / "not yet made" / "rate.sqlite"  # its folder is made, as a setting may name a new one
        workers = [RateLimiter(2, clock=lambda: now[0], shared=shared) for _ in range(2)]
        assert [w.wait("k") for w in workers] == [0.0, 0.0]
        assert workers[0].wait("k") == pytest.approx(30.0) and workers[1].wait("other") == 0.0
        now[0] += 30.0
        assert workers[1].wait("k") == 0.0 and workers[0].wait("k") > 0


def _status(url: str, secret: str) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"X-API-Key": secret}), timeout=30) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


class TestSize:
    def test_a_declared_oversized_body_is_413_on_every_write_route(self, embedded: Chanjiao) -> None:
        client = client_for(embedded, max_upload_bytes=1000)
        big = b"x" * 100_000
        for url in ("/loads/workbook", "/loads/1/rollback", "/learning-path"):
            response = client.post(url, content=big, headers={"X-API-Key": SECRET, "Content-Type": "text/csv"})
            assert response.status_code == 413, (url, response.text)
            assert response.json()["title"] == "Payload too large"

    def test_a_chunked_body_without_a_length_is_stopped_at_the_limit(self, embedded: Chanjiao) -> None:
        client = client_for(embedded, max_upload_bytes=1000)
        sent = []

        def chunks():
            head = b'--b\r\nContent-Disposition: form-data; name="file"; filename="Course.csv"\r\n\r\n'
            yield head + COURSE
            for _ in range(200):
                sent.append(1)
                yield b"course:X,integrated\n" * 100

        response = client.post(
            "/loads/workbook",
            content=chunks(),
            headers={"X-API-Key": SECRET, "Content-Type": "multipart/form-data; boundary=b"},
        )
        assert response.status_code == 413, response.text
        assert "requests are limited to 1000 bytes" in response.json()["detail"]
        assert embedded.stats()["total_nodes"] == 0


def test_cors_is_an_allow_list(embedded: Chanjiao) -> None:
    client = client_for(embedded, cors_origins=["https://curriculum.example.edu"])
    allowed = client.get("/health", headers={"Origin": "https://curriculum.example.edu"})
    assert allowed.headers["access-control-allow-origin"] == "https://curriculum.example.edu"
    other = client.get("/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    preflight = client.options(
        "/loads/workbook",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers
    closed = client_for(embedded)  # no origins configured: no CORS headers at all
    assert "access-control-allow-origin" not in closed.get("/health", headers={"Origin": "https://a.example"}).headers


class TestSecrets:
    def test_settings_hold_no_secret_by_default(self) -> None:
        defaults = Settings(_env_file=None)  # type: ignore[call-arg]
        assert defaults.neo4j_password is None and defaults.api_keys == []
        assert "secret" not in repr(Settings(_env_file=None, neo4j_password="secret"))  # type: ignore[call-arg]

    def test_compose_has_no_working_default_password(self) -> None:
        compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
        auth = compose["services"]["neo4j"]["environment"]["NEO4J_AUTH"]
        assert auth.startswith("neo4j/${NEO4J_PASSWORD:?"), "compose must refuse to start without a password"
        for service in compose["services"].values():
            for name, value in (service.get("environment") or {}).items():
                if "PASSWORD" in name or "AUTH" in name or "KEY" in name:
                    assert "${" in str(value) and ":-" not in str(value), (name, value)
        assert "ENV CHANJIAO_NEO4J_PASSWORD" not in (ROOT / "Dockerfile").read_text(encoding="utf-8")

    def test_no_secret_files_are_tracked(self) -> None:
        tracked = subprocess.run(
            ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.splitlines()
        assert not [f for f in tracked if Path(f).name in (".env", ".env.local") or f.endswith((".pem", ".key"))]
        ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
        assert ".env" in ignored
