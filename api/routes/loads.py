"""Uploads: a school's workbook, validated before anything is written (writes need an API key)."""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import Annotated, Any

from fastapi import APIRouter, File, HTTPException, Query, Request, UploadFile

from api.deps import ServiceDep
from api.security import WriterKey
from graph.errors import Problem, ValidationError
from loaders.pipeline import load
from loaders.workbook import read_workbook

router = APIRouter(tags=["loads"])

SUFFIXES = (".xlsx", ".xlsm", ".csv", ".zip")


@router.post("/loads/workbook")
def upload_workbook(
    request: Request,
    service: ServiceDep,
    key_id: WriterKey,
    file: Annotated[UploadFile, File(description="an .xlsx workbook, one .csv sheet, or a .zip of .csv sheets")],
    dry_run: Annotated[bool, Query(description="validate only; write nothing")] = False,
    keep_valid: Annotated[bool, Query(description="write the valid rows and report the rejected ones")] = False,
) -> dict[str, Any]:
    """Upload a school workbook: every problem is reported at once, and nothing is written unless all is valid."""
    name = PurePosixPath(file.filename or "upload").name
    if not name.lower().endswith(SUFFIXES):
        raise HTTPException(415, f"{name!r}: send an .xlsx workbook, a .csv sheet or a .zip of .csv sheets")
    limit = request.app.state.settings.max_upload_bytes
    with tempfile.TemporaryDirectory(prefix="chanjiao-upload-") as tmp:
        path = Path(tmp) / name
        _save(file, path, limit)
        if name.lower().endswith(".zip"):
            path = _unzip(path, Path(tmp) / "book", limit)
        report = load(
            service,
            read_workbook(path, service.schema),
            source=f"workbook:{name}",
            dry_run=dry_run,
            keep_valid=keep_valid,
            who=key_id,
        )
    return {**report.as_dict(), "key_id": key_id}


def _save(file: UploadFile, path: Path, limit: int) -> None:
    written = 0
    with path.open("wb") as out:
        while chunk := file.file.read(1 << 20):
            written += len(chunk)
            if written > limit:
                raise HTTPException(413, f"the upload is larger than {limit} bytes")
            out.write(chunk)


def _unzip(archive: Path, folder: Path, limit: int) -> Path:
    """The .csv members of a zip, flattened into ``folder``; refuses archives that unpack beyond ``limit``."""
    try:
        with zipfile.ZipFile(archive) as book:
            members = [m for m in book.infolist() if not m.is_dir() and m.filename.lower().endswith(".csv")]
            if sum(m.file_size for m in members) > limit:
                raise HTTPException(413, f"{archive.name} unpacks to more than {limit} bytes")
            folder.mkdir()
            for member in members:
                # Only the base name: a member called "../../x.csv" must not escape the folder.
                with book.open(member) as src, (folder / PurePosixPath(member.filename).name).open("wb") as dst:
                    shutil.copyfileobj(src, dst)
    except zipfile.BadZipFile:
        raise ValidationError([Problem(archive.name, None, None, "is not a readable .zip archive")]) from None
    return folder
