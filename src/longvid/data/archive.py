"""Reading datasets' native archives: zip and tar members read in place, RAR through an external tool.

Free tools cannot *write* RAR, and Python's standard library cannot read it; :func:`extract_rar` uses whichever of
``unar``, ``bsdtar`` (libarchive) or ``7z`` is installed and otherwise raises :class:`ArchiveError` with the fix.
Member paths that would escape the destination (``..``, absolute) are refused.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tarfile
import tempfile
import threading
import zipfile
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from longvid.fsutil import atomic_dir

RAR_TOOLS = (  # (executable, argument list before archive and destination)
    ("unar", lambda a, d: ["unar", "-q", "-f", "-o", d, a]),
    ("bsdtar", lambda a, d: ["bsdtar", "-x", "-f", a, "-C", d]),
    ("7z", lambda a, d: ["7z", "x", "-y", f"-o{d}", a]),
)


class ArchiveError(RuntimeError):
    """An archive is unreadable, lacks a member, or needs a tool that is not installed."""


def _safe(name: str) -> str:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts:
        raise ArchiveError(f"refusing archive member with an unsafe path: {name}")
    return name


def list_members(archive: str | os.PathLike) -> list[str]:
    """Names of the file members of a zip or tar archive."""
    archive = Path(archive)
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zf:
                return [_safe(i.filename) for i in zf.infolist() if not i.is_dir()]
        with tarfile.open(archive) as tf:
            return [_safe(m.name) for m in tf.getmembers() if m.isfile()]
    except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError) as err:
        raise ArchiveError(f"{archive}: cannot read the archive ({err}); download it again") from err


@functools.lru_cache(maxsize=32)
def _handle(archive: Path, mtime: float, pid: int, thread: int):
    """An open ZipFile/TarFile, cached so that reading many members parses the directory once.

    Keyed by process and thread: a TarFile keeps one file offset, so the worker threads of
    ``longvid.data.store.preprocess`` (and any forked process) each read through their own handle.
    """
    if zipfile.is_zipfile(archive):
        return zipfile.ZipFile(archive)
    return tarfile.open(archive)


def read_member(archive: str | os.PathLike, name: str) -> bytes:
    """Bytes of one member (CRC-checked for zip); a missing or damaged member raises :class:`ArchiveError`."""
    archive = Path(archive)
    try:
        handle = _handle(archive.resolve(), archive.stat().st_mtime, os.getpid(), threading.get_ident())
        if isinstance(handle, zipfile.ZipFile):
            return handle.read(name)
        member = handle.extractfile(name)
        if member is None:
            raise KeyError(name)
        return member.read()
    except KeyError as err:
        raise ArchiveError(f"{archive}: missing member {name}") from err
    except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError, ValueError) as err:
        raise ArchiveError(f"{archive}: member {name} is damaged ({err}); download the archive again") from err


@contextmanager
def member_file(archive: str | os.PathLike, name: str):
    """Context manager giving a temporary file path that holds one member (for decoders that need a path)."""
    data = read_member(archive, name)
    suffix = PurePosixPath(name).suffix
    fd, tmp = tempfile.mkstemp(prefix="longvid_member_", suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        yield Path(tmp)
    finally:
        Path(tmp).unlink(missing_ok=True)


def rar_tool() -> str | None:
    """The first installed RAR extractor (``unar``, ``bsdtar``, ``7z``), or None."""
    for exe, _ in RAR_TOOLS:
        if shutil.which(exe):
            return exe
    return None


def extract_rar(archive: str | os.PathLike, dest: str | os.PathLike, by_hand: str | None = None) -> Path:
    """Extract a RAR archive into ``dest`` (atomically: temporary folder, then rename).

    ``by_hand`` says where a person should extract it when no tool is installed (default ``dest``).
    """
    archive, dest = Path(archive), Path(dest)
    tool = rar_tool()
    if tool is None:
        raise ArchiveError(
            f"{archive}: RAR archives need an external extractor and none of unar, bsdtar, 7z is installed. "
            f"Install one (apt-get install unar, or libarchive-tools for bsdtar) and rerun, or extract the archive "
            f"by hand into {by_hand or dest}")
    command = dict(RAR_TOOLS)[tool]
    with atomic_dir(dest) as tmp:
        result = subprocess.run(command(str(archive), str(tmp)), capture_output=True, text=True)
        if result.returncode != 0:
            raise ArchiveError(f"{archive}: {tool} failed ({result.stderr.strip()[-300:]}); download the archive again")
    return dest


def extract_all(archive: str | os.PathLike, dest: str | os.PathLike) -> Path:
    """Extract a zip/tar/rar archive into ``dest`` unless ``dest`` exists (atomic folder rename)."""
    archive, dest = Path(archive), Path(dest)
    if dest.is_dir():
        return dest
    if archive.suffix.lower() == ".rar":
        return extract_rar(archive, dest)
    with atomic_dir(dest) as tmp:
        for name in list_members(archive):
            target = tmp / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(read_member(archive, name))
    return dest
