"""Stale real-feature caches (issue 13 item 6): the key follows the videos' content, the weights file loaded and the
converter; every reader re-checks it (cache-real-features and the training hook rebuild, evaluate refuses)."""

import csv

import numpy as np
import pytest

from longvid.data.store import file_sha256
from longvid.metrics import cache, features
from longvid.metrics.detectors import Detector, DetectorConfig
from longvid.metrics.evaluate import EvalConfig, Evaluator, index_real_features
from longvid.metrics.hooks import checked_real_features
from longvid.metrics.realset import RealClipSpec

from metrics_store import CountingDetector, write_sample_folder, write_video_store


def repreprocess(store, video_id: str, seed: int = 7) -> None:
    """Emulate `longvid preprocess` writing other pixels of the same shape (and the manifest's new hash)."""
    path = store / f"{video_id}.npy"
    old = np.load(path)
    np.save(path, np.random.default_rng(seed).integers(0, 256, size=old.shape, dtype=np.uint8))
    with open(store / "videos.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        if row["video_id"] == video_id:
            row["sha256"] = file_sha256(path)
    with open(store / "videos.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_cache_is_rebuilt_after_a_video_changes_content_with_its_shape_unchanged(tmp_path):
    store = write_video_store(tmp_path, [20, 24, 30], res=8)
    det, out, spec = CountingDetector(), tmp_path / "16f.npz", RealClipSpec(length=16, count=6)
    before, _ = features.real_features(store, spec, det, out)
    size = (store / "v001.npy").stat().st_size
    repreprocess(store, "v001")
    assert (store / "v001.npy").stat().st_size == size  # same shape, same bytes count: only content tells
    after, _ = features.real_features(store, spec, det, out)
    assert det.calls == 12  # rebuilt, not read back
    assert not np.allclose(before, after)
    features.real_features(store, spec, det, out)
    assert det.calls == 12  # and then current again


def stale_evaluator(store, out, **cfg):
    ev = Evaluator(EvalConfig(fvd_detector="counting", **cfg), index_real_features([out]), store)
    det = CountingDetector()
    ev.detector = lambda name: det
    return ev


def test_evaluate_refuses_a_stale_file_naming_what_changed(tmp_path):
    store = write_video_store(tmp_path, [20, 24, 30], res=8)
    samples = write_sample_folder(tmp_path, n=3, frames=16, res=8)
    out = tmp_path / "16f.npz"
    features.real_features(store, RealClipSpec(length=16, count=6, seed=0), CountingDetector(), out)
    fvd = stale_evaluator(store, out, real_count=6).compute(samples, ["fvd2048_16f"])["fvd2048_16f"]
    assert fvd > 0
    with pytest.raises(ValueError, match=r"16f.npz: stale real features \(clips.count 6 \(file\) ≠ 2048 \(now\)"):
        stale_evaluator(store, out).compute(samples, ["fvd2048_16f"])
    with pytest.raises(ValueError, match=r"clips.seed 0 \(file\) ≠ 1 \(now\)"):
        stale_evaluator(store, out, real_count=6, seed=1).compute(samples, ["fvd2048_16f"])
    other = write_video_store(tmp_path / "elsewhere", [20, 24, 30], res=16)
    with pytest.raises(ValueError, match=r"resolution '8' \(file\) ≠ '16' \(now\)"):
        stale_evaluator(other, out, real_count=6).compute(samples, ["fvd2048_16f"])
    repreprocess(store, "v002")
    with pytest.raises(ValueError, match="stored videos changed.*cache-real-features --videos .* --count 6 --seed 0"):
        stale_evaluator(store, out, real_count=6).compute(samples, ["fvd2048_16f"])


def test_evaluate_checks_the_step_range_and_needs_the_real_store(tmp_path):
    store = write_video_store(tmp_path, [40, 44], res=8)
    samples = write_sample_folder(tmp_path, n=2, frames=16, res=8)
    out = tmp_path / "16f_s1-3.npz"
    features.real_features(store, RealClipSpec(length=16, count=4, steps=(1, 3)), CountingDetector(), out)
    ev = stale_evaluator(store, out, real_count=4, fid_detector="counting", vfid_steps=(1, 3))
    assert ev.compute(samples, ["vfid"])["vfid"] > 0
    assert ev.real_sets["vfid"]["steps"] == [1, 2, 3] and ev.real_sets["vfid"]["clips"] == 4
    with pytest.raises(FileNotFoundError, match="--steps 1,6 --out .*16f_s1-6.npz"):
        stale_evaluator(store, out, real_count=4, fid_detector="counting", vfid_steps=(1, 6)).compute(
            samples, ["vfid"])
    with pytest.raises(ValueError, match="need --videos"):
        Evaluator(EvalConfig(fid_detector="counting", vfid_steps=(1, 3)), index_real_features([out])).compute(
            samples, ["vfid"])


def test_a_store_without_content_hashes_is_a_clear_error(tmp_path):
    store = write_video_store(tmp_path, [20, 24], res=8)
    text = (store / "videos.csv").read_text().splitlines()
    (store / "videos.csv").write_text("\n".join(",".join(line.split(",")[:-1]) for line in text) + "\n")
    with pytest.raises(ValueError, match="no sha256 column .* rerun `longvid preprocess"):
        features.real_features(store, RealClipSpec(count=2), CountingDetector(), tmp_path / "16f.npz")


def test_hook_features_are_rechecked_and_keep_the_files_count_and_seed(tmp_path):
    store = write_video_store(tmp_path, [20, 24, 30], res=8)
    folder, det = tmp_path / "features", CountingDetector()
    features.real_features(store, RealClipSpec(length=16, count=5, seed=2), det, folder / "16f.npz")
    real = checked_real_features(store, folder, (1, 1), det, count=2048, seed=0)
    assert det.calls == 5 and real.shape == (5, 4)  # read back: the workflow's count and seed are the file's
    repreprocess(store, "v000")
    real = checked_real_features(store, folder, (1, 1), det, count=2048, seed=0)
    assert det.calls == 10 and real.shape == (5, 4)  # stale: rebuilt with the file's own count and seed
    _, meta = features.load_features(folder / "16f.npz")
    assert meta["clips"]["count"] == 5 and meta["clips"]["seed"] == 2
    checked_real_features(store, folder, (1, 3), det, count=4, seed=0)
    assert (folder / "16f_s1-3.npz").is_file() and det.calls == 14  # the run's step range: its own file


def test_key_follows_the_converted_weights_file_and_the_converter(tmp_path, monkeypatch):
    store = write_video_store(tmp_path, [20], res=8)
    weights = tmp_path / "i3d.pt"
    weights.write_bytes(b"converted weights, version A")
    det = Detector(DetectorConfig(name="i3d", weights=str(weights)))
    proto = det.protocol()
    assert proto["weights_sha256"] == file_sha256(weights) and proto["converter"] >= 1
    assert proto["source_sha256"].startswith("af5c50f0")
    key_a, _ = cache.cache_key(store, RealClipSpec(), proto)
    weights.write_bytes(b"converted weights, version B")  # reconverted: another file
    key_b, _ = cache.cache_key(store, RealClipSpec(), Detector(DetectorConfig(name="i3d", weights=str(weights)))
                               .protocol())
    from longvid.metrics import i3d

    monkeypatch.setattr(i3d, "CONVERTER_VERSION", i3d.CONVERTER_VERSION + 1)
    key_c, _ = cache.cache_key(store, RealClipSpec(), Detector(DetectorConfig(name="i3d", weights=str(weights)))
                               .protocol())
    assert len({key_a, key_b, key_c}) == 3


def test_evaluate_checks_each_clip_length_against_its_own_count(tmp_path):
    """`--real-count-of 16=9` (config datasets.<d>.real_clips): the 16f set holds 9 clips of 3 videos (several per
    video), the 32f set keeps --real-count; each file is checked against its own count."""
    from longvid.metrics.commands import parse_length_count

    store = write_video_store(tmp_path, [40, 44, 50], res=8)
    samples = write_sample_folder(tmp_path, n=3, frames=32, res=8)
    sixteen, thirty_two = tmp_path / "16f.npz", tmp_path / "32f.npz"
    features.real_features(store, RealClipSpec(length=16, count=9), CountingDetector(), sixteen)
    features.real_features(store, RealClipSpec(length=32, count=3), CountingDetector(), thirty_two)
    counts = (parse_length_count("16=9"),)
    ev = Evaluator(EvalConfig(fvd_detector="counting", real_count=3, real_counts=counts),
                   index_real_features([sixteen, thirty_two]), store)
    ev.detector = lambda name, det=CountingDetector(): det
    values = ev.compute(samples, ["fvd_len_16f", "fvd_len_32f"])
    assert values["fvd_len_16f"] > 0 and values["fvd_len_32f"] > 0
    record = ev.protocol["real_features"]["counting_16f"]["real_set"]
    assert record["clips"] == 9 > record["videos"] == 3
    with pytest.raises(ValueError, match=r"16f.npz: stale real features \(clips.count 9 \(file\) ≠ 3 \(now\)"):
        stale_evaluator(store, sixteen, real_count=3).compute(samples, ["fvd_len_16f"])
    with pytest.raises(Exception, match="LEN=N"):
        parse_length_count("16:9")
