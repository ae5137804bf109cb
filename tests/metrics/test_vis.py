"""Video IS and its entropies against closed forms; the IS classifier's shapes and parameter counts."""

import numpy as np
import pytest
import torch

from longvid.metrics.classifier import ClassifierConfig, VideoClassifier, to_model_input
from longvid.metrics.vis import entropy, inception_score


def test_same_distribution_for_every_input_gives_is_1():
    p = np.tile([0.5, 0.3, 0.2], (40, 1))
    s = inception_score(p, splits=4)
    assert s["vis"] == pytest.approx(1.0, abs=1e-12)
    assert s["vis_hy"] == pytest.approx(s["vis_hyx"], abs=1e-12)
    assert s["vis_hy"] == pytest.approx(-(0.5 * np.log(0.5) + 0.3 * np.log(0.3) + 0.2 * np.log(0.2)))


@pytest.mark.parametrize("k", [2, 5, 10])
def test_confident_uniformly_spread_classifier_gives_is_k(k):
    p = np.eye(k)[np.arange(10 * k) % k]  # each split holds every class equally often
    s = inception_score(p, splits=10)
    assert s["vis"] == pytest.approx(k, rel=1e-12)
    assert s["vis_hy"] == pytest.approx(np.log(k)) and s["vis_hyx"] == pytest.approx(0.0, abs=1e-12)
    assert s["vis_std"] == pytest.approx(0.0, abs=1e-12)


def test_is_is_exp_of_entropy_gap_per_split():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(60, 7)) * 3
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    s = inception_score(p, splits=1)
    kl = (p * (np.log(p) - np.log(p.mean(0)))).sum(1).mean()  # E_x KL(p(y|x) || p(y)), Eq. 3.8
    assert s["vis"] == pytest.approx(np.exp(kl), rel=1e-10)
    assert s["vis"] == pytest.approx(np.exp(s["vis_hy"] - s["vis_hyx"]), rel=1e-10)


def test_entropy_treats_0_log_0_as_0():
    assert entropy(np.array([1.0, 0.0])) == 0.0


def test_bad_inputs_are_rejected():
    with pytest.raises(ValueError, match="splits"):
        inception_score(np.full((3, 2), 0.5), splits=10)
    with pytest.raises(ValueError, match="probability"):
        inception_score(np.ones((10, 2)), splits=2)


# width 8 counted by hand: stem 3,544 + stages 6,976 + 24,480 + 97,600 + 389,760 + fc 325; width 64 ≈ 3D ResNet-18
@pytest.mark.parametrize("width,classes,params", [(8, 5, 522_685), (64, 10, 33_171_402)])
def test_classifier_shapes_and_parameter_counts(width, classes, params):
    model = VideoClassifier(ClassifierConfig(classes, width, 16, 64)).eval()
    assert sum(p.numel() for p in model.parameters()) == params
    clips = np.zeros((2, 20, 48, 48, 3), np.uint8)
    x = to_model_input(clips, model.cfg)
    assert x.shape == (2, 16, 3, 64, 64) and float(x.min()) == -1.0
    if width == 8:
        with torch.no_grad():
            assert model(x).shape == (2, classes)
