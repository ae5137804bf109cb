"""Resumable, checksum-pinned downloads with ``urllib`` (no other network client).

* A file already at its destination is never fetched again (its checksum is verified when one is pinned).
* An interrupted download leaves ``<dest>.part``; the next call resumes it with an HTTP ``Range`` request (a
  server that ignores ``Range`` answers 200 and the file restarts from zero).
* Every file is pinned by sha256: the dataset module's published value, else the lock file
  (``longvid/data/checksums.lock.json``, keyed by URL), where the first complete download records it. A mismatch
  deletes the partial file and raises :class:`ChecksumError` naming the URL, both hashes and the file.
* A host that cannot be reached raises :class:`DownloadError` with the URL and the manual step (fetch it by hand
  and put it at the destination path; the same code then takes over).
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import urllib.error
import urllib.request
from pathlib import Path

from longvid.io import atomic_write_bytes

LOCK_FILE = Path(__file__).with_name("checksums.lock.json")
CHUNK = 1 << 20  # bytes per read


class DownloadError(RuntimeError):
    """The source could not be fetched; the message gives the URL and the manual step."""


class ChecksumError(DownloadError):
    """The downloaded bytes do not match the pinned sha256."""


def sha256_of(path: str | os.PathLike) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def read_lock(lock: str | os.PathLike = LOCK_FILE) -> dict:
    """The lock file's ``{url: {"sha256": ..., "size": ...}}`` (empty when absent)."""
    lock = Path(lock)
    return json.loads(lock.read_text()) if lock.is_file() else {}


def record_lock(url: str, digest: str, size: int, lock: str | os.PathLike = LOCK_FILE) -> None:
    """Pin ``url`` to ``digest`` in the lock file (atomic rewrite, keys sorted)."""
    entries = read_lock(lock)
    entries[url] = {"sha256": digest, "size": size}
    atomic_write_bytes(lock, (json.dumps(entries, indent=2, sort_keys=True) + "\n").encode())


def manual_step(url: str, dest: Path) -> str:
    """The sentence that tells a person how to fetch ``url`` by hand."""
    return f"download {url} by hand (browser, or a machine with access) and save it as {dest}; then rerun"


def _fetch(url: str, part: Path, timeout: float) -> None:
    offset = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": "longvid"})
    if offset:
        request.add_header("Range", f"bytes={offset}-")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as err:
        if err.code == 416 and offset:  # already complete
            return
        raise DownloadError(f"{url}: HTTP {err.code} {err.reason}; {manual_step(url, part.with_suffix(''))}") from err
    except (urllib.error.URLError, OSError) as err:
        raise DownloadError(f"{url}: host cannot be reached ({err}); {manual_step(url, part.with_suffix(''))}") from err
    with response:
        resumed = bool(offset) and response.status == 206  # 200 = server ignored Range: restart from zero
        total = _expected_size(response, offset if resumed else 0)
        with open(part, "ab" if resumed else "wb") as fh:
            try:
                for block in iter(lambda: response.read(CHUNK), b""):
                    fh.write(block)
            except (OSError, http.client.HTTPException) as err:
                raise DownloadError(f"{url}: connection lost after {fh.tell()} bytes ({err}); rerun to resume "
                                    f"from {part}") from err
            size = fh.tell()
    if total is not None and size != total:
        raise DownloadError(f"{url}: connection lost after {size} of {total} bytes; rerun to resume from {part}")


def _expected_size(response, offset: int) -> int | None:
    """Full size of the file from Content-Range (206) or offset + Content-Length; None when not announced."""
    content_range = response.headers.get("Content-Range", "")
    if "/" in content_range and content_range.rsplit("/", 1)[1].isdigit():
        return int(content_range.rsplit("/", 1)[1])
    length = response.headers.get("Content-Length")
    return offset + int(length) if length and length.isdigit() else None


def download(url: str, dest: str | os.PathLike, sha256: str | None = None, lock: str | os.PathLike | None = LOCK_FILE,
             timeout: float = 60.0) -> Path:
    """Fetch ``url`` to ``dest`` (resumable, pinned by ``sha256`` or the lock file); return ``dest``."""
    dest = Path(dest)
    expected = sha256 or (read_lock(lock).get(url, {}).get("sha256") if lock else None)
    if dest.is_file():
        if expected and sha256_of(dest) != expected:
            raise ChecksumError(f"{dest}: present but its sha256 differs from the pinned {expected} ({url}); "
                                "delete it and rerun to download it again")
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    _fetch(url, part, timeout)
    got = sha256_of(part)
    if expected and got != expected:
        part.unlink()
        raise ChecksumError(f"{url}: sha256 {got} does not match the pinned {expected}; the partial file was "
                            f"deleted, rerun to fetch {dest} again (or check the source)")
    if not expected and lock:
        record_lock(url, got, part.stat().st_size, lock)
    os.replace(part, dest)
    return dest
