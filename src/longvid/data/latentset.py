"""The GPT's training items: latent sequences laid out in one of the input formats of Table 5.9 (Eq. 5.5–5.7).

Every item has the same length L (the thesis pads all sequences to the longest training sequence, Sec. 5.4.2;
the recipe then trims a batch to its longest valid item, which with the padding mask changes nothing):

* ``pad0`` (Eq. 5.5) ``[seq, padding(0)]``: zeros after the sequence, masked (``valid`` false).
* ``padzs`` (Eq. 5.6) ``[seq, padding(seq_cls_i)]``: after the sequence, latent sequences of other training videos
  of the same class, in a random order, cut at L; every position is a real latent (nothing masked). A class with
  one video pads with the video itself.
* ``disc+cont`` (Eq. 5.7) ``[cls, seq1_len, seq1, seq_i_len, seq_i, padding(0)]``: discrete class and length tokens
  (``ids``, see ``longvid.models.gpt``) around the video's sequence and one other same-class sequence (cut to fit),
  then zeros, masked. L = the GPT's positions (max_tokens + 3) or less.

Sequences longer than ``gpt.max_tokens`` are cut (Sec. 5.4.4: frames beyond ``max_frames`` are discarded);
sequences of one token hold no next-token target and are left out. Item i of epoch e draws its padding from
(seed, e, i) only, so an item is reproducible.

Item: ``{"z": (L, D) float32, "ids": (L,) int64 (-1 = continuous), "valid": (L,) bool, "target": (L,) bool
(output t is trained to predict z[t + 1]), "label": int, "video_id": str}``.
"""

from __future__ import annotations

import itertools

import numpy as np
import torch

from longvid.data.latentseq import LatentSequences
from longvid.models.gpt import CONTINUOUS
from longvid.models.sections import GPTConfig


class LatentSequenceDataset:
    """Fixed-length GPT items of the sequences of a latent file, in the format of ``gcfg``."""

    def __init__(self, data: LatentSequences, gcfg: GPTConfig, seed: int = 0, source: str = "latent file"):
        for key in ("clip", "shift"):
            if int(data.meta[key]) != getattr(gcfg, key):
                raise ValueError(f"{source}: meta {key}={data.meta[key]} but gpt.{key}={getattr(gcfg, key)}; "
                                 "encode the videos with the same clip layout as the GPT's")
        if gcfg.format == "disc+cont" and int(data.labels.max()) >= gcfg.classes:
            raise ValueError(f"{source}: label {int(data.labels.max())} needs gpt.classes >= "
                             f"{int(data.labels.max()) + 1} (format disc+cont)")
        keep = [i for i, s in enumerate(data.sequences) if len(s) >= 2]
        if not keep:
            raise ValueError(f"{source}: no sequence has 2 tokens or more; nothing to predict")
        self.cfg, self.seed, self.epoch = gcfg, seed, 0
        self.seqs = [np.asarray(data.sequences[i][: gcfg.max_tokens], dtype=np.float32) for i in keep]
        self.labels = [int(data.labels[i]) for i in keep]
        self.names = [data.names[i] for i in keep]
        self.dropped = len(data.sequences) - len(keep)
        self.dim = self.seqs[0].shape[1]
        longest = max(len(s) for s in self.seqs)
        self.length = min(gcfg.positions, 3 + 2 * longest) if gcfg.format == "disc+cont" else longest
        self.by_class: dict[int, list[int]] = {}
        for i, c in enumerate(self.labels):
            self.by_class.setdefault(c, []).append(i)

    def __len__(self) -> int:
        return len(self.seqs)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def _others(self, i: int, rng) -> list[int]:
        """Other videos of item i's class in a random order (item i itself when it is alone in its class)."""
        others = [j for j in self.by_class[self.labels[i]] if j != i] or [i]
        return [others[k] for k in rng.permutation(len(others))]

    def __getitem__(self, i: int) -> dict:
        rng = np.random.default_rng([self.seed, self.epoch, i])
        L, seq, fmt = self.length, self.seqs[i], self.cfg.format
        z = np.zeros((L, self.dim), np.float32)
        ids = np.full(L, CONTINUOUS, np.int64)
        valid = np.zeros(L, bool)
        if fmt == "pad0":
            z[: len(seq)], valid[: len(seq)] = seq, True
        elif fmt == "padzs":
            at = 0
            for j in itertools.chain([i], itertools.cycle(self._others(i, rng))):
                n = min(len(self.seqs[j]), L - at)
                z[at : at + n] = self.seqs[j][:n]
                at += n
                if at == L:
                    break
            valid[:] = True
        else:  # disc+cont: [cls, len1, seq1, len_i, seq_i, padding]
            n1 = min(len(seq), L - 3)
            other = self.seqs[self._others(i, rng)[0]]
            n2 = min(len(other), L - 3 - n1)
            ids[0], ids[1], ids[2 + n1] = self.labels[i], self.cfg.classes + n1, self.cfg.classes + n2
            z[2 : 2 + n1], z[3 + n1 : 3 + n1 + n2] = seq[:n1], other[:n2]
            valid[: 3 + n1 + n2] = True
        target = np.zeros(L, bool)
        target[:-1] = valid[1:] & (ids[1:] == CONTINUOUS)
        return {"z": torch.from_numpy(z), "ids": torch.from_numpy(ids), "valid": torch.from_numpy(valid),
                "target": torch.from_numpy(target), "label": self.labels[i], "video_id": self.names[i]}
