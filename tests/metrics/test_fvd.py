"""FVD slicing of generated long videos: first-L frames, consecutive 16-frame windows, ratio."""

import numpy as np
import pytest

from longvid.metrics import fvd
from longvid.metrics.detectors import DetectorConfig

from metrics_store import write_sample_folder


class RecordingDetector:
    """Test double: remembers every clip it scores; features = per-clip channel means and mean of frame 0."""

    dim = 4

    def __init__(self):
        self.cfg, self.seen = DetectorConfig(batch_size=2), []

    def __call__(self, clips):
        self.seen.extend(clips)
        x = clips.astype(np.float64)
        return np.concatenate([x.mean((1, 2, 3)), x[:, 0].mean((1, 2, 3))[:, None]], 1)


def test_first_frames_and_windows(tmp_path):
    folder = write_sample_folder(tmp_path, n=3, frames=40)
    videos = [np.load(p) for p in sorted((folder / "videos").glob("*.npy"))]
    det = RecordingDetector()
    feats = fvd.generated_features(det, folder, 16)
    assert feats.shape == (3, 4)
    np.testing.assert_array_equal(det.seen[1], videos[1][:16])
    det.seen.clear()
    real = np.random.default_rng(0).normal(100, 20, size=(10, 4))
    along = fvd.fvd_along(det, folder, real)
    assert len(along) == 2  # 40 frames → windows [0, 16) and [16, 32)
    np.testing.assert_array_equal(det.seen[3 + 2], videos[2][16:32])
    assert along[0] == pytest.approx(fvd.fvd_first(RecordingDetector(), folder, real, 16), rel=1e-12)
    assert len(fvd.fvd_along(det, folder, real, max_frames=20)) == 1


def test_too_short_generated_videos_are_an_error(tmp_path):
    folder = write_sample_folder(tmp_path, n=2, frames=20)
    with pytest.raises(ValueError, match="shorter than 128 frames"):
        fvd.generated_features(RecordingDetector(), folder, 128)


def test_ratio():
    assert fvd.fvd_ratio(101.1, 108.9) == pytest.approx(0.9283746556)  # T5.5 improved R2 (printed 0.93)
