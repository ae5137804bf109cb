"""`longvid encode-latents` (R3 stage 1 -> 2): one token per recall window of every training video, capped frames,
the R2's own encode, labels from the manifest, the R2's hash in the meta, independent of the batch size."""

from __future__ import annotations

import csv
import hashlib

import numpy as np
import pytest
import torch
from samplekit import write_checkpoint, write_recall_checkpoint

from longvid.cli import main
from longvid.data.latentseq import read_sequences
from longvid.sample.encode_latents import window_starts

LENGTHS = {"short": 15, "one": 16, "odd": 31, "long": 40, "held": 24}  # "held" is a test-split video
ACTORS = {"short": "p1", "one": "p0", "odd": "p1", "long": "p0", "held": "p2"}


def write_store(root):
    root.mkdir()
    rng = np.random.default_rng(0)
    rows = []
    for name, n in LENGTHS.items():
        np.save(root / f"{name}.npy", rng.integers(0, 256, size=(n, 64, 64, 3), dtype=np.uint8))
        rows.append({"video_id": name, "path": f"{name}.npy", "n_frames": n,
                     "split": "test" if name == "held" else "train", "action": "a", "actor": ACTORS[name],
                     "group": ""})
    with open(root / "videos.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return root


@pytest.fixture
def r2(tmp_path):
    return write_recall_checkpoint(tmp_path / "r2.pt")


@pytest.mark.parametrize("frames,cap,expected", [(16, 1000, 1), (23, 1000, 1), (24, 1000, 2), (100, 1000, 11),
                                                 (1000, 1000, 124), (4321, 1000, 124), (40, 32, 3), (15, 1000, 0)])
def test_window_count_is_one_plus_capped_length_minus_clip_over_shift(frames, cap, expected):
    starts = window_starts(frames, 16, 8, cap)
    assert len(starts) == expected == (1 + (min(frames, cap) - 16) // 8 if min(frames, cap) >= 16 else 0)
    assert starts == [8 * k for k in range(expected)]
    assert not starts or starts[-1] + 16 <= min(frames, cap)


def encode(tmp_path, r2, store, name="train.npz", *extra):
    out = tmp_path / name
    assert main(["encode-latents", "--checkpoint", str(r2), "--videos", str(store), "--out", str(out),
                 "--device", "cpu", *extra]) == 0
    return read_sequences(out)


def test_tokens_are_the_r2_encoding_of_each_window(tmp_path, r2):
    from longvid.data.transforms import to_model
    from longvid.sample.stream import load_model

    store = write_store(tmp_path / "videos")
    got = encode(tmp_path, r2, store)
    model, _, _ = load_model(r2, torch.device("cpu"))
    dim = 2 * model.cfg.dim_zc + 2 * model.cfg.dim_zm
    assert got.names == ["one", "odd", "long"]  # train split only; "short" has no whole clip
    assert [len(s) for s in got.sequences] == [1, 2, 4]
    assert got.token_size == dim == got.meta["token_size"]
    assert got.meta["skipped"] == ["short"] and got.meta["frames_used"] == [16, 24, 40]
    video = np.load(store / "long.npy")
    for k, start in enumerate([0, 8, 16, 24]):
        clip = to_model(video[start : start + 16])[None]  # (1, 16, C, H, W)
        with torch.no_grad():
            mu_c, lv_c, mu_m, lv_m = model.encode(clip)  # reads the reference frame x_r
        want = torch.cat([mu_c, lv_c, mu_m, lv_m], dim=1)[0].numpy()
        np.testing.assert_allclose(got.sequences[2][k], want, rtol=1e-5, atol=1e-6)
    lay = got.meta["token_layout"]
    assert lay["mu_c"] == [0, model.cfg.dim_zc] and lay["logvar_m"][1] == dim


def test_labels_meta_and_hash(tmp_path, r2):
    store = write_store(tmp_path / "videos")
    got = encode(tmp_path, r2, store)
    assert got.meta["classes"] == ["p0", "p1", "p2"]  # over the whole manifest: same indices for every split
    assert list(got.labels) == [0, 1, 0]
    assert got.meta["r2_checkpoint_sha256"] == hashlib.sha256(r2.read_bytes()).hexdigest()
    assert (got.meta["shift"], got.meta["clip"], got.meta["max_frames"]) == (8, 16, 1000)
    assert got.meta["r2_model_args"]["family"] == "recall" and got.meta["reference_frame"] == 8
    everything = encode(tmp_path, r2, store, "all.npz", "--split", "all", "--label", "action")
    assert everything.names == ["one", "odd", "long", "held"] and list(everything.labels) == [0, 0, 0, 0]


def test_cap_and_batch_size_do_not_change_tokens(tmp_path, r2):
    store = write_store(tmp_path / "videos")
    whole = encode(tmp_path, r2, store, "a.npz", "--batch-size", "32")
    one = encode(tmp_path, r2, store, "b.npz", "--batch-size", "1")
    capped = encode(tmp_path, r2, store, "c.npz", "--max-frames", "32", "--batch-size", "3")
    for a, b in zip(whole.sequences, one.sequences):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert [len(s) for s in capped.sequences] == [1, 2, 3]  # "long" (40 frames) read up to frame 32
    np.testing.assert_allclose(capped.sequences[2], whole.sequences[2][:3], rtol=1e-5, atol=1e-6)
    assert capped.meta["max_frames"] == 32


def test_refuses_a_checkpoint_that_is_not_an_r2(tmp_path):
    store = write_store(tmp_path / "videos")
    other = write_checkpoint(tmp_path / "encgan3.pt")
    with pytest.raises(SystemExit, match="family recall"):
        encode(tmp_path, other, store)
    r2 = write_recall_checkpoint(tmp_path / "r2.pt")
    with pytest.raises(SystemExit, match="--max-frames >= the R2's clip \\(16\\)"):
        encode(tmp_path, r2, store, "x.npz", "--max-frames", "15")
