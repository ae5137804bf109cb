"""One trainer per run: a lock file in the checkpoint folder naming the holder's pid and host.

Two trainers on one checkpoint folder (an orphaned trainer beside its retried job, or a run started twice) would
interleave checkpoints and metrics rows. The lock ``<checkpoints>/train.lock`` is created atomically (written
under a private name, then hard-linked into place, which fails when it exists) and removed when training ends,
also after a stop signal. A second trainer fails with an error naming the holder. A lock whose holder is dead
(same host, no such pid: a trainer killed with ``kill -9`` or by node loss on a shared folder of this host) is
taken over with a warning; a lock from another host cannot be checked and is reported (delete it when that
host's job is gone).
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

LOCK_NAME = "train.lock"


class RunLocked(RuntimeError):
    """Another live trainer holds the run's checkpoint folder."""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


class RunLock:
    """Context manager holding ``<folder>/train.lock`` for this process."""

    def __init__(self, folder: Path, warn=print):
        self.path, self.warn = Path(folder) / LOCK_NAME, warn
        self.held = False

    def _try_create(self) -> bool:
        me = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                                       time.gmtime())}
        tmp = self.path.with_name(f".{LOCK_NAME}.{os.getpid()}.new")
        tmp.write_text(json.dumps(me) + "\n")
        try:
            os.link(tmp, self.path)  # atomic: fails if a lock exists; the lock is never seen half-written
            return True
        except FileExistsError:
            return False
        finally:
            tmp.unlink(missing_ok=True)

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(3):  # a takeover can race with another trainer doing the same: retry a few times
            if self._try_create():
                self.held = True
                return self
            holder = _read(self.path)
            pid, host = holder.get("pid"), holder.get("host")
            if host == socket.gethostname() and isinstance(pid, int) and not _alive(pid):
                self.warn(f"[train] warning: {self.path} names pid {pid} on {host}, which is not running; "
                          "taking the run over")
                self.path.unlink(missing_ok=True)
                continue
            if not holder:
                raise RunLocked(f"{self.path}: unreadable run lock; if no trainer runs on this run, delete it")
            raise RunLocked(f"{self.path.parent}: another trainer holds this run (pid {pid} on {host}, since "
                            f"{holder.get('since')}); stop it, or delete {self.path} if that process is gone")
        raise RunLocked(f"{self.path}: could not take the run lock (another trainer keeps taking it)")

    def __exit__(self, *exc):
        if self.held and _read(self.path).get("pid") == os.getpid():
            self.path.unlink(missing_ok=True)
        self.held = False
        return False
