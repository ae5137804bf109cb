"""The smoke world has learnable structure: actions are told apart by motion, actors by appearance.

A leave-one-out nearest-centroid classifier on two hand-made features of the stored 32×32 videos — the mean
absolute frame difference on a 4×4 grid (where things move) and the mean colour of the moving pixels (who moves)
— must recognise them; a generator trained on this data therefore has something to learn.
"""

from __future__ import annotations

import numpy as np
import pytest

from longvid.data.store import read_manifest


def _features(store):
    motion, colour, rows = [], [], read_manifest(store)
    for row in rows:
        video = np.load(store / row["path"]).astype(np.float32)  # (T, H, W, 3)
        diff = np.abs(np.diff(video, axis=0)).mean(axis=(0, 3))  # (H, W)
        h, w = diff.shape
        motion.append(diff.reshape(4, h // 4, 4, w // 4).mean(axis=(1, 3)).ravel())
        moving = np.abs(video - np.median(video, axis=0)).sum(-1) > 60  # (T, H, W)
        colour.append(video[moving].mean(0))
    return np.array(motion), np.array(colour), rows


def _leave_one_out(x, labels):
    labels, hits = np.array(labels), 0
    for i in range(len(labels)):
        keep = np.arange(len(labels)) != i
        centroids = {c: x[keep][labels[keep] == c].mean(0) for c in set(labels[keep])}
        hits += min(centroids, key=lambda c: np.linalg.norm(x[i] - centroids[c])) == labels[i]
    return hits / len(labels)


@pytest.mark.parametrize("dataset", ["weizmann", "kth", "ucf101"])
def test_actions_and_actors_are_recognisable(smoke_store, dataset):
    motion, colour, rows = _features(smoke_store(dataset))
    assert _leave_one_out(motion, [r["action"] for r in rows]) >= 0.75
    assert _leave_one_out(colour, [r["actor"] for r in rows]) == 1.0
