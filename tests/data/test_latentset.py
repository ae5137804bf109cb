"""GPT training items in the input formats of Table 5.9 (Eq. 5.5 pad0, 5.6 padzs, 5.7 disc+cont)."""

from __future__ import annotations

import numpy as np
import pytest

from longvid.data.latentseq import LatentSequences
from longvid.data.latentset import LatentSequenceDataset
from longvid.models.sections import GPTConfig

META = {"r2_checkpoint_sha256": "x", "shift": 8, "clip": 16, "max_frames": 96}


def data(lengths=(4, 6, 2, 1, 3), labels=(0, 0, 1, 1, 0), d=3):
    seqs = [np.full((n, d), 10 * k, np.float32) + np.arange(n, dtype=np.float32)[:, None]
            for k, n in enumerate(lengths)]
    return LatentSequences(seqs, np.array(labels), [f"v{k}" for k in range(len(lengths))], dict(META))


def ds(fmt, **kw):
    return LatentSequenceDataset(data(**kw), GPTConfig(format=fmt, classes=2, max_frames=96), seed=0)


def test_pad0_zero_pads_and_masks():
    d = ds("pad0")
    assert len(d) == 4 and d.dropped == 1 and d.length == 6  # the one-token sequence has nothing to predict
    it = d[0]
    assert it["z"].shape == (6, 3) and it["valid"].tolist() == [True] * 4 + [False] * 2
    assert (it["z"][4:] == 0).all() and it["z"][:4, 0].tolist() == [0, 1, 2, 3]
    assert it["target"].tolist() == [True] * 3 + [False] * 3 and (it["ids"] == -1).all()


def test_padzs_pads_with_same_class_sequences():
    d = ds("padzs")
    it = d[3]  # video v4 (class 0, 3 tokens): padded with v0 / v1 latents, all valid
    firsts = it["z"][:, 0].numpy()
    assert firsts[:3].tolist() == [40, 41, 42] and set((firsts[3:] // 10).astype(int)) <= {0, 1}
    assert it["valid"].all() and it["target"][:-1].all() and not it["target"][-1]
    lone = d[2]  # v2 is class 1's only kept video: it pads with itself
    assert lone["z"][:, 0].tolist() == [20, 21, 20, 21, 20, 21]
    d.set_epoch(1)
    again = ds("padzs")
    again.set_epoch(1)
    assert np.array_equal(d[0]["z"], again[0]["z"])  # (seed, epoch, index) only


def test_disc_cont_layout():
    d = ds("disc+cont")
    assert d.length == min(GPTConfig(max_frames=96).max_tokens + 3, 3 + 2 * 6) == 14
    it = d[0]  # [cls 0, len 4, v0 (4), len n2, other class-0 sequence, padding]
    ids = it["ids"].tolist()
    assert ids[0] == 0 and ids[1] == 2 + 4 and ids[2:6] == [-1] * 4 and ids[6] >= 2
    n2 = ids[6] - 2
    assert it["valid"].sum() == 3 + 4 + n2
    assert it["target"].sum() == 4 + n2  # every latent is a target (a length token's output predicts the first)
    assert it["z"][2:6, 0].tolist() == [0, 1, 2, 3]


def test_mismatch_with_the_gpt_is_refused():
    with pytest.raises(ValueError, match="meta shift=8 but gpt.shift=4"):
        LatentSequenceDataset(data(), GPTConfig(shift=4, max_frames=96))
    with pytest.raises(ValueError, match="gpt.classes >= 2"):
        LatentSequenceDataset(data(), GPTConfig(format="disc+cont", max_frames=96))


def test_long_sequences_are_cut_at_max_frames():
    d = LatentSequenceDataset(data(lengths=(20, 3), labels=(0, 0)), GPTConfig(max_frames=64), seed=0)
    assert d.length == GPTConfig(max_frames=64).max_tokens == 7
