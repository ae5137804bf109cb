"""The recall (REncGAN / R2) model and its operations: Eq. (4.2)–(4.3) rebuild, R_3VD stitched clip (Sec. 4.4).

`RecallModel(ModelConfig, RecallConfig)` (the family's model builder in `longvid.families`) is EncGAN3 (same parts,
same weights, so checkpoints load unchanged) built for one clip of `recall.clip` frames and carrying the run's
`recall:` options (`longvid.models.sections.RecallConfig`) as a constructor argument:

* **R_Enc** (`recall.r_enc`): CoEnc reads the clip's reference frame x_r (`model.content_index`, 8 in the r2_*
  presets) and every frame is rebuilt around the generated reference frame from the generated difference maps,
  Eq. (4.2)–(4.3) (`rebuild_from_reference`). Off: CoEnc reads x_0 and G's frames are used directly.
  `encode(clip)` reads that reference frame and `generate(z_c, z_m)` does the rebuild, so samplers, metric hooks
  and the recipe all generate the way the model was trained.
* **R_3VD** (`stitch`): the stitched clip of two overlapping clips, first r frames of each (Alg. 6 line 35).
* `split_window`: a training window of `clip + shift` frames -> the former and the latter clip.
"""

from __future__ import annotations

import torch

from .config import ModelConfig
from .encoder import difference_maps
from .model import EncGAN3
from .sections import RecallConfig


def rebuild_from_reference(ref, maps, r: int):
    """Eq. (4.2)–(4.3): frames around reference frame r from difference maps v_j = x_{j−1} − x_j (Eq. 3.3).

    ref (B, C, H, W), maps (B, T−1, C, H, W) -> (B, T, C, H, W). Backward x_j = x_{j+1} + v_{j+1} (j = r−1…0),
    forward x_j = x_{j−1} − v_j (j = r+1…T−1). The printed ⊖ / ⊕ use the opposite map sign; with Eq. 3.3's sign
    these are the operations that give back the clip exactly from x_r and its true maps.
    """
    t = maps.shape[1] + 1
    if not 0 <= r < t:
        raise ValueError(f"reference index {r} outside a {t}-frame clip")
    frames = [None] * t
    frames[r] = ref
    for j in range(r - 1, -1, -1):
        frames[j] = frames[j + 1] + maps[:, j]  # maps[:, j] = v_{j+1}
    for j in range(r + 1, t):
        frames[j] = frames[j - 1] - maps[:, j - 1]  # maps[:, j-1] = v_j
    return torch.stack(frames, dim=1)  # (B, T, C, H, W)


def stitch(first, second, shift: int):
    """R_3VD stitched clip: first `shift` frames of `first` + first T − shift of `second` (Alg. 6 line 35)."""
    t = first.shape[1]
    return torch.cat([first[:, :shift], second[:, : t - shift]], dim=1)  # (B, T, C, H, W)


def split_window(window, rcfg: RecallConfig):
    """Window (B, clip + shift, ...) -> former clip (frames 0…clip−1) and latter clip (shift…shift+clip−1)."""
    if window.shape[1] != rcfg.window:
        raise ValueError(f"recall training needs {rcfg.window}-frame windows (clip {rcfg.clip} + shift "
                         f"{rcfg.shift}), got {window.shape[1]}; set data.length: {rcfg.window} "
                         "(a 24f clip index: data.sampling segments or segment_step; or data.sampling step)")
    return window[:, : rcfg.clip], window[:, rcfg.shift : rcfg.shift + rcfg.clip]


def reference_index(model, rcfg: RecallConfig) -> int:
    """Content / reference frame of a clip: model.content_index (x_r = 8) with R_Enc, else x_0."""
    return model.cfg.content_index if rcfg.r_enc else 0


def generate_clip(model, z_c, z_m, ref: int, r_enc: bool):
    """G(z) -> clip (B, T, C, H, W); with R_Enc rebuilt around its generated reference frame (Eq. 4.2–4.3)."""
    video = model.generator(z_c, z_m)  # (B, T, C, H, W)
    if not r_enc:
        return video
    video = video.float()  # the running sums of Eq. 4.2-4.3 in float32, also under bf16 autocast
    return rebuild_from_reference(video[:, ref], difference_maps(video), ref)


class RecallModel(EncGAN3):
    """EncGAN3 of one `recall.clip`-frame clip that encodes at and generates around its reference frame."""

    def __init__(self, cfg: ModelConfig, rcfg: RecallConfig):
        if not cfg.use_encoder:
            raise ValueError("the recall family needs the encoder (model.use_encoder: true)")
        if cfg.frames != rcfg.clip:
            raise ValueError(f"model.frames={cfg.frames} must equal recall.clip={rcfg.clip} (the generated clip)")
        if rcfg.r_enc and cfg.content_index == 0:
            raise ValueError("recall.r_enc: true needs the reference frame as content frame: model.content_index: 8 "
                             "(model.preset r2_64 / r2_128)")
        super().__init__(cfg)
        self.recall_cfg = rcfg

    @property
    def reference(self) -> int:
        """The content / reference frame index r of a clip (x_r with R_Enc, else x_0)."""
        return reference_index(self, self.recall_cfg)

    def encode(self, video: torch.Tensor, content_index: int | None = None):
        """clip (B, clip, C, H, W) -> (mu_c, logvar_c, mu_m, logvar_m); CoEnc reads the reference frame by default."""
        return super().encode(video, self.reference if content_index is None else content_index)

    def generate(self, z_content: torch.Tensor, z_motion: torch.Tensor, frames: int | None = None) -> torch.Tensor:
        """Codes -> clip (B, clip, C, H, W); with R_Enc rebuilt around the generated reference frame (Eq. 4.2–4.3)."""
        if frames not in (None, self.cfg.frames):
            raise ValueError(f"the recall model generates {self.cfg.frames}-frame clips (recall.clip), not {frames}; "
                             "longer videos come from recall over real windows (Alg. 7)")
        return generate_clip(self, z_content, z_motion, self.reference, self.recall_cfg.r_enc)
