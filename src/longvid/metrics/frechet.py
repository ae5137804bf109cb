"""Fréchet distance between Gaussians fitted to features — video FID, Eq. (3.7) (thesis line 973), and FVD [82].

    d² = ||μ_r − μ_g||² + Tr(Σ_r + Σ_g − 2 (Σ_r Σ_g)^{1/2})

Statistics are accumulated in float64 by :class:`FeatureStats` (running sum, sum of outer products, count), so
features can be streamed in batches. Σ is the unbiased covariance (divide by n − 1), as in tf-gan's
``frechet_classifier_distance_from_activations`` used by the original FVD, and as ``numpy.cov``.

``Tr((Σ_r Σ_g)^{1/2})`` by two formulas:
* ``eig`` (default; tf-gan's ``trace_sqrt_product``): with A = Σ_r^{1/2} from a symmetric eigendecomposition,
  Tr((Σ_r Σ_g)^{1/2}) = Σ_i sqrt(λ_i(A Σ_g A)), eigenvalues of a symmetric PSD matrix (clipped at 0);
* ``sqrtm``: ``scipy.linalg.sqrtm(Σ_r Σ_g)`` real part (the pytorch-fid / StyleGAN formula).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class FeatureStats:
    """Streaming float64 first and second moments of features ``(N, D)``."""

    dim: int  # feature dimension
    count: int = 0  # number of feature vectors seen
    total: np.ndarray = field(default=None)  # (D,) running sum
    outer: np.ndarray = field(default=None)  # (D, D) running sum of x xᵀ

    def __post_init__(self):
        if self.total is None:
            self.total = np.zeros(self.dim, np.float64)
        if self.outer is None:
            self.outer = np.zeros((self.dim, self.dim), np.float64)

    def update(self, feats: np.ndarray) -> "FeatureStats":
        x = np.asarray(feats, np.float64).reshape(-1, self.dim)  # (N, D)
        self.count += len(x)
        self.total += x.sum(0)
        self.outer += x.T @ x
        return self

    @classmethod
    def of(cls, feats: np.ndarray) -> "FeatureStats":
        feats = np.asarray(feats)
        return cls(feats.shape[-1]).update(feats)

    def mean(self) -> np.ndarray:
        return self.total / self.count

    def cov(self) -> np.ndarray:
        """Unbiased covariance (n − 1); needs at least two vectors."""
        if self.count < 2:
            raise ValueError(f"a covariance needs at least 2 feature vectors, got {self.count}")
        mu = self.mean()
        cov = (self.outer - self.count * np.outer(mu, mu)) / (self.count - 1)
        return (cov + cov.T) / 2  # exact symmetry against round-off


def _trace_sqrt_product_eig(s1: np.ndarray, s2: np.ndarray) -> float:
    w, v = np.linalg.eigh(s1)
    root = (v * np.sqrt(np.clip(w, 0, None))) @ v.T  # Σ1^{1/2}
    inner = root @ s2 @ root
    lam = np.linalg.eigvalsh((inner + inner.T) / 2)
    return float(np.sqrt(np.clip(lam, 0, None)).sum())


def _trace_sqrt_product_sqrtm(s1: np.ndarray, s2: np.ndarray) -> float:
    from scipy import linalg

    root = linalg.sqrtm(s1 @ s2)
    return float(np.real(np.trace(root)))


TRACE_SQRT = {"eig": _trace_sqrt_product_eig, "sqrtm": _trace_sqrt_product_sqrtm}


def frechet_distance(mu1, sigma1, mu2, sigma2, method: str = "eig") -> float:
    """Fréchet distance of N(mu1, sigma1) and N(mu2, sigma2) in float64 (Eq. 3.7)."""
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    s1, s2 = np.asarray(sigma1, np.float64), np.asarray(sigma2, np.float64)
    if mu1.shape != mu2.shape or s1.shape != s2.shape:
        raise ValueError(f"feature dimensions differ: {mu1.shape} vs {mu2.shape}")
    diff = mu1 - mu2
    tr = TRACE_SQRT[method](s1, s2)
    return float(diff @ diff + np.trace(s1) + np.trace(s2) - 2.0 * tr)


def frechet_from_stats(a: FeatureStats, b: FeatureStats, method: str = "eig") -> float:
    return frechet_distance(a.mean(), a.cov(), b.mean(), b.cov(), method)


def frechet_from_features(f1: np.ndarray, f2: np.ndarray, method: str = "eig") -> float:
    """Fréchet distance of two feature sets ``(N1, D)``, ``(N2, D)``."""
    return frechet_from_stats(FeatureStats.of(f1), FeatureStats.of(f2), method)
