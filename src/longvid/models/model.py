"""`EncGAN3`: Encoder + three-stream Generator + image and video discriminators (Ch. 3, Fig. 3.1).

The same module serves G³AN (`use_encoder=False`: `encoder` is None), the R2 family (content encoder on x_r) and
improved R2 (`g_mode="3d"`). Recipes own the losses and the optimiser order; this module only exposes the parts
(`param_groups()`), encoding (Alg. 1 lines 1–5), reparameterised sampling, prior draws (Alg. 2), D_V scores of
generated clips (`score`, VDrej) and generation:
`generate(z_c, z_m)` is how every sampler and metric hook turns codes into a clip (EncGAN3: G's frames; the recall
family, `longvid.models.recall`, rebuilds them around the reference frame).
"""

from __future__ import annotations

import torch
from torch import nn

from .config import ModelConfig
from .discriminator import ImageDiscriminator, VideoDiscriminator
from .encoder import Encoder
from .generator import Generator, motion_steps
from .latent import reparameterize, standard_normal

PARTS = ("encoder", "generator", "image_discriminator", "video_discriminator")


class EncGAN3(nn.Module):
    """EncGAN3 / G³AN / R2-family model; children `encoder`, `generator`, `image_discriminator`,
    `video_discriminator`."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.encoder = Encoder(cfg) if cfg.use_encoder else None
        self.generator = Generator(cfg)
        self.image_discriminator = ImageDiscriminator(cfg)
        self.video_discriminator = VideoDiscriminator(cfg)

    def param_groups(self) -> dict[str, list[nn.Parameter]]:
        """Parameters by part name (absent encoder → no `encoder` key), for one optimiser per part."""
        return {name: list(getattr(self, name).parameters()) for name in PARTS if getattr(self, name) is not None}

    def encode(self, video: torch.Tensor, content_index: int | None = None):
        """video (B, T, C, H, W) in [-1, 1] -> (mu_c, logvar_c (B, dim_zc), mu_m, logvar_m (B, dim_zm))."""
        if self.encoder is None:
            raise RuntimeError("this model has no Encoder (use_encoder: false, G³AN); sample_latents() instead")
        return self.encoder(video, content_index)

    @staticmethod
    def reparameterize(mu: torch.Tensor, logvar: torch.Tensor,
                       generator: torch.Generator | None = None) -> torch.Tensor:
        """z = mu + sigma * eps (Alg. 1, `sample(z_co)`)."""
        return reparameterize(mu, logvar, generator)

    def sample_latents(self, batch: int, generator: torch.Generator | None = None, frames: int | None = None,
                       device: torch.device | str | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Draw (z_content (B, dim_zc), z_motion) ~ N(0, I) (Alg. 2 phase 2) on `device` (default: the model's).

        z_motion is (B, dim_zm) for a 16-frame schedule; for longer clips (`frames`, default the trained
        length: Fig. 3.13, the 20-frame runs of Table 3.7) it is (B, dim_zm, n) with n = motion_steps(frames),
        the shape the encoder gives and `generator(..., frames=frames)` takes.
        """
        device = device if device is not None else next(self.generator.parameters()).device
        z_c = standard_normal((batch, self.cfg.dim_zc), generator, device)
        frames = self.cfg.frames if frames is None else frames
        if motion_steps(frames) == 1:
            return z_c, standard_normal((batch, self.cfg.dim_zm), generator, device)
        return z_c, standard_normal((batch, self.cfg.dim_zm, motion_steps(frames)), generator, device)

    def sample_prior(self, generators: list[torch.Generator], frames: int | None = None,
                     device: torch.device | str | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """One prior draw (z_c, z_m) per clip, clip j from `generators[j]` (Alg. 2 phase 2) -> batch of len(generators).

        A clip depends only on its own generator, never on the batch it is drawn in (samplers, metric hooks)."""
        pairs = [self.sample_latents(1, generator=g, frames=frames, device=device) for g in generators]
        return torch.cat([p[0] for p in pairs]), torch.cat([p[1] for p in pairs])  # (B, dim_zc), (B, dim_zm[, n])

    def generate(self, z_content: torch.Tensor, z_motion: torch.Tensor, frames: int | None = None) -> torch.Tensor:
        """Codes -> clip (B, T, C, H, W) in [-1, 1], as this family generates at test time (EncGAN3: G's frames)."""
        return self.generator(z_content, z_motion, frames)

    def score(self, video: torch.Tensor) -> torch.Tensor:
        """D_V logits (B,) of clips (B, T >= 16, C, H, W) in [-1, 1]: higher = more real (VDrej, Alg. 8)."""
        return self.video_discriminator(video)

    def forward(self, z_content: torch.Tensor, z_motion: torch.Tensor, frames: int | None = None) -> torch.Tensor:
        """Alias of `generator(z_content, z_motion)` -> (B, T, C, H, W) in [-1, 1]."""
        return self.generator(z_content, z_motion, frames)


def build_model(cfg: ModelConfig) -> EncGAN3:
    """Construct the model described by `cfg` (weights initialised as in G³AN)."""
    if not isinstance(cfg, ModelConfig):
        raise TypeError(f"build_model expects a ModelConfig, got {type(cfg).__name__}; "
                        "use ModelConfig.from_dict(run_config['model'])")
    return EncGAN3(cfg)
