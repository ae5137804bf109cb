"""Figure of a learning check (``longvid learning``, issue 12): metric curves over training + sample frames.

Top row: FVD, held-out L1, retrieval accuracy and latent-vs-noise difference against the training step, one
line per seed. Below: the noise samples of the first evaluation (the untrained model) and of the last, one row
per sample, every second frame - the figure a reader looks at to see that the stick figure / clouds appeared.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

CURVES = (("fvd", "FVD (I3D, 16 f)"), ("recon_l1", "held-out L1"), ("retrieval", "retrieval accuracy"),
          ("latent_noise", "|latent - noise| / |noise_i - noise_j|"))


def strip(samples: np.ndarray, rows: int = 4, every: int = 2) -> np.ndarray:
    """uint8 (N, T, H, W, 3) -> one image: ``rows`` samples, frames 0, every, 2 every, ... side by side."""
    rows = min(rows, len(samples))
    picked = samples[:rows, ::every]  # (R, T', H, W, 3)
    return np.concatenate([np.concatenate(list(r), axis=1) for r in picked], axis=0)  # (R H, T' W, 3)


def draw(rows: list[dict], samples: dict, out: Path, title: str) -> Path:
    """Write the figure to ``out`` (PNG); ``samples``: {epoch: uint8 (N, T, H, W, 3)} of one seed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    first, last = min(samples), max(samples)
    fig = plt.figure(figsize=(14, 10), constrained_layout=True)
    grid = fig.add_gridspec(3, len(CURVES), height_ratios=[1, 1.3, 1.3])
    for k, (key, label) in enumerate(CURVES):
        ax = fig.add_subplot(grid[0, k])
        for seed in sorted({r["seed"] for r in rows}):
            pts = [(r["step"], r[key]) for r in rows if r["seed"] == seed]
            ax.plot(*zip(*pts), marker="o", label=f"seed {seed}")
        ax.set_xlabel("training step")
        ax.set_title(label, fontsize=10)
        ax.grid(alpha=0.3)
    fig.axes[0].legend(fontsize=8)
    for row, epoch in ((1, first), (2, last)):
        ax = fig.add_subplot(grid[row, :])
        ax.imshow(strip(samples[epoch]))
        ax.set_axis_off()
        ax.set_title(f"noise samples after {epoch} epochs (every 2nd frame)", fontsize=10)
    fig.suptitle(f"[SMOKE WORLD] learning check: {title}")
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=80)
    plt.close(fig)
    return out
