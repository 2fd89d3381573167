"""Typed settings, from the environment (``CHANJIAO_*``) or a ``.env`` file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from graph.neo4j_kept import KEEP_ROWS

NEO4J_SCHEMES = ("neo4j://", "neo4j+s://", "neo4j+ssc://", "bolt://", "bolt+s://", "bolt+ssc://")
#: The embedded store's file unless told otherwise (also what ``store="embedded"`` names).
EMBEDDED_FILE = "data/chanjiao.db"
#: How long an embedded store's write waits for another process's write to the file (the CLI loading a large source,
#: the API's other worker) unless told otherwise. It waits without the store's lock, so the process's reads go on.
WRITE_WAIT_S = 30.0


class Settings(BaseSettings):
    """Where the graph lives and how the service behaves.

    ``store`` is either a Neo4j URI (``neo4j://…``, ``bolt://…``, ``neo4j+s://…``
    for Aura) or the path of the embedded store's file; ``embedded`` is its default file.

    >>> Settings(store="bolt://127.0.0.1:7687").store_kind
    'neo4j'
    >>> Settings(store="demo.db").store_kind
    'embedded'
    >>> Settings(store="embedded").store
    'data/chanjiao.db'
    """

    model_config = SettingsConfigDict(env_prefix="CHANJIAO_", env_file=".env", extra="ignore")

    store: str = Field(
        EMBEDDED_FILE, description="Neo4j URI, or the embedded store's file path ('embedded': the default)"
    )
    neo4j_user: str = Field("neo4j", description="Neo4j user name")
    neo4j_password: SecretStr | None = Field(None, description="Neo4j password (none: auth disabled)")
    neo4j_database: str = Field("neo4j", description="Neo4j database name")
    neo4j_keep_rows: int = Field(
        KEEP_ROWS,
        ge=0,
        description="ids and rows of earlier questions' reads a Neo4j store keeps while the database is unchanged "
        "(0: none)",
    )
    batch_size: int = Field(1000, ge=1, le=100_000, description="rows per UNWIND batch")
    query_timeout: float = Field(30.0, gt=0, description="seconds a Neo4j read transaction may run")
    write_timeout: float | None = Field(
        None,
        gt=0,
        description="seconds a Neo4j write transaction (a whole load, or a rollback) may run "
        "(none: no limit but the server's own db.transaction.timeout)",
    )
    write_wait: float = Field(
        WRITE_WAIT_S,
        ge=0,
        description="seconds an embedded store's write waits for another process's write to the file (the CLI "
        "loading a large source, another API worker) before it fails; the process's reads go on meanwhile",
    )
    neo4j_retry_seconds: float = Field(
        5.0, ge=0, description="seconds a Neo4j transaction is retried on transient errors before failing"
    )
    cors_origins: list[str] = Field(default_factory=list, description="origins allowed to call the API from a browser")
    max_page_size: int = Field(500, ge=1, description="largest page a list endpoint returns")
    api_keys: list[str] = Field(
        default_factory=list,
        description="API keys allowed to write, as 'key-id:sha256-hex' (make one with `chanjiao key new NAME`)",
    )
    read_requires_key: bool = Field(False, description="whether reads need an API key too")
    max_upload_bytes: int = Field(20 * 1024 * 1024, ge=1, description="largest workbook upload accepted")
    rate_limit_per_minute: int = Field(
        120, ge=0, description="requests per minute each API key may make, in bursts of as many (0: no limit)"
    )
    rate_limit_file: Path | None = Field(
        None,
        description="a file the API's worker processes keep the rate limit's counts in, so that they share them "
        "(none: each process counts its own; `chanjiao serve --workers N` makes one)",
    )

    @field_validator("store")
    @classmethod
    def _store_named(cls, store: str) -> str:
        # The README's table calls it "embedded": a file of that name in the working directory is never meant.
        return EMBEDDED_FILE if store == "embedded" else store

    @property
    def store_kind(self) -> str:
        return "neo4j" if self.store.startswith(NEO4J_SCHEMES) else "embedded"


@lru_cache
def get_settings() -> Settings:
    return Settings()
