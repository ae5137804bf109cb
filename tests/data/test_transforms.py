"""Spatial preprocessing (Sec. 3.4.1) on non-square input, against hand-computed sizes, offsets and values."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from longvid.data import transforms as T


def test_resized_shape_keeps_aspect_ratio():
    assert T.resized_shape(120, 160, 64) == (64, 85)  # KTH: 160*64/120 = 85.33
    assert T.resized_shape(240, 320, 128) == (128, 171)  # UCF101: 320*128/240 = 170.67
    assert T.resized_shape(160, 100, 50) == (80, 50)  # portrait
    assert T.resized_shape(104, 140, 64) == (64, 86)  # Weizmann after the 20 px edge crop


def test_weizmann_edge_crop_then_scale_then_centre_crop():
    frame = np.zeros((144, 180, 3), np.uint8)
    frame[20:124, 20:160] = 200  # everything that survives the edge crop is 200
    out = T.preprocess_frame(frame, 64, edge=T.WEIZMANN_EDGE)
    assert out.shape == (64, 64, 3)
    assert (out == 200).all()  # the black 20 px border is gone before scaling


def test_centre_crop_offsets_on_a_ramp():
    # 100×160 frame whose value is the column index: downscale by 2 -> 50×80, centre crop starts at column 15
    ramp = np.tile(np.arange(160, dtype=np.uint8)[None, :, None], (100, 1, 3))
    out = T.preprocess_frame(ramp, 50)
    assert out.shape == (50, 50, 3)
    expected = 2 * (15 + np.arange(50)) + 0.5  # a symmetric filter keeps a linear ramp: column j -> 2j + 0.5
    assert np.abs(out[25, :, 0].astype(float) - expected).max() <= 1.0


def test_centre_crop_indices():
    frame = np.arange(6 * 10).reshape(6, 10, 1)
    crop = T.centre_crop(frame, 4)
    assert crop[0, 0, 0] == frame[1, 3, 0] and crop.shape == (4, 4, 1)


def test_too_small_for_edge_crop():
    with pytest.raises(ValueError, match="cannot crop"):
        T.edge_crop(np.zeros((30, 30, 3), np.uint8), 20)


def test_to_model_and_back():
    frames = np.array([0, 51, 255], np.uint8).reshape(1, 1, 3, 1).repeat(3, axis=-1)  # (T=1, H=1, W=3, C=3)
    x = T.to_model(frames)
    assert x.shape == (1, 3, 1, 3) and x.dtype == torch.float32
    assert torch.allclose(x[0, 0, 0], torch.tensor([-1.0, 51 / 127.5 - 1, 1.0]))
    assert np.array_equal(T.to_uint8(x), frames)
