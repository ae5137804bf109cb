"""Latent-sequence files (R3 stage 1 → 2): round trip, and clear errors for files that cannot be right."""

from __future__ import annotations

import json

import numpy as np
import pytest

from longvid.data.latentseq import read_sequences, write_sequences

META = {"r2_checkpoint_sha256": "ab" * 32, "shift": 8, "clip": 16, "max_frames": 1000}


def _sequences(rng, lengths, d=6):
    return [rng.standard_normal((n, d)).astype(np.float32) for n in lengths]


def test_round_trip(tmp_path):
    seqs = _sequences(np.random.default_rng(0), [3, 1, 5])
    path = write_sequences(tmp_path / "lat.npz", seqs, [2, 0, 2], ["a", "b", "c"], META | {"note": "x"})
    got = read_sequences(path)
    assert len(got) == 3 and got.token_size == 6
    for a, b in zip(seqs, got.sequences):
        assert b.dtype == np.float32 and np.array_equal(a, b)
    assert got.labels.tolist() == [2, 0, 2] and got.names == ["a", "b", "c"]
    assert got.meta == META | {"note": "x"}
    with np.load(path) as z:
        assert z["offsets"].tolist() == [0, 3, 4, 9] and z["tokens"].shape == (9, 6)
        assert json.loads(str(z["meta"]))["shift"] == 8
    assert [p.name for p in tmp_path.iterdir()] == ["lat.npz"]  # no temporary left behind


@pytest.mark.parametrize("change, message", [
    (lambda s, la, n, m: (s, la[:-1], n, m), "one label and one name"),
    (lambda s, la, n, m: (s, la, n, {k: v for k, v in m.items() if k != "r2_checkpoint_sha256"}), "meta lacks"),
    (lambda s, la, n, m: (s[:1] + [np.zeros((2, 5), np.float32)], la, n, m), "one D"),
    (lambda s, la, n, m: (s[:1] + [np.zeros((0, 6), np.float32)], la, n, m), "empty sequence"),
    (lambda s, la, n, m: ([], [], [], m), "no sequences"),
])
def test_writer_refuses_bad_input(tmp_path, change, message):
    args = change(_sequences(np.random.default_rng(1), [2, 3]), [0, 1], ["a", "b"], dict(META))
    with pytest.raises(ValueError, match=message):
        write_sequences(tmp_path / "lat.npz", *args)
    assert not any(tmp_path.iterdir())


def test_reader_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="lat.npz.*stage 1"):
        read_sequences(tmp_path / "lat.npz")
    np.savez(tmp_path / "other.npz", tokens=np.zeros((2, 3)))
    with pytest.raises(ValueError, match="other.npz.*not a latent-sequence file"):
        read_sequences(tmp_path / "other.npz")
    np.savez(tmp_path / "bad.npz", tokens=np.zeros((4, 3), np.float32), offsets=np.array([0, 2, 5]),
             labels=np.zeros(2, np.int64), names=np.array(["a", "b"]), meta=np.asarray(json.dumps(META)))
    with pytest.raises(ValueError, match="bad.npz.*inconsistent"):
        read_sequences(tmp_path / "bad.npz")
