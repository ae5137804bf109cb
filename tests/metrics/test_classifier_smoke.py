"""The IS classifier trained on the data engineer's smoke world beats chance on held-out videos."""

import pytest

from longvid.cli import main
from longvid.metrics.classifier import load_classifier
from longvid.metrics.classifier_train import TrainClassifierConfig, train_classifier


@pytest.mark.slow
@pytest.mark.parametrize("dataset,label,epochs", [("weizmann", "action", 20), ("kth", "actor", 20)])
def test_classifier_beats_chance_on_heldout_smoke_videos(tmp_path, dataset, label, epochs):
    downloads, videos = tmp_path / "downloads", tmp_path / "videos"
    assert main(["download", "--dataset", dataset, "--source", "smoke", "--out", str(downloads)]) == 0
    assert main(["preprocess", "--dataset", dataset, "--downloads", str(downloads), "--resolution", "64",
                 "--out", str(videos)]) == 0
    out = tmp_path / f"{dataset}_64_{label}.pt"
    cfg = TrainClassifierConfig(label=label, epochs=epochs, batch_size=8, width=8, holdout=0.2, seed=0)
    summary = train_classifier(videos, cfg, out, log=lambda *_: None)
    assert summary["n_heldout"] >= 3
    assert summary["accuracy"] > max(summary["chance_uniform"], summary["chance_majority"])
    model, meta = load_classifier(out)
    assert meta["holdout"] == summary and meta["label"] == label and len(meta["classes"]) >= 2
