"""Video Inception Score and its entropies (thesis Sec. 3.4.3, Eq. 3.8 at line 980; T3.3, 3.4, 4.6b; F3.2–3.3).

    IS = exp(E_x[D_KL(p(y|x) || p(y))]) = exp(H(y) − H(y|x))

with p(y) the mean of p(y|x) over the generated set. The thesis reports the two terms separately (after [42]):
``vis_hy`` = H(y) = −Σ_y p(y) log p(y) (inter-entropy, diversity, ↑) and ``vis_hyx`` = H(y|x) =
E_x[−Σ_y p(y|x) log p(y|x)] (intra-entropy, quality, ↓); natural logarithms. As usual (Salimans et al.; TGAN's
video IS), the set is cut into ``splits`` equal parts, each part's IS is computed with its own p(y), and the mean
over parts is reported (plus the std); H(y), H(y|x) are averaged over the same parts, so per part
IS = exp(H(y) − H(y|x)) exactly. p(y|x) comes from the per-dataset classifier of ``classifier.py``.
"""

from __future__ import annotations

import numpy as np


def entropy(p: np.ndarray, axis: int = -1) -> np.ndarray:
    """−Σ p log p along ``axis`` (0 log 0 = 0), float64."""
    p = np.asarray(p, np.float64)
    return -np.sum(np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0), axis=axis)


def inception_score(probs: np.ndarray, splits: int = 10) -> dict[str, float]:
    """``probs (N, K)`` rows of p(y|x) → ``{"vis", "vis_std", "vis_hy", "vis_hyx"}`` averaged over ``splits``."""
    probs = np.asarray(probs, np.float64)
    if probs.ndim != 2 or len(probs) < splits:
        raise ValueError(f"need (N, K) probabilities with N >= splits={splits}, got shape {probs.shape}")
    if not np.allclose(probs.sum(1), 1.0, atol=1e-4):
        raise ValueError("rows of probs must be probability distributions (softmax outputs)")
    scores, hy, hyx = [], [], []
    for part in np.array_split(probs, splits):
        h_y = float(entropy(part.mean(0)))
        h_yx = float(entropy(part).mean())
        hy.append(h_y)
        hyx.append(h_yx)
        scores.append(float(np.exp(h_y - h_yx)))
    return {"vis": float(np.mean(scores)), "vis_std": float(np.std(scores)),
            "vis_hy": float(np.mean(hy)), "vis_hyx": float(np.mean(hyx))}


def classifier_probs(model, clips_iter, device: str = "cpu") -> np.ndarray:
    """p(y|x) ``(N, K)`` of uint8 clip batches ``(B, T, H, W, 3)`` under a trained :mod:`classifier` model."""
    import torch

    from longvid.metrics.classifier import to_model_input

    out = []
    with torch.inference_mode():
        for clips in clips_iter:
            logits = model(to_model_input(clips, model.cfg, device))  # (B, K)
            out.append(torch.softmax(logits.double(), dim=1).cpu().numpy())
    return np.concatenate(out)
