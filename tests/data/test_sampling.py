"""Frame-index sampling against hand-computed indices (PROTOCOL §1; Table 4.1 segment counts)."""

from __future__ import annotations

import numpy as np
import pytest

from longvid.data import sampling as S


class ScriptedRng:
    """Stands in for np.random.Generator: ``integers`` returns scripted values (or ``low`` for uniform sets)."""

    def __init__(self, values=()):
        self.values, self.calls = list(values), []

    def integers(self, low, high=None):
        self.calls.append((low, high))
        return self.values.pop(0) if self.values else low


def test_step_sampling_hand_computed():
    # 40 frames, 16 samples, steps 1..3: step 3 spans 46 > 40, so the choice is among [1, 2];
    # scripted draw 1 -> step 2 (span 31), then start drawn in [0, 10): scripted 5
    rng = ScriptedRng([1, 5])
    idx = S.step_indices(40, 16, (1, 3), rng)
    assert rng.calls == [(2, None), (10, None)]
    assert idx.tolist() == list(range(5, 36, 2))


def test_step_sampling_random_draws_stay_in_range():
    rng = np.random.default_rng(0)
    steps_seen = set()
    for _ in range(200):
        idx = S.step_indices(100, 16, (1, 6), rng)
        step = idx[1] - idx[0]
        steps_seen.add(int(step))
        assert idx[0] >= 0 and idx[-1] < 100 and (np.diff(idx) == step).all()
    assert steps_seen == {1, 2, 3, 4, 5, 6}


def test_step_sampling_too_short():
    with pytest.raises(ValueError, match="shorter than 16"):
        S.step_indices(15, 16, (1, 3), np.random.default_rng(0))


def test_uniform_sampling_sets():
    # 40 frames into 16 sets: bounds floor(k*40/16) = 0 2 5 7 10 12 15 17 20 22 25 27 30 32 35 37 40
    rng = ScriptedRng()
    idx = S.uniform_indices(40, 16, rng)
    assert idx.tolist() == [0, 2, 5, 7, 10, 12, 15, 17, 20, 22, 25, 27, 30, 32, 35, 37]
    assert [hi for _, hi in rng.calls] == [2, 5, 7, 10, 12, 15, 17, 20, 22, 25, 27, 30, 32, 35, 37, 40]


def test_window_counts_match_table_4_1_row_d():
    # Table 4.1, subject D: two videos of 272 and 392 frames give 81 16-frame segments
    assert len(S.window_starts(272, 16, 8)) + len(S.window_starts(392, 16, 8)) == 81
    assert S.window_starts(40, 16, 8).tolist() == [0, 8, 16, 24]
    assert S.window_starts(48, 24, 24).tolist() == [0, 24]
    assert len(S.window_starts(10, 16, 8)) == 0


def test_clip_pair_overlaps_by_eight():
    first, second = S.clip_pair(24)
    assert first.tolist() == list(range(24, 40)) and second.tolist() == list(range(32, 48))
