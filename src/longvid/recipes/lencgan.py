"""LEncGAN training recipe (Sec. 4.2.2, Alg. 3–4): EncGAN3's objectives clip by clip with inherited LSTM states.

A training item is one long video (or long window) x (B, T, C, H, W); the thesis uses batch size 1 because its
videos differ in length (Sec. 4.2.4). It is cut into consecutive non-overlapping clips of `lencgan.clip` frames
(Sec. 4.2.2 "a long video is split into several 16-frame clips"; a tail shorter than a clip is dropped). The first
clip starts from zero LSTM states (Alg. 3); every later clip starts from the previous clip's **detached** states
(Alg. 4 lines 14–15). Because the states are detached no gradient crosses clips, so each clip is one EncGAN3
iteration — D → Enc → G with Eq. 3.1–3.6, exactly `EncGAN3Recipe.step` — and memory does not grow with the video
length (our reading: the thesis does not say whether the clips' losses were summed before one optimiser step).
The state carried to the next clip comes from the last encoder pass of the clip (the generator pass, with the
updated encoder). Returned losses are means over the clips of the video.

`lencgan.recon_target` (Fig. 4.4) adds an image reconstruction term |x_k − x̂_k| on the first (k = 0) or middle
(k = 7) frame to the reconstruction of both the Encoder and the Generator losses; `none` = plain EncGAN3 losses.
"""

from __future__ import annotations

from longvid.recipes.encgan3 import EncGAN3Recipe


def lencgan_model(run_cfg: dict):
    """LEncGAN of the run (model.frames = lencgan.clip: the generator makes one clip at a time)."""
    from longvid.models.lencoder import LEncGANConfig, build_lencgan
    from longvid.recipes.encgan3 import model_config

    lcfg = LEncGANConfig.from_run(run_cfg)
    return build_lencgan(model_config(run_cfg).replace(frames=lcfg.clip), lcfg)


def video_clips(video, clip: int) -> list:
    """Consecutive non-overlapping clips (B, clip, C, H, W) of a video (B, T, ...); the short tail is dropped."""
    n = video.shape[1] // clip
    if n == 0:
        raise ValueError(f"LEncGAN needs videos of at least {clip} frames, got {video.shape[1]}; raise data.length")
    return [video[:, i * clip : (i + 1) * clip] for i in range(n)]


class LEncGANRecipe(EncGAN3Recipe):
    """Alg. 3–4: EncGAN3 iterations over the clips of a long video with inherited, detached LSTM states."""

    @classmethod
    def build_model(cls, run_cfg: dict):
        return lencgan_model(run_cfg)

    def __init__(self, model, cfg, ctx):
        if cfg.encoder_mode not in ("auto", "train_test"):
            raise ValueError(f"LEncGAN trains and uses its encoder: train.encoder_mode={cfg.encoder_mode!r} must be "
                             "auto or train_test")
        super().__init__(model, cfg, ctx)
        self.lcfg = model.lcfg

    def _recon(self, x, x_hat, part: str):
        rec = super()._recon(x, x_hat, part)
        target = self.lcfg.recon_target
        if target == "none":
            return rec
        from longvid.recipes.losses import recon_frames

        k = 0 if target == "first" else self.lcfg.middle
        return rec + recon_frames(x[:, k], x_hat[:, k])  # image reconstruction term (Fig. 4.4)

    def step(self, batch: dict) -> dict[str, float]:
        encoder = self.model.encoder
        encoder.reset()  # zero states for the first clip (Alg. 3 line 5)
        totals: dict[str, float] = {}
        clips = video_clips(batch["video"], self.lcfg.clip)
        for clip in clips:
            for k, v in super().step(batch | {"video": clip}).items():
                totals[k] = totals.get(k, 0.0) + v
            encoder.advance()  # the next clip inherits this clip's detached state (Alg. 4 lines 14-15)
        encoder.reset()
        return {k: v / len(clips) for k, v in totals.items()}
