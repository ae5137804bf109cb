"""Real-clip choice, lazy batching and the keyed, atomic real-feature cache."""

import numpy as np
import pytest

from longvid.metrics import cache, features

from metrics_store import CountingDetector, write_sample_folder, write_video_store


def test_min_frames_keeps_only_long_videos(tmp_path):
    store = write_video_store(tmp_path, [20, 70, 30, 64, 90], res=8)
    items = features.choose_real_clips(store, features.RealClipSpec(length=16, count=30, min_frames=64))
    assert sorted({c.video_id for c in items}) == ["v001", "v003", "v004"]  # at least 64 frames
    n = {"v001": 70, "v003": 64, "v004": 90}
    assert all(0 <= c.start <= n[c.video_id] - 16 for c in items)  # the clip may start anywhere in the long video
    assert len({c.video_id for c in features.choose_real_clips(store, features.RealClipSpec(min_frames=10))}) == 5


def test_min_frames_error_names_folder_minimum_longest_and_fix(tmp_path):
    store = write_video_store(tmp_path, [20, 70, 30], res=8)
    with pytest.raises(ValueError) as err:
        features.choose_real_clips(store, features.RealClipSpec(length=16, min_frames=400))
    msg = str(err.value)
    assert str(store) in msg and "400 frames" in msg and "longest video: 70 frames" in msg
    assert "smaller --min-frames" in msg
    with pytest.raises(ValueError, match="longest video: 70 frames.*smaller --length"):
        features.choose_real_clips(store, features.RealClipSpec(length=100))


def test_min_frames_is_in_the_cache_key(tmp_path):
    store = write_video_store(tmp_path, [20, 70, 30], res=8)
    det = CountingDetector()
    every, long = features.RealClipSpec(length=16), features.RealClipSpec(length=16, min_frames=64)
    key0, meta0 = features.cache_key(store, every, det.protocol())
    key64, meta64 = features.cache_key(store, long, det.protocol())
    assert key0 != key64 and meta64["clips"]["min_frames"] == 64 and meta0["clips"]["min_frames"] == 0
    every, long = features.RealClipSpec(length=16, count=4), features.RealClipSpec(length=16, count=4, min_frames=64)
    out = tmp_path / "16f.npz"
    features.real_features(store, every, det, out)
    feats, meta = features.real_features(store, long, det, out)  # same file, other minimum: rebuilt
    assert det.calls == 8 and feats.shape == (4, 4) and meta["real_set"]["videos"] == 1
    assert features.cache_file_name(16) == "16f.npz" and features.cache_file_name(16, 400) == "16f_min400.npz"
    assert features.cache_file_name(16, steps=(1, 6)) == "16f_s1-6.npz"
    assert cache.parse_cache_name("16f_min400_s2-3.npz") == (16, 400, (2, 3))
    assert cache.parse_cache_name("128f.npz") == (128, 0, (1, 1))


def test_step_clips_and_batches(tmp_path):
    store = write_video_store(tmp_path, [20, 20, 20])
    items = features.choose_real_clips(store, features.RealClipSpec(length=5, steps=(3, 3), count=3))
    batches = list(features.iter_clip_batches([(c.path, c.start, c.step) for c in items], 5, 1, batch=2))
    assert [b.shape for b in batches] == [(2, 5, 32, 32, 3), (1, 5, 32, 32, 3)]
    c = items[0]
    np.testing.assert_array_equal(batches[0][0], np.load(c.path)[c.start : c.start + 13 : 3])


def test_cache_is_reused_and_rebuilt_when_anything_changes(tmp_path):
    store = write_video_store(tmp_path, [20, 24, 30, 18])
    out = tmp_path / "features" / "16f.npz"
    det = CountingDetector()
    spec = features.RealClipSpec(length=16, count=4)
    feats, meta = features.real_features(store, spec, det, out)
    assert det.calls == 4 and feats.shape == (4, 4) and out.is_file()
    again, _ = features.real_features(store, spec, det, out)
    assert det.calls == 4  # read from the cache, no extraction
    np.testing.assert_allclose(again, feats, rtol=1e-6)
    features.real_features(store, features.RealClipSpec(length=16, count=4, seed=1), det, out)
    assert det.calls == 8  # other seed: rebuilt
    features.real_features(store, features.RealClipSpec(length=16, count=4, seed=1), CountingDetector("b"), out)
    assert det.calls == 8  # the new detector did the work
    assert not list(out.parent.glob(".*tmp"))  # atomic write leaves no temp file
    with np.load(out) as data:
        assert data["sigma"].shape == (4, 4) and data["mu"].dtype == np.float64


def test_cache_that_fails_mid_write_keeps_the_old_one(tmp_path, monkeypatch):
    out = tmp_path / "16f.npz"
    features.save_features(out, np.ones((3, 4)), "old", {})
    before = out.read_bytes()

    def half_then_fail(f, **arrays):
        f.write(before[: len(before) // 2])
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        features.save_features(out, np.zeros((3, 4)), "new", {})
    assert out.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["16f.npz"]


def test_sample_folder_reading(tmp_path):
    folder = write_sample_folder(tmp_path, n=3, frames=12)
    assert [p.name for p in features.sample_videos(folder)] == ["00000.npy", "00001.npy", "00002.npy"]
    with pytest.raises(ValueError, match="3 videos, 5 requested"):
        features.sample_videos(folder, 5)
    with pytest.raises(FileNotFoundError, match="longvid sample"):
        features.sample_videos(tmp_path / "nothing")


def test_missing_manifest_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="videos.csv"):
        features.choose_real_clips(tmp_path, features.RealClipSpec())


def test_real_feature_files_for_the_workflow():
    from longvid.metrics.evaluate import real_feature_files

    files = real_feature_files(["vfid", "fvd2048_16f"], "kth", 64, vfid_steps=(1, 6))
    assert files == ["resources/features/i3d/kth/64/16f.npz", "resources/features/i3d_pool/kth/64/16f_s1-6.npz"]
    files = real_feature_files(["fvd_ratio", "vfid", "fvd_along_16f", "vis_actor"], "sky", 128)
    assert files == ["resources/features/i3d/sky/128/16f.npz", "resources/features/i3d/sky/128/128f.npz",
                     "resources/features/i3d_pool/sky/128/16f.npz"]
    files = real_feature_files(["fvd2048_16f", "fvd_along_16f"], "sky", 128, along_min_frames=1024)
    assert files == ["resources/features/i3d/sky/128/16f.npz", "resources/features/i3d/sky/128/16f_min1024.npz"]
    files = real_feature_files(["fvd_along_16f"], "taichi", 128, along_min_frames=400)
    assert files == ["resources/features/i3d/taichi/128/16f_min400.npz"]
