"""What ``--store`` / ``CHANJIAO_STORE`` may name: a Neo4j URI, a file path, or ``embedded`` (the default file).

A value that is neither — ``http://…``, a misspelt scheme — used to be taken for a path, and an embedded
store was made under a directory called ``http:``; ``embedded`` made a file of that name.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from graph.errors import InvalidInputError
from graph.service import open_store
from graph.settings import EMBEDDED_FILE, Settings

runner = CliRunner()


def test_embedded_names_the_default_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["stats", "--store", "embedded", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["store"] == "embedded"
    assert [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.db")] == [EMBEDDED_FILE]
    assert not (tmp_path / "embedded").exists()


@pytest.mark.parametrize("store", ["http://127.0.0.1:7474", "bolt:/127.0.0.1:7687x://", "neo5j://db.example"])
def test_a_uri_neo4j_does_not_speak_is_refused(store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InvalidInputError, match=r"neither a Neo4j URI .*bolt://.* nor a file path"):
        open_store(Settings(store=store))
    result = runner.invoke(app, ["stats", "--store", store])
    assert result.exit_code == 1
    assert "Invalid input" in result.output and repr(store) in result.output
    assert list(tmp_path.iterdir()) == []  # nothing made


def test_an_embedded_store_waits_for_another_processs_write_as_long_as_told(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHANJIAO_WRITE_WAIT", "2.5")
    store = open_store(Settings(store=str(tmp_path / "g.db")))
    try:
        assert store.write_wait == 2.5  # type: ignore[attr-defined]
    finally:
        store.close()
