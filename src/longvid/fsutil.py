"""Atomic file writes: a reader never sees a half-written output, an interrupted run leaves none behind.

The package's writers go through :func:`atomic_path` (files) or :func:`atomic_dir` (folders): the output is built
under a temporary name beside the target and moved into place with one ``os.replace``; on an exception the temporary
is removed and an existing target is left as it was. Two writers stream and keep their own temporary on purpose:
``sample.stream.StreamedVideo`` (a chunked memmap) and ``data.download`` (a ``.part`` file a rerun resumes).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from pathlib import Path
from typing import Iterator


def _temp_name(path: Path, suffix: str) -> Path:
    """A fresh hidden name beside ``path``: ``.<name>.<pid>.<random><suffix>``."""
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}{suffix}")


@contextlib.contextmanager
def atomic_path(path: str | Path, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary path in the target's folder; on success it replaces `path` in one `os.replace`.

    The temporary name ends in ``suffix``: writers that pick the format from the name need it (PyAV: ``.mp4``,
    ``np.save``: ``.npy``). It is created with the mode a plain ``open(path, "w")`` gives (0666 less the umask),
    not mkstemp's 0600, so outputs stay readable by the group on shared machines.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_name(path, suffix)
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


@contextlib.contextmanager
def atomic_dir(path: str | Path) -> Iterator[Path]:
    """Yield an empty temporary folder beside `path`; on success it is renamed to `path` (absent or empty)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_name(path, ".tmp")
    tmp.mkdir(mode=0o777)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def atomic_write_text(path: str | Path, text: str) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(text)
    return Path(path)


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` via a temporary file in the same folder and ``os.replace``."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)
