"""The real reference set (issue 14 items 1-2): real_clips clips spread over the eligible videos, seeded per video,
bounded by each video's length, short videos discarded, step ranges as in training."""

import numpy as np
import pytest

from longvid.metrics import features, realset
from longvid.metrics.realset import RealClipSpec, choose_real_clips

from metrics_store import CountingDetector, write_video_store

TAICHI_LIKE = [140, 120, 200, 90, 300, 128, 60]  # frames: a few dozen to a few hundred, like the Taichi subset


def test_taichi_like_set_has_more_clips_than_videos_each_inside_its_video(tmp_path):
    store = write_video_store(tmp_path, TAICHI_LIKE, res=8)
    clips = choose_real_clips(store, RealClipSpec(length=16, count=40, seed=0))
    per_video = {v: sum(c.video_id == v for c in clips) for v in {c.video_id for c in clips}}
    assert len(clips) == 40 and len(per_video) == len(TAICHI_LIKE)  # every eligible video, several clips each
    assert sorted(per_video.values()) == [5, 5, 6, 6, 6, 6, 6]  # as even as possible
    n = {f"v{i:03d}": f for i, f in enumerate(TAICHI_LIKE)}
    assert all(c.step == 1 and 0 <= c.start <= n[c.video_id] - 16 for c in clips)  # bounded by the video
    assert len({(c.video_id, c.start) for c in clips}) > len(per_video)  # several offsets per video
    record = realset.real_set_record(clips, RealClipSpec(length=16, count=40))
    assert (record["clips"], record["videos"], record["steps"]) == (40, 7, [1])
    assert (record["offsets"], record["seed"]) == ("seeded random", 0)


def test_the_per_video_draw_is_seeded_and_independent_of_the_other_videos(tmp_path):
    store = write_video_store(tmp_path, TAICHI_LIKE, res=8)
    spec = RealClipSpec(length=16, count=14, seed=3)
    first = choose_real_clips(store, spec)
    assert first == choose_real_clips(store, spec)  # seeded
    assert first != choose_real_clips(store, RealClipSpec(length=16, count=14, seed=4))
    fewer = write_video_store(tmp_path / "other", TAICHI_LIKE[:3], res=8)  # same ids v000-v002, other videos gone
    mine = [(c.video_id, c.start) for c in choose_real_clips(fewer, RealClipSpec(length=16, count=6, seed=3))]
    assert mine == [(c.video_id, c.start) for c in first if c.video_id in {"v000", "v001", "v002"}]


def test_short_videos_are_discarded_and_128f_clips_come_only_from_long_videos(tmp_path):
    store = write_video_store(tmp_path, [20, 8, 130, 127, 128, 400], res=8)
    short = choose_real_clips(store, RealClipSpec(length=16, count=50))
    assert "v001" not in {c.video_id for c in short}  # 8 frames < 16
    long = choose_real_clips(store, RealClipSpec(length=128, count=50))
    assert {c.video_id for c in long} == {"v002", "v004", "v005"}  # >= 128 frames only (v003 has 127)
    assert all(c.start == 0 for c in long if c.video_id == "v004")  # a 128-frame video has one 128f clip
    n = {"v002": 130, "v004": 128, "v005": 400}
    assert all(0 <= c.start <= n[c.video_id] - 128 for c in long) and len(long) == 50


def test_more_videos_than_clips_gives_one_clip_each_of_a_seeded_subset(tmp_path):
    store = write_video_store(tmp_path, [20] * 9, res=8)
    clips = choose_real_clips(store, RealClipSpec(length=16, count=4, seed=1))
    assert len(clips) == 4 and len({c.video_id for c in clips}) == 4  # StyleGAN-V's draw: one clip per video
    assert clips == choose_real_clips(store, RealClipSpec(length=16, count=4, seed=1))


def test_step_ranges_follow_training_step_sampling(tmp_path):
    store = write_video_store(tmp_path, [40, 20, 100], res=8)
    clips = choose_real_clips(store, RealClipSpec(length=16, count=300, steps=(1, 6)))
    n = {"v000": 40, "v001": 20, "v002": 100}
    assert all(c.start + 15 * c.step < n[c.video_id] for c in clips)  # the whole span fits
    assert {c.step for c in clips if c.video_id == "v001"} == {1}  # 20 frames: only step 1 fits
    assert {c.step for c in clips if c.video_id == "v000"} == {1, 2}  # 40 frames: steps 1-2 (span 16, 31)
    assert {c.step for c in clips if c.video_id == "v002"} == {1, 2, 3, 4, 5, 6}
    record = realset.real_set_record(clips, RealClipSpec(length=16, count=300, steps=(1, 6)))
    assert record["steps"] == [1, 2, 3, 4, 5, 6] and sum(record["step_counts"].values()) == 300
    with pytest.raises(ValueError, match="1 <= lo <= hi"):
        choose_real_clips(store, RealClipSpec(steps=(3, 2)))


def test_cache_file_records_the_real_set_and_reads_the_drawn_steps(tmp_path):
    store = write_video_store(tmp_path, [40, 60], res=8)
    det = CountingDetector()
    spec = RealClipSpec(length=16, count=6, steps=(2, 3))
    feats, meta = features.real_features(store, spec, det, tmp_path / "16f_s2-3.npz")
    _, stored = features.load_features(tmp_path / "16f_s2-3.npz")
    assert stored["real_set"] == meta["real_set"] and stored["real_set"]["clips"] == 6
    assert stored["real_set"]["videos"] == 2 and stored["clips"]["steps"] == [2, 3]
    clips = choose_real_clips(store, spec)
    expected = det(np.stack([np.load(c.path)[c.start : c.start + 15 * c.step + 1 : c.step] for c in clips]))
    np.testing.assert_allclose(feats, expected.astype(np.float32), rtol=1e-6)


def test_fvd_ratio_reports_both_real_sets_and_128f_uses_long_videos_only(tmp_path):
    from longvid.metrics.evaluate import EvalConfig, Evaluator

    from metrics_store import write_sample_folder

    store = write_video_store(tmp_path, [20, 130, 200, 90], res=8)
    samples = write_sample_folder(tmp_path, n=3, frames=128, res=8)
    det = CountingDetector()
    ev = Evaluator(EvalConfig(fvd_detector="counting", real_count=12, extract_missing=True), {}, store)
    ev.detector = lambda name: det
    out = ev.compute(samples, ["fvd_ratio"])
    assert out["fvd_ratio"] > 0 and set(ev.real_sets) == {"fvd2048_16f", "fvd2048_128f"}
    assert (ev.real_sets["fvd2048_16f"]["clips"], ev.real_sets["fvd2048_16f"]["videos"]) == (12, 4)
    assert (ev.real_sets["fvd2048_128f"]["clips"], ev.real_sets["fvd2048_128f"]["videos"]) == (12, 2)
