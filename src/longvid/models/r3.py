"""`R3Model`: the frozen improved R2 plus the GPT over its latent sequences (Sec. 5.4.2, Fig. 5.3).

The model of family `r3` (builder `build_r3` in `longvid.families`). Its R2 is frozen (no gradients, always in eval
mode) and its weights travel in the R3 checkpoint, so a sampler rebuilds the whole of R3 from one file. A latent
token is the R2 encoder's output of one clip, concatenated: (mu_c, logvar_c, mu_m, logvar_m), size
2 (dim_zc + dim_zm) = 1536 for improved R2 (docs/architecture.md reading 2). `encode`, `generate`, `sample_prior`
and the discriminators are the R2's, so the latent modes (mean / sample / VDrej) work on R3 as on R2.
"""

from __future__ import annotations

import torch
from torch import nn

from .config import ModelConfig
from .gpt import GPT
from .recall import RecallModel
from .sections import GPTConfig, RecallConfig


class R3Model(nn.Module):
    """Children `r2` (a frozen `RecallModel`) and `gpt` (`longvid.models.gpt.GPT`)."""

    def __init__(self, r2: RecallModel, gcfg: GPTConfig):
        super().__init__()
        if gcfg.clip != r2.recall_cfg.clip or gcfg.shift != r2.recall_cfg.shift:
            raise ValueError(f"gpt.clip / gpt.shift = {gcfg.clip} / {gcfg.shift} must be the R2's recall.clip / "
                             f"clip shift = {r2.recall_cfg.clip} / {r2.recall_cfg.shift}")
        self.r2 = r2.requires_grad_(False).eval()
        self.gpt = GPT(gcfg, self.latent_size_of(r2.cfg))
        self.cfg, self.recall_cfg, self.gcfg = r2.cfg, r2.recall_cfg, gcfg  # model_args (train/rebuild.py)

    @staticmethod
    def latent_size_of(cfg: ModelConfig) -> int:
        """Size of one latent token: means and log-variances of the content and motion codes."""
        return 2 * (cfg.dim_zc + cfg.dim_zm)

    def train(self, mode: bool = True):
        super().train(mode)
        self.r2.eval()  # frozen: BatchNorm statistics and dropout stay as trained
        return self

    def param_groups(self) -> dict[str, list[nn.Parameter]]:
        return {"gpt": list(self.gpt.parameters())}

    # --------------------------------------------------------------------------------- latent tokens
    def tokens(self, clip: torch.Tensor) -> torch.Tensor:
        """clip (B, clip, C, H, W) in [-1, 1] -> latent tokens (B, 2 (dim_zc + dim_zm))."""
        return torch.cat(self.r2.encode(clip), dim=1)

    def split(self, token: torch.Tensor):
        """tokens (..., D) -> (mu_c, logvar_c, mu_m, logvar_m), the inverse of `tokens`."""
        c, m = self.cfg.dim_zc, self.cfg.dim_zm
        return tuple(token.split([c, c, m, m], dim=-1))

    # --------------------------------------------------------------------------------- R2's generation
    def encode(self, video, content_index=None):
        return self.r2.encode(video, content_index)

    def generate(self, z_content, z_motion, frames=None):
        return self.r2.generate(z_content, z_motion, frames)

    def sample_prior(self, generators, frames=None, device=None):
        return self.r2.sample_prior(generators, frames, device)

    def reparameterize(self, mu, logvar, generator=None):
        return self.r2.reparameterize(mu, logvar, generator)

    @property
    def video_discriminator(self):
        return self.r2.video_discriminator

    @property
    def image_discriminator(self):
        return self.r2.image_discriminator

    @property
    def reference(self) -> int:
        return self.r2.reference


def build_r3(cfg: ModelConfig, gcfg: GPTConfig, recall: RecallConfig | None = None) -> R3Model:
    """R3 from the R2's model and `recall:` blocks and the `gpt:` block (untrained weights; the recipe loads the R2)."""
    return R3Model(RecallModel(cfg, recall or RecallConfig()), gcfg)
