"""REncGAN = R2 training recipe: R_Enc + R_3VD on overlapping clip pairs, losses v1–v4 (Sec. 4.4–4.5, Alg. 6).

A training item is a window of `clip + shift` frames (24 = 16 + 8, the "24-frame segments"); the former clip
X¹ = frames 0…15 and the latter clip X² = frames r…r+15 (r = shift = clip − overlap = 8, PROTOCOL §0: r = T_c//2 + 1,
not T_c − T_o = 7). Both clips go through the *same* EncGAN3 (weights shared across chain states), in one batch.

* **R_Enc** (`recall.r_enc`): CoEnc reads the clip's reference frame x_r (`model.content_index`, 8 in the r2_*
  presets) and every frame is rebuilt around the generated reference frame from the generated difference maps,
  Eq. (4.2)–(4.3) (`rebuild_from_reference`). Off: CoEnc reads x_0 and G's frames are used directly.
* **R_3VD** (`recall.r3vd`): stitched clip X̂³ = first `shift` frames of X̂¹ + first `clip − shift` of X̂²
  (= concat(X̂¹_{0:r}, X̂²_{0:r}) for r = 8, Alg. 6 line 35), which shows real frames 0…15; D_V scores X̂¹, X̂², X̂³
  and the terms are averaged (Eq. 4.7, Alg. 6 line 37). Off: Eq. (4.6). D_I scores the same random frame index of
  X̂¹ and X̂² (averaged, Alg. 6 lines 39–40).
* **Loss variants** (`recall.loss`, Sec. 4.5.3, Table 4.3):
  - `v4` (REncGAN): D (Eq. 4.5 + 4.7) → Encoder + Generator **jointly** with Eq. (4.4): L1 at the reference frame
    + L1 of the rebuilt clip + both KLs + non-saturating adversarial terms; no noise branch.
  - `v1`–`v3`: EncGAN3's separate schedule (D → Enc → G, as recipes/encgan3.py) with its noise branch x̃ = G(z̃)
    in D and G. Encoder loss = reconstruction + KL, generator loss = adversarial (x̂ and x̃) + reconstruction.
    The reconstruction is Eq. (4.4)'s image term at the reference frame plus: v1 — video terms of X̂¹, X̂² **and**
    X̂³ (target: real frames 0…15); v2 — video terms of X̂¹, X̂² only; v3 — no video term (our reading: "does not
    consider any of the video reconstruction error term" removes the video terms; the image term stays, else the
    encoder would be trained by the KL alone).
  - `v5` is named in Table 4.3 but never defined (PROTOCOL §8.6): refused with an error.
Every term is averaged over the clips it applies to; weights from `train.*_weight` (1 as printed); GAN terms are
BCE on logits and reconstruction terms mean absolute errors (recipes/losses.py readings).
The recipe's own options come from the run config's `recall:` block (`RecallConfig`); `train.loss` is unused.
"""

from __future__ import annotations

from longvid.models.sections import LOSSES, RecallConfig  # noqa: F401 (re-exported)
from longvid.recipes.base import Recipe, adam


def rebuild_from_reference(ref, maps, r: int):
    """Eq. (4.2)–(4.3): frames around reference frame r from difference maps v_j = x_{j−1} − x_j (Eq. 3.3).

    ref (B, C, H, W), maps (B, T−1, C, H, W) -> (B, T, C, H, W). Backward x_j = x_{j+1} + v_{j+1} (j = r−1…0),
    forward x_j = x_{j−1} − v_j (j = r+1…T−1). The printed ⊖ / ⊕ use the opposite map sign; with Eq. 3.3's sign
    these are the operations that give back the clip exactly from x_r and its true maps.
    """
    import torch

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
    import torch

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
    from longvid.models.encoder import difference_maps

    video = model.generator(z_c, z_m)  # (B, T, C, H, W)
    if not r_enc:
        return video
    video = video.float()  # the running sums of Eq. 4.2-4.3 in float32, also under bf16 autocast
    return rebuild_from_reference(video[:, ref], difference_maps(video), ref)


def recall_model(run_cfg: dict):
    """EncGAN3 of the run with frames = recall.clip (model.frames is the clip, data.length the window)."""
    from longvid.recipes.encgan3 import model_config

    rcfg = RecallConfig.from_run(run_cfg)
    return build_recall(model_config(run_cfg).replace(frames=rcfg.clip), rcfg)


def build_recall(cfg, rcfg: RecallConfig):
    """The recall-family model from its exact arguments (`longvid.families` builder): EncGAN3 + `recall_cfg`."""
    from longvid.models import build_model

    if not cfg.use_encoder:
        raise ValueError("the recall family needs the encoder (model.use_encoder: true)")
    if rcfg.r_enc and cfg.content_index == 0:
        raise ValueError("recall.r_enc: true needs the reference frame as content frame: model.content_index: 8 "
                         "(model.preset r2_64 / r2_128)")
    model = build_model(cfg)
    model.recall_cfg = rcfg  # plain attribute: the recipe and samplers read the recall options from the model
    return model


class RecallRecipe(Recipe):
    """Alg. 6 with the update order of Sec. 4.4.3 (v4) or Sec. 3.3.2 (v1–v3)."""

    @classmethod
    def build_model(cls, run_cfg: dict):
        return recall_model(run_cfg)

    def __init__(self, model, cfg, ctx):
        if getattr(cfg, "encoder_mode", "auto") not in ("auto", "train_test"):
            raise ValueError(f"the recall family trains and samples with its encoder: train.encoder_mode="
                             f"{cfg.encoder_mode!r} must be auto or train_test")
        super().__init__(model, cfg, ctx)
        self.rcfg = getattr(model, "recall_cfg", None) or RecallConfig()
        self.ref = reference_index(model, self.rcfg)
        self.groups = model.param_groups()
        self.optimizers = {name: adam(params, cfg) for name, params in self.groups.items()}

    def _fakes(self, x1, x2, enc_grad: bool, gen_grad: bool | None = None):
        """Encode both clips as one batch, sample, generate -> (x̂¹, x̂², x̂³ or None, (mu_c, lv_c, mu_m, lv_m))."""
        import torch

        m, rc = self.model, self.rcfg
        with torch.set_grad_enabled(enc_grad):
            stats = m.encode(torch.cat([x1, x2]), self.ref)  # 4 x (2B, dim)
        with torch.set_grad_enabled(enc_grad if gen_grad is None else gen_grad):
            z_c, z_m = m.reparameterize(stats[0], stats[1]), m.reparameterize(stats[2], stats[3])
            clips = generate_clip(m, z_c, z_m, self.ref, rc.r_enc)  # (2B, T, C, H, W)
        f1, f2 = clips.chunk(2)
        return f1, f2, (stitch(f1, f2, rc.shift) if rc.r3vd else None), stats

    def _adv_terms(self, fakes, singles, target: float):
        """Mean BCE of D_V over `fakes` and of D_I over a shared random frame of `singles` (Alg. 6 lines 37–40)."""
        import torch

        from longvid.recipes.losses import bce_logits

        d_i, d_v = self.model.image_discriminator, self.model.video_discriminator
        idx = torch.randint(singles[0].shape[1], (singles[0].shape[0],)).to(singles[0].device)  # (B,)
        rows = torch.arange(singles[0].shape[0], device=singles[0].device)
        l_v = sum(bce_logits(d_v(f), target) for f in fakes) / len(fakes)
        l_i = sum(bce_logits(d_i(f[rows, idx]), target) for f in singles) / len(singles)
        return l_v, l_i

    def _recon(self, x1, x2, f1, f2, f3):
        """Reconstruction terms of the variant: image term at r (+ video terms of v1/v2/v4), averaged over clips."""
        from longvid.recipes.losses import recon_frames

        r, loss = self.ref, self.rcfg.loss
        rec = (recon_frames(x1[:, r], f1[:, r]) + recon_frames(x2[:, r], f2[:, r])) / 2  # ||x_r − x̂_r||
        if loss != "v3":
            video = [recon_frames(x1, f1), recon_frames(x2, f2)]
            if loss == "v1" and f3 is not None:
                video.append(recon_frames(x1, f3))  # X̂³ shows real frames 0…clip−1
            rec = rec + sum(video) / len(video)
        return rec

    def step(self, batch: dict) -> dict[str, float]:
        x1, x2 = split_window(batch["video"], self.rcfg)  # (B, T, C, H, W) each
        noise = self.rcfg.loss != "v4"  # v1-v3 keep EncGAN3's noise branch
        z_tilde = self.model.sample_latents(x1.shape[0], device=x1.device) if noise else None
        out = self._discriminator_step(x1, x2, z_tilde)
        return out | (self._joint_step(x1, x2) if not noise else self._separate_steps(x1, x2, z_tilde))

    def _discriminator_step(self, x1, x2, z_tilde) -> dict:
        """Eq. 4.5 + Eq. 4.7 (Eq. 4.6 without R_3VD); v1-v3 add the noise clip x̃ as a fake."""
        import torch

        ctx = self.ctx
        with torch.no_grad(), ctx.autocast():
            f1, f2, f3, _ = self._fakes(x1, x2, enc_grad=False)
            x_tilde = self.model.generator(*z_tilde) if z_tilde is not None else None
        with ctx.autocast():
            real_v, real_i = self._adv_terms([x1, x2], [x1, x2], 1.0)
            fake_v, fake_i = self._adv_terms([f for f in (f1, f2, f3) if f is not None], [f1, f2], 0.0)
            l_dv, l_di = real_v + fake_v, real_i + fake_i
            if x_tilde is not None:
                noise_v, noise_i = self._adv_terms([x_tilde], [x_tilde], 0.0)
                l_dv, l_di = l_dv + noise_v, l_di + noise_i
        self.update_parts(("image_discriminator", "video_discriminator"), l_di + l_dv)
        return {"d_image": l_di.item(), "d_video": l_dv.item()}

    def _recon_kl(self, x1, x2, fakes, stats):
        """(reconstruction of the variant, KL of both latents) of one encoder pass."""
        from longvid.recipes.losses import kl_term

        mu_c, lv_c, mu_m, lv_m = stats
        kl = kl_term(mu_c, lv_c, self.cfg.kl_reduction) + kl_term(mu_m, lv_m, self.cfg.kl_reduction)
        return self._recon(x1, x2, *fakes), kl

    def _joint_step(self, x1, x2) -> dict:
        """v4: Encoder + Generator jointly with Eq. 4.4 (no noise branch)."""
        cfg = self.cfg
        with self.ctx.autocast():
            f1, f2, f3, stats = self._fakes(x1, x2, enc_grad=True)
            rec, kl = self._recon_kl(x1, x2, (f1, f2, f3), stats)
            adv = sum(self._adv_terms([f for f in (f1, f2, f3) if f is not None], [f1, f2], 1.0))
            loss = cfg.recon_weight * rec + cfg.kl_weight * kl + cfg.adv_weight * adv
        self.update_parts(("encoder", "generator"), loss)
        return {"encg": loss.item(), "recon": rec.item(), "kl": kl.item(), "g_adv": adv.item()}

    def _separate_steps(self, x1, x2, z_tilde) -> dict:
        """v1-v3: Encoder (recon + KL; G's gradients discarded), then Generator on a re-encoding by the updated
        encoder (no gradient to it): adversarial terms of x̂ and x̃ + recon (EncGAN3's schedule, Sec. 3.3.2)."""
        cfg = self.cfg
        with self.ctx.autocast():
            f1, f2, f3, stats = self._fakes(x1, x2, enc_grad=True)
            rec, kl = self._recon_kl(x1, x2, (f1, f2, f3), stats)
            l_enc = cfg.recon_weight * rec + cfg.kl_weight * kl
        self.update_parts(("encoder",), l_enc)
        with self.ctx.autocast():
            f1, f2, f3, _ = self._fakes(x1, x2, enc_grad=False, gen_grad=True)
            x_tilde = self.model.generator(*z_tilde)
            adv = sum(self._adv_terms([f for f in (f1, f2, f3) if f is not None], [f1, f2], 1.0))
            adv = adv + sum(self._adv_terms([x_tilde], [x_tilde], 1.0))
            g_rec = self._recon(x1, x2, f1, f2, f3)
            l_g = cfg.adv_weight * adv + cfg.recon_weight * g_rec
        self.update_parts(("generator",), l_g)
        return {"enc": l_enc.item(), "recon": rec.item(), "kl": kl.item(), "g": l_g.item(), "g_adv": adv.item(),
                "g_recon": g_rec.item()}
