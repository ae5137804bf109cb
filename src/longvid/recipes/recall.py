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
* **Improved R2 options** (Sec. 5.2, 5.5.3): `recall.latent: mean` trains G on the posterior means instead of
  sampled codes (Fig. 5.8; the KL terms stay); `recall.noise: true` with v4 adds EncGAN3's noise branch
  (x~ = G(z~), z~ ~ N(0, I), a fake for D_V / D_I and two non-saturating terms for G; Table 5.7, Fig. 5.10).
  `model.g_mode` (3d / 1p2d, Table 5.6) is the preset improved_r2_128 / improved_r2_128_1p2d.
* **One generation pass** (`RecallRecipe.generation`): both clips are encoded, sampled and generated once per
  iteration, with gradient, and x̃ = G(z̃) once: D's step takes the detached clips (neither Enc nor G changes before
  the steps that use them), the v4 joint step or the v1–v3 encoder step backpropagates through the same graph, and
  only v1–v3's generator step regenerates x̂ from the updated encoder (Sec. 3.3.2). Alg. 6 generates X̂¹, X̂² once per
  iteration; until issue 17 the recipe generated them (and x̃) again for every step, with a fresh draw.
  Global RNG use per iteration: z̃; the draw of (z_c, z_m); D_I's frame indices (D's step, then G's); v1–v3 add
  the generator step's draw before G's frame indices.
Every term is averaged over the clips it applies to; weights from `train.*_weight` (1 as printed); GAN terms are
BCE on logits and reconstruction terms mean absolute errors (recipes/losses.py readings).
The recipe's own options come from the run config's `recall:` block (`models/sections.py`, carried by the model as
`model.recall_cfg`); `train.loss` is unused.
The model and the recall operations (Eq. 4.2–4.3, the stitched clip) are model-side: `longvid.models.recall`.
"""

from __future__ import annotations

from longvid.recipes.base import Recipe, adam


def training_codes(model, stats, latent: str):
    """(z_c, z_m) G is trained on: `sample` z = mu + sigma * eps (Alg. 6 `sample`) or `mean` z = mu (Fig. 5.8)."""
    mu_c, lv_c, mu_m, lv_m = stats
    if latent == "mean":
        return mu_c, mu_m
    return model.reparameterize(mu_c, lv_c), model.reparameterize(mu_m, lv_m)


def recall_model(run_cfg: dict):
    """The run's RecallModel with frames = recall.clip (model.frames is the clip, data.length the window)."""
    from longvid.models.recall import RecallModel
    from longvid.models.sections import RecallConfig
    from longvid.recipes.encgan3 import model_config

    rcfg = RecallConfig.from_run(run_cfg)
    return RecallModel(model_config(run_cfg).replace(frames=rcfg.clip), rcfg)


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
        self.rcfg, self.ref = model.recall_cfg, model.reference  # a longvid.models.recall.RecallModel
        self.groups = model.param_groups()
        self.optimizers = {name: adam(params, cfg) for name, params in self.groups.items()}

    def _fakes(self, x1, x2, enc_grad: bool, gen_grad: bool | None = None):
        """Encode both clips as one batch, sample, generate -> (x̂¹, x̂², x̂³ or None, (mu_c, lv_c, mu_m, lv_m))."""
        import torch

        from longvid.models.recall import stitch

        m, rc = self.model, self.rcfg
        with torch.set_grad_enabled(enc_grad):
            stats = m.encode(torch.cat([x1, x2]), self.ref)  # 4 x (2B, dim)
        with torch.set_grad_enabled(enc_grad if gen_grad is None else gen_grad):
            z_c, z_m = training_codes(m, stats, rc.latent)
            clips = m.generate(z_c, z_m)  # (2B, T, C, H, W), rebuilt around x_r with R_Enc (Eq. 4.2-4.3)
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
        from longvid.models.recall import split_window

        x1, x2 = split_window(batch["video"], self.rcfg)  # (B, T, C, H, W) each
        noise = self.rcfg.noise_branch  # v1-v3 keep EncGAN3's noise branch; v4 only with recall.noise: true
        z_tilde = self.model.sample_latents(x1.shape[0], device=x1.device) if noise else None
        gen = self.generation(x1, x2, z_tilde)
        out = self._discriminator_step(x1, x2, gen)
        joint = self.rcfg.loss == "v4"
        return out | (self._joint_step(x1, x2, gen) if joint else self._separate_steps(x1, x2, gen))

    def generation(self, x1, x2, z_tilde):
        """The iteration's one generation pass, with gradient (module docstring, "One generation pass"):
        (x̂¹, x̂², x̂³ or None, (mu_c, lv_c, mu_m, lv_m), x̃ or None)."""
        with self.ctx.autocast():
            f1, f2, f3, stats = self._fakes(x1, x2, enc_grad=True)
            x_tilde = self.model.generator(*z_tilde) if z_tilde is not None else None  # (B, T, C, H, W)
        return f1, f2, f3, stats, x_tilde

    def _discriminator_step(self, x1, x2, gen) -> dict:
        """Eq. 4.5 + Eq. 4.7 (Eq. 4.6 without R_3VD) on the detached fakes of `gen`; v1-v3 (and recall.noise) add
        the noise clip x̃ as a fake."""
        f1, f2, f3, _, x_tilde = gen
        f1, f2, f3, x_tilde = (None if t is None else t.detach() for t in (f1, f2, f3, x_tilde))
        with self.ctx.autocast():
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
        n, red = x1[0].numel(), self.cfg.kl_reduction  # n = T*C*H*W of one clip: Eq. 4.4's KL : L1 ratio
        kl = kl_term(mu_c, lv_c, red, n) + kl_term(mu_m, lv_m, red, n)
        return self._recon(x1, x2, *fakes), kl

    def _joint_step(self, x1, x2, gen) -> dict:
        """v4: Encoder + Generator jointly with Eq. 4.4 on `gen` (the pass D saw); with x̃ (recall.noise: true,
        Table 5.7) also the non-saturating terms of x̃ = G(z̃) through D_V and D_I (EncGAN3's noise terms of
        Eq. 3.4)."""
        cfg = self.cfg
        f1, f2, f3, stats, x_tilde = gen
        with self.ctx.autocast():
            rec, kl = self._recon_kl(x1, x2, (f1, f2, f3), stats)
            adv = sum(self._adv_terms([f for f in (f1, f2, f3) if f is not None], [f1, f2], 1.0))
            if x_tilde is not None:
                adv = adv + sum(self._adv_terms([x_tilde], [x_tilde], 1.0))
            loss = cfg.recon_weight * rec + cfg.kl_weight * kl + cfg.adv_weight * adv
        self.update_parts(("encoder", "generator"), loss)
        return {"encg": loss.item(), "recon": rec.item(), "kl": kl.item(), "g_adv": adv.item()}

    def _separate_steps(self, x1, x2, gen) -> dict:
        """v1-v3: Encoder (recon + KL of `gen`; G's gradients discarded), then Generator on a re-encoding by the
        updated encoder (no gradient to it): adversarial terms of x̂ and of `gen`'s x̃ + recon (EncGAN3's schedule,
        Sec. 3.3.2)."""
        cfg = self.cfg
        f1, f2, f3, stats, x_tilde = gen
        with self.ctx.autocast():
            rec, kl = self._recon_kl(x1, x2, (f1, f2, f3), stats)
            l_enc = cfg.recon_weight * rec + cfg.kl_weight * kl
        self.update_parts(("encoder",), l_enc)
        with self.ctx.autocast():
            f1, f2, f3, _ = self._fakes(x1, x2, enc_grad=False, gen_grad=True)
            adv = sum(self._adv_terms([f for f in (f1, f2, f3) if f is not None], [f1, f2], 1.0))
            adv = adv + sum(self._adv_terms([x_tilde], [x_tilde], 1.0))
            g_rec = self._recon(x1, x2, f1, f2, f3)
            l_g = cfg.adv_weight * adv + cfg.recon_weight * g_rec
        self.update_parts(("generator",), l_g)
        return {"enc": l_enc.item(), "recon": rec.item(), "kl": kl.item(), "g": l_g.item(), "g_adv": adv.item(),
                "g_recon": g_rec.item()}
