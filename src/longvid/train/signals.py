"""Stop signals: SLURM's warning before a time limit (SIGUSR1 / SIGTERM) ends training with a resume checkpoint.

At a time limit SLURM signals *every* process of the job, the DataLoader workers too. Workers must not die of it
(the trainer would crash with "DataLoader worker ... killed by signal" before writing ``interrupt.pt``), so they
ignore the stop signals (:func:`ignore_stop_signals`, their ``worker_init_fn``) and are torn down by the trainer
as usual. A signal that arrives while the workers are being forked is held back (:func:`stop_signals_blocked`)
and delivered to the trainer once they ignore it. The trainer records the signal (:class:`StopFlag`), finishes the
iteration, writes ``interrupt.pt`` and exits with ``EXIT_INTERRUPTED``.
"""

from __future__ import annotations

import contextlib
import signal
import sys

EXIT_INTERRUPTED = 75  # EX_TEMPFAIL: stopped by a signal after writing a resume checkpoint
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGUSR1") if hasattr(signal, name))


class StopFlag:
    """Records SIGTERM / SIGUSR1 while training; restores the previous handlers on exit."""

    def __enter__(self):
        self.set, self.old = False, {}
        for sig in STOP_SIGNALS:
            self.old[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum, frame):
        self.set = True
        print(f"[train] received signal {signum}: checkpointing after this iteration", file=sys.stderr, flush=True)

    def __exit__(self, *exc):
        for sig, handler in self.old.items():
            signal.signal(sig, handler)
        return False


def ignore_stop_signals(worker_id: int = 0) -> None:
    """``worker_init_fn`` of the DataLoader: a worker ignores the job's stop signals, then unblocks them.

    It runs after torch installs the worker's own handlers, so it overrides torch's SIGTERM handler. Setting
    SIG_IGN also discards a stop signal that arrived while the worker was being forked with the signals blocked.
    """
    for sig in STOP_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)


@contextlib.contextmanager
def stop_signals_blocked():
    """Hold the stop signals back (the trainer's handler runs at the end) while DataLoader workers are forked."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
