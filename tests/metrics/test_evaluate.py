"""`longvid cache-real-features` / `train-classifier` / `evaluate` end to end on a tiny store, real I3D."""

import json

import numpy as np
import pytest

from longvid.cli import main
from longvid.data.store import file_sha256
from longvid.metrics import features
from longvid.metrics.classifier_train import stratified_holdout
from longvid.metrics.evaluate import EvalConfig, Evaluator, index_real_features
from longvid.metrics.frechet import frechet_from_features
from longvid.metrics.fvd import generated_features

from metrics_store import CountingDetector, write_sample_folder, write_video_store


def test_stratified_holdout_is_seeded_and_keeps_every_class_in_training():
    labels = [0] * 5 + [1] * 5 + [2]
    train, held = stratified_holdout(labels, 0.2, seed=3)
    assert (train, held) == stratified_holdout(labels, 0.2, seed=3)
    assert sorted(train + held) == list(range(11)) and len(held) == 2
    assert {labels[i] for i in train} == {0, 1, 2}


def test_evaluate_end_to_end(tmp_path, i3d_weights):
    store = write_video_store(tmp_path, [20, 22, 24], labels=["a", "b", "a"])
    samples = write_sample_folder(tmp_path, n=2, frames=20)
    w = ["--weights", str(i3d_weights), "--batch-size", "8"]
    f10 = tmp_path / "features" / "10f.npz"
    assert main(["cache-real-features", "--videos", str(store), "--length", "10", "--count", "5",
                 "--out", str(f10), *w]) == 0
    clf = tmp_path / "toy_action.pt"
    assert main(["train-classifier", "--videos", str(store), "--label", "action", "--epochs", "1", "--width", "4",
                 "--batch-size", "4", "--holdout", "0", "--out", str(clf)]) == 0
    out = tmp_path / "metrics" / "e.json"
    metrics = "fvd_len_10f,fvd_along_16f,vis_action,vis_hyx_action"
    assert main(["evaluate", "--samples", str(samples), "--real-features", str(f10), "--metrics", metrics,
                 "--classifier", f"action={clf}", "--is-splits", "1", "--videos", str(store), "--real-count", "5",
                 "--extract-missing", "--out", str(out), *w]) == 0
    result = json.loads(out.read_text())
    m = result["metrics"]
    assert result["run_type"] == "smoke" and set(m) == set(metrics.split(","))
    assert m["fvd_len_10f"] > 0 and len(m["fvd_along_16f"]) == 1
    assert m["fvd_along_16f"][0] > 0 and proto_count(result, "i3d_16f") == 5  # 16f real set made on the fly
    assert 1.0 <= m["vis_action"] <= 2.0 and m["vis_hyx_action"] >= 0
    proto = result["protocol"]
    assert proto["detectors"]["i3d"]["weights_sha256"] == file_sha256(i3d_weights)  # the converted file loaded
    assert proto["detectors"]["i3d"]["source_sha256"].startswith("af5c50f0")
    assert proto["real_features"]["i3d_10f"]["count"] == 5 and proto["generated_count"] == 2
    real_set = result["real_set"]
    assert set(real_set) == {"fvd_len_10f", "fvd_along_16f"}  # IS has no real reference
    assert (real_set["fvd_len_10f"]["clips"], real_set["fvd_len_10f"]["videos"]) == (5, 3)  # more clips than videos
    assert real_set["fvd_len_10f"]["steps"] == [1] and real_set["fvd_len_10f"]["offsets"] == "seeded random"


def proto_count(result, key):
    return result["protocol"]["real_features"][key]["count"]


def test_evaluate_names_the_missing_real_features(tmp_path):
    samples = write_sample_folder(tmp_path, n=2, frames=20)
    with pytest.raises(FileNotFoundError, match="cache-real-features"):
        main(["evaluate", "--samples", str(samples), "--metrics", "fvd2048_16f", "--out", str(tmp_path / "x.json")])


def test_unknown_metric_is_rejected(tmp_path):
    samples = write_sample_folder(tmp_path, n=2, frames=20)
    with pytest.raises(ValueError, match="unknown metric"):
        main(["evaluate", "--samples", str(samples), "--metrics", "fvd_sideways", "--out", str(tmp_path / "x.json")])


def fake_evaluator(cfg, paths, det, store):
    ev = Evaluator(cfg, index_real_features(paths), store)
    ev.detector = lambda name: det  # the I3D stand-in, for every detector name
    return ev


def test_fvd_along_reads_the_real_clips_of_long_videos(tmp_path):
    store = write_video_store(tmp_path, [20, 24, 18, 30, 70, 80, 66, 90, 75], res=8)
    samples = write_sample_folder(tmp_path, n=4, frames=64, res=8)
    det = CountingDetector()
    every, long = tmp_path / "16f.npz", tmp_path / "16f_min64.npz"
    features.real_features(store, features.RealClipSpec(length=16, count=9), det, every)
    features.real_features(store, features.RealClipSpec(length=16, count=9, min_frames=64), det, long)
    cfg = EvalConfig(fvd_detector="counting", along_min_frames=64, real_count=9)
    ev = fake_evaluator(cfg, [long, every], det, store)  # any order: each file says which clips it holds
    out = ev.compute(samples, ["fvd2048_16f", "fvd_along_16f"])
    real_long, _ = features.load_features(long)
    assert len(real_long) == 9 and len(out["fvd_along_16f"]) == 4
    assert ev.real_sets["fvd_along_16f"]["videos"] == 5 and ev.real_sets["fvd2048_16f"]["videos"] == 9
    assert out["fvd_along_16f"][1] == pytest.approx(
        frechet_from_features(real_long, generated_features(det, samples, 16, start=16)), rel=1e-9)
    used = ev.protocol["real_features"]
    assert used["counting_16f_min64"]["file"] == str(long) and used["counting_16f_min64"]["count"] == 9
    assert used["counting_16f"]["file"] == str(every) and used["counting_16f"]["count"] == 9  # fvd2048_16f
    with pytest.raises(FileNotFoundError, match="--min-frames 64 --out .*/16f_min64.npz"):
        fake_evaluator(cfg, [every], det, store).compute(samples, ["fvd_along_16f"])  # only the all-videos file
