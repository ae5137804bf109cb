"""Parameter counts per model part (Table 5.3: Enc 2.06 M, G 90.37 M, VD 29.32 M, ID 6.96 M for improved R2; GPT
1.36 B of R3 on top of it, part `gpt`).

Models are built on the meta device (no memory, no weights) without the spectral-norm wrapper, which only
reparameterises existing weights and adds no parameters.
"""

from __future__ import annotations

import torch

from .blocks import without_spectral_norm
from .config import VARIANTS, ModelConfig
from .gpt import count_gpt
from .model import PARTS, build_model
from .sections import GPTConfig

# Table 5.3 (thesis line 2105–2108): parameters of R3's improved R2 (128×128, g_mode 3d), in millions
TABLE_5_3 = {"encoder": 2.06, "generator": 90.37, "video_discriminator": 29.32, "image_discriminator": 6.96}
TABLE_5_3_VARIANT = "improved_r2_128"
R3_GPT = {TABLE_5_3_VARIANT: GPTConfig()}  # R2 variant -> the GPT R3 puts on it (Sec. 5.4.4: 48 blocks, 24 heads)


def count_parts(cfg: ModelConfig) -> dict[str, int]:
    """Parameters of every part of the model (an absent encoder counts 0) plus `total`."""
    with without_spectral_norm(), torch.device("meta"):
        model = build_model(cfg)
    counts = {p: sum(x.numel() for x in getattr(model, p).parameters()) if getattr(model, p) is not None else 0
              for p in PARTS}
    counts["total"] = sum(counts.values())
    return counts


def count_rows(variants: dict[str, ModelConfig] | None = None) -> list[dict]:
    """One row per (variant, part): variant, resolution, g_mode, part, params; an R2 variant of R3 (`R3_GPT`) also
    has part `gpt`, the GPT over its latent tokens of size 2 (dim_zc + dim_zm) (not in `total`, the R2's)."""
    rows = []
    for name, cfg in (variants or VARIANTS).items():
        counts = count_parts(cfg)
        if name in R3_GPT:
            counts["gpt"] = count_gpt(R3_GPT[name], 2 * (cfg.dim_zc + cfg.dim_zm))
        for part, n in counts.items():
            rows.append({"variant": name, "resolution": cfg.resolution, "g_mode": cfg.g_mode, "part": part,
                         "params": n})
    return rows
