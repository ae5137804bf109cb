"""Latent-sequence files: stage 1 → stage 2 of R3 (Sec. 5.4), one ``.npz`` per training set.

A frozen R2's encoder turns each training video into a sequence of latent tokens (one per clip of ``clip`` frames,
clips ``shift`` frames apart, at most ``max_frames`` frames read); the GPT of stage 2 regresses the next token
(Eq. 5.3). The file holds V variable-length sequences packed end to end:

* ``tokens``  ``(sum L_i, D)`` float32 — sequence i is ``tokens[offsets[i]:offsets[i + 1]]``,
* ``offsets`` ``(V + 1,)`` int64, ``offsets[0] = 0``, non-decreasing,
* ``labels``  ``(V,)`` int64 — the class of each video (Eq. 5.7's class token, padzs's same-class padding),
* ``names``   ``(V,)`` str — the video ids,
* ``meta``    a JSON string; :data:`REQUIRED_META` keys name what shaped the tokens (the R2 checkpoint's sha256 is
  checked when stage 2 loads that R2, see ``recipes/gpt.py``).

Written atomically; read eagerly (a full Taichi/Sky set is a few hundred MB at D = 1536).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from longvid.fsutil import atomic_path

REQUIRED_META = ("r2_checkpoint_sha256", "shift", "clip", "max_frames")


@dataclass(frozen=True)
class LatentSequences:
    """The contents of a latent-sequence file."""

    sequences: list[np.ndarray]  # V arrays (L_i, D) float32, views into one packed array
    labels: np.ndarray  # (V,) int64
    names: list[str]  # (V,) video ids
    meta: dict  # at least REQUIRED_META

    @property
    def token_size(self) -> int:
        return int(self.sequences[0].shape[1]) if self.sequences else 0

    def __len__(self) -> int:
        return len(self.sequences)


def _check(path, sequences, labels, names, meta) -> int:
    """Validate writer inputs; return the token size D."""
    if not (len(sequences) == len(labels) == len(names)):
        raise ValueError(f"{path}: {len(sequences)} sequences, {len(labels)} labels, {len(names)} names; "
                         "give one label and one name per sequence")
    if not sequences:
        raise ValueError(f"{path}: no sequences to write")
    missing = [k for k in REQUIRED_META if k not in meta]
    if missing:
        raise ValueError(f"{path}: meta lacks {missing}; the latent file must say which R2 and clip layout "
                         f"made it ({', '.join(REQUIRED_META)})")
    dims = {np.asarray(s).shape[1] if np.asarray(s).ndim == 2 else None for s in sequences}
    if None in dims or len(dims) != 1:
        raise ValueError(f"{path}: every sequence must be a 2-D (L_i, D) array with one D; got shapes "
                         f"{sorted({np.asarray(s).shape for s in sequences})[:4]}")
    if any(len(s) == 0 for s in sequences):
        raise ValueError(f"{path}: empty sequence for {[n for n, s in zip(names, sequences) if len(s) == 0][:4]}")
    return dims.pop()


def write_sequences(path: str | os.PathLike, sequences: list[np.ndarray], labels: list[int], names: list[str],
                    meta: dict) -> Path:
    """Write V latent sequences ``(L_i, D)`` with their labels, names and ``meta`` to one ``.npz`` atomically."""
    path = Path(path)
    _check(path, sequences, labels, names, meta)
    lengths = np.array([len(s) for s in sequences], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    tokens = np.concatenate([np.asarray(s, dtype=np.float32) for s in sequences], axis=0)
    with atomic_path(path, suffix=".npz") as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, tokens=tokens, offsets=offsets, labels=np.asarray(labels, dtype=np.int64),
                     names=np.asarray(list(names), dtype=str), meta=np.asarray(json.dumps(meta, sort_keys=True)))
    return path


def read_sequences(path: str | os.PathLike) -> LatentSequences:
    """Read a latent-sequence file written by :func:`write_sequences`; clear errors for a missing or bad file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no latent-sequence file; encode the training videos with the frozen R2 "
                                "first (stage 1 of R3)")
    with np.load(path, allow_pickle=False) as z:
        missing = {"tokens", "offsets", "labels", "names", "meta"} - set(z.files)
        if missing:
            raise ValueError(f"{path}: not a latent-sequence file, arrays {sorted(missing)} missing")
        tokens, offsets = z["tokens"], z["offsets"]
        labels, names, meta = z["labels"].astype(np.int64), [str(n) for n in z["names"]], json.loads(str(z["meta"]))
    if tokens.ndim != 2 or offsets.ndim != 1 or offsets[0] != 0 or offsets[-1] != len(tokens) \
            or np.any(np.diff(offsets) <= 0) or len(offsets) != len(labels) + 1 or len(names) != len(labels):
        raise ValueError(f"{path}: inconsistent tokens {tokens.shape} / offsets {offsets.shape} / labels "
                         f"{labels.shape}; rewrite it with write_sequences")
    missing = [k for k in REQUIRED_META if k not in meta]
    if missing:
        raise ValueError(f"{path}: meta lacks {missing}; rewrite it with write_sequences")
    sequences = [tokens[a:b] for a, b in zip(offsets[:-1], offsets[1:])]
    return LatentSequences(sequences=sequences, labels=labels, names=names, meta=meta)
