"""The web page's files (api/web) and how /ui serves them; no browser needed (tests/test_web_ui.py drives one).

The page works offline (it loads nothing from outside the API), shows every string in Chinese and
English (one table, the same keys and placeholders in both), and /ui serves only the page's own files.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.routes import web
from graph.embedded import EmbeddedStore
from graph.service import Chanjiao
from ontology.schema import Schema

WEB = Path(web.__file__).resolve().parents[1] / "web"
ASSET_FILES = sorted(p for p in WEB.iterdir() if p.is_file())


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    app.include_router(web.router)
    return TestClient(app)


def strings(language: str) -> dict[str, str]:
    """The ``language`` table of api/web/i18n.js: ``"key": "text"`` (or ``key: "text"``) lines."""
    source = (WEB / "i18n.js").read_text(encoding="utf-8")
    block = re.search(rf"^  {language}: \{{\n(.*?)^  \}},?$", source, re.S | re.M)
    assert block, f"no {language} table in i18n.js"
    pairs = re.findall(r'^\s+"?([\w.]+)"?:\s*"((?:[^"\\]|\\.)*)",?$', block.group(1), re.M)
    assert pairs, f"the {language} table is empty"
    return dict(pairs)


def test_the_app_serves_the_page(tmp_path: Path, schema: Schema) -> None:
    """api/app.py includes the router: /ui answers on the real app, outside the OpenAPI document."""
    store = EmbeddedStore(tmp_path / "empty.db", schema)
    client = TestClient(create_app(service=Chanjiao(store)))
    response = client.get("/ui/")
    assert response.status_code == 200, "include api.routes.web.router in api/app.py"
    assert "<main" in response.text
    assert not any(path.startswith("/ui") for path in client.get("/openapi.json").json()["paths"])
    store.close()


def test_ui_redirects_to_the_page(client: TestClient) -> None:
    response = client.get("/ui", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "ui/"  # relative: works behind a path prefix
    assert client.get("/ui").url.path == "/ui/"


def test_the_page_and_its_headers(client: TestClient) -> None:
    response = client.get("/ui/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert '<html lang="zh-CN">' in response.text  # Chinese first
    assert client.head("/ui/").status_code == 200


@pytest.mark.parametrize(
    ("name", "media"),
    [
        ("app.js", "text/javascript; charset=utf-8"),
        ("i18n.js", "text/javascript; charset=utf-8"),
        ("style.css", "text/css; charset=utf-8"),
        ("favicon.svg", "image/svg+xml"),
    ],
)
def test_assets_have_their_media_types(client: TestClient, name: str, media: str) -> None:
    response = client.get(f"/ui/{name}")
    assert response.status_code == 200
    assert response.headers["content-type"] == media
    assert response.content == (WEB / name).read_bytes()


def test_unchanged_assets_are_not_sent_again(client: TestClient) -> None:
    first = client.get("/ui/app.js")
    assert first.headers["cache-control"] == "no-cache"
    again = client.get("/ui/app.js", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


@pytest.mark.parametrize(
    "path",
    [
        "/ui/nothing.js",
        "/ui/../routes/web.py",
        "/ui/%2e%2e/routes/web.py",
        "/ui/..%2Froutes%2Fweb.py",
        "/ui/.hidden",
        "/ui/app.js/",
        "/ui//etc/passwd",
        "/ui/%2Fetc%2Fpasswd",
    ],
)
def test_only_the_page_files_are_served(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404, path
    assert b"router" not in response.content and b"root:" not in response.content


def test_files_of_other_kinds_are_not_served(client: TestClient, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(web, "ASSETS", tmp_path)
    (tmp_path / "notes.py").write_text("secret = 1\n")
    (tmp_path / "index.html").write_text("<main></main>")
    assert client.get("/ui/notes.py").status_code == 404
    assert client.get("/ui/").status_code == 200


def test_the_page_loads_nothing_from_outside() -> None:
    """Works offline: no CDN, no web font, no absolute URL except the SVG namespace."""
    allowed = {"http://www.w3.org/2000/svg"}
    for path in ASSET_FILES:
        text = path.read_text(encoding="utf-8")
        found = set(re.findall(r"https?://[^\s\"'`)<>\\]+", text)) - allowed
        assert not found, f"{path.name} refers to {found}"
        assert "@import" not in text and "url(" not in text.replace("url(#arrow)", ""), path.name
        assert "//cdn" not in text and "fonts.googleapis" not in text, path.name
    html = (WEB / "index.html").read_text(encoding="utf-8")
    for ref in re.findall(r'(?:src|href)="([^"#]+)"', html):
        assert "/" not in ref and (WEB / ref).is_file(), ref  # only files shipped next to the page


def test_both_languages_have_the_same_strings() -> None:
    zh, en = strings("zh"), strings("en")
    assert set(zh) == set(en), f"only zh: {set(zh) - set(en)}; only en: {set(en) - set(zh)}"
    for key in zh:
        assert set(re.findall(r"\{(\w+)\}", zh[key])) == set(re.findall(r"\{(\w+)\}", en[key])), key
        assert zh[key].strip() and en[key].strip(), key


def test_every_string_the_page_asks_for_exists() -> None:
    zh = strings("zh")
    used = set()
    for name in ("app.js",):
        source = (WEB / name).read_text(encoding="utf-8")
        used |= set(re.findall(r"\bt\(\s*\"([\w.]+)\"", source))
        # keys built from a value: t(`status.${status}`) and the like
        for prefix in re.findall(r"\bt\(\s*`([\w.]+)\$\{", source):
            assert any(key.startswith(prefix) for key in zh), prefix
    html = (WEB / "index.html").read_text(encoding="utf-8")
    used |= set(re.findall(r'data-i18n(?:-aria|-placeholder)?="([\w.]+)"', html))
    assert used, "found no t(...) calls"
    missing = sorted(used - set(zh))
    assert not missing, f"strings used but not in i18n.js: {missing}"
    for status in ("covered", "under_level", "missing"):  # the engine's statuses, each with a name and a meaning
        assert f"status.{status}" in zh and f"sum.means.{status}" in zh


def test_the_chinese_table_is_chinese() -> None:
    zh = strings("zh")
    han = re.compile(r"[\u4e00-\u9fff]")
    latin_only = [k for k, v in zh.items() if not han.search(v) and k not in {"app.name"}]
    # a few strings are names that read the same in both (API 密钥 has Han; "XLSX" would not)
    assert not latin_only, f"zh strings without Chinese: {latin_only}"
