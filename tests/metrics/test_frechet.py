"""Fréchet distance: streaming statistics vs closed forms, scipy and the symmetric eigen formula."""

import numpy as np
import pytest
from scipy import linalg

from longvid.metrics.frechet import FeatureStats, frechet_distance, frechet_from_features, frechet_from_stats


def _features(seed, n=300, d=24, shift=0.0):
    rng = np.random.default_rng(seed)
    mix = rng.normal(size=(d, d)) / np.sqrt(d)
    return rng.normal(size=(n, d)) @ mix + shift


def _scipy_reference(a, b):
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1 + s2 - 2 * np.real(linalg.sqrtm(s1 @ s2))))


@pytest.mark.parametrize("method", ["eig", "sqrtm"])
def test_matches_the_scipy_formula_to_1e_6(method):
    a, b = _features(0), _features(1, shift=0.3)
    assert frechet_from_features(a, b, method) == pytest.approx(_scipy_reference(a, b), rel=1e-6)


def test_both_trace_formulas_agree():
    a, b = _features(2), _features(3, shift=-0.2)
    assert frechet_from_features(a, b, "eig") == pytest.approx(frechet_from_features(a, b, "sqrtm"), rel=1e-6)


def test_streaming_equals_one_shot():
    a = _features(4)
    stream = FeatureStats(a.shape[1])
    for chunk in np.array_split(a, 7):
        stream.update(chunk)
    np.testing.assert_allclose(stream.mean(), a.mean(0), rtol=1e-12)
    np.testing.assert_allclose(stream.cov(), np.cov(a, rowvar=False), rtol=1e-9, atol=1e-12)


def test_zero_for_identical_sets_and_symmetric():
    a, b = _features(5), _features(6, shift=1.0)
    assert abs(frechet_from_features(a, a)) < 1e-8
    assert frechet_from_features(a, b) == pytest.approx(frechet_from_features(b, a), rel=1e-9)


def test_closed_form_for_diagonal_gaussians():
    mu1, mu2 = np.array([0.0, 1.0]), np.array([2.0, 1.0])
    s1, s2 = np.diag([1.0, 4.0]), np.diag([9.0, 1.0])
    # ||Δμ||² + Σ (σ1 − σ2)² = 4 + (1−3)² + (2−1)² = 9
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(9.0, rel=1e-12)


def test_stats_need_two_vectors():
    with pytest.raises(ValueError, match="at least 2"):
        frechet_from_stats(FeatureStats.of(np.ones((1, 3))), FeatureStats.of(np.ones((4, 3))))
