"""AR2 = auto-regressive REncGAN training recipe (Sec. 5.3.2–5.3.4, Alg. 9, Eq. 5.1–5.2; docs/chapter5.md).

A training item is R2's 24-frame window: former clip X¹ = frames 0…15, latter clip X² = frames r…r+15 (r = 8).
Unlike R2 (recipes/recall.py) only X¹ is encoded and generated, and the generated clip *predicts* X²:

* **Generation** (Alg. 9 l. 9–11): x̂ = G(sample(Enc(X¹))) (content frame x_r, frames rebuilt around the generated
  reference frame, Eq. 4.2–4.3, as R2) and the noise clip x̃ = G(z̃), z̃ ~ N(0, I) (our reading of l. 11, printed
  as a copy of l. 10). x̂ and x̃ go through G as two batches (G's BatchNorm sees each kind alone, as in EncGAN3).
* **Prediction** (Eq. 5.1 terms 1–2, Alg. 9 l. 12): Smooth L1 between X² and x̂ at the reference frame r and over
  all frames (`prediction_loss`), each a mean over elements.
* **Stitched clip** (R_3VD of AR2, Alg. 9 l. 15): concat(X¹_{0:r}, x̂_{0:r}): the first r *real* frames of the
  former clip, then the first r generated frames (`recall.r3vd: false` drops it).
* **Discriminators first** (Sec. 5.3.4): D_I = Eq. 3.5 (a shared random frame index of X¹ real; of x̂ and x̃ fake,
  averaged as Alg. 9 l. 18); D_V = Eq. 5.2: X¹ real; x̂, the stitched clip and x̃ fake, averaged (Alg. 9 l. 19).
* **One generation pass** (Alg. 9 l. 9–15 once per iteration): x̂, x̃ and the stitched clip are generated once,
  with gradient; D's step takes them detached (neither Enc nor G changes in between) and the joint step
  backpropagates through the same graph. Until issue 17 each step generated them again (a second posterior draw).
  Global RNG use per iteration: z̃; the draw of (z_c, z_m); D_I's frame index (D's step, then the joint step's).
* **Encoder + Generator jointly** (Eq. 5.1): prediction + KL of both latents + non-saturating adversarial terms
  of x̂ (D_V averaged over x̂ and the stitched clip as R2's Eq. 4.4 reading; D_I of a frame) and of x̃ (D_V, D_I).
Options come from the run config's `recall:` block (`RecallConfig`: clip, overlap, r_enc, r3vd, latent); AR2 has
one loss and always the noise branch, so `recall.loss` must stay v4 (the joint schedule) and `recall.noise` must
not be false. Weights from `train.recon_weight` / `kl_weight` / `adv_weight` (1 as printed).
"""

from __future__ import annotations

from longvid.models.sections import RecallConfig
from longvid.recipes.recall import RecallRecipe, training_codes


def build_ar2(cfg, rcfg: RecallConfig):
    """The AR2 model from its exact arguments (`longvid.families` builder): a `RecallModel` (improved R2 parts,
    `recall_cfg`, encode at / generate around the reference frame) after AR2's own checks."""
    if rcfg.loss != "v4":
        raise ValueError(f"recall.loss: {rcfg.loss} selects an R2 loss variant; AR2 has one loss (Eq. 5.1, "
                         "Encoder and Generator trained jointly) - leave recall.loss at v4 for family ar2")
    if rcfg.noise is False:
        raise ValueError("recall.noise: false - AR2 always trains the noise branch (Sec. 5.3.2, Eq. 5.1-5.2); "
                         "drop the key for family ar2")
    from longvid.models.recall import RecallModel

    return RecallModel(cfg, rcfg)


def ar2_stitch(former, generated, shift: int):
    """Alg. 9 l. 15: first `shift` real frames of the former clip + first T − shift generated frames (B, T, ...)."""
    from longvid.models.recall import stitch

    return stitch(former, generated, shift)


def smooth_l1(x, y):
    """Smooth L1 (beta 1) averaged over every element (Sec. 5.3.2: AR2's reconstruction error)."""
    import torch.nn.functional as F

    return F.smooth_l1_loss(x.float(), y.float())


def prediction_loss(latter, generated, ref: int):
    """Eq. 5.1 terms 1–2: ‖x_{j_c+1,r} − x̂_{j_c,r}‖ + Σ_j ‖x_{j_c+1,j} − x̂_{j_c,j}‖ with Smooth L1; (B, T, ...)."""
    return smooth_l1(latter[:, ref], generated[:, ref]) + smooth_l1(latter, generated)


class AR2Recipe(RecallRecipe):
    """Alg. 9: D (Eq. 3.5 + 5.2), then Encoder + Generator jointly (Eq. 5.1); one Adam per part."""

    min_batch = 2  # only X¹ is encoded: the encoder's fc BatchNorm needs 2 clips (R2 always feeds 2B)

    @classmethod
    def build_model(cls, run_cfg: dict):
        from longvid.recipes.encgan3 import model_config

        rcfg = RecallConfig.from_run(run_cfg)
        return build_ar2(model_config(run_cfg).replace(frames=rcfg.clip), rcfg)

    def generate(self, former, z_tilde, grad: bool):
        """Alg. 9 l. 9–15 -> (x̂, x̃, stitched clip or None, (mu_c, lv_c, mu_m, lv_m)); clips (B, T, C, H, W)."""
        import torch

        m, rc = self.model, self.rcfg
        with torch.set_grad_enabled(grad):
            stats = m.encode(former, self.ref)  # 4 x (B, dim)
            x_hat = m.generate(*training_codes(m, stats, rc.latent))  # rebuilt around x_r (Eq. 4.2-4.3)
            x_tilde = m.generate(*z_tilde)  # the rebuild from G's own maps gives back G's frames
        stitched = ar2_stitch(former, x_hat, rc.shift) if rc.r3vd else None
        return x_hat, x_tilde, stitched, stats

    def step(self, batch: dict) -> dict[str, float]:
        from longvid.models.recall import split_window

        former, latter = split_window(batch["video"], self.rcfg)  # X¹ (frames 0…15), X² (frames r…r+15)
        z_tilde = self.model.sample_latents(former.shape[0], device=former.device)
        with self.ctx.autocast():  # the one generation pass of Alg. 9 l. 9-15: D's fakes (detached) and Eq. 5.1
            gen = self.generate(former, z_tilde, grad=True)
        return self.discriminator_step(former, gen) | self.encoder_generator_step(former, latter, gen)

    def discriminator_step(self, former, gen) -> dict:
        """-(Eq. 3.5) for D_I and -(Eq. 5.2) for D_V on the detached fakes of `gen`, averaged (Alg. 9 l. 18–19)."""
        x_hat, x_tilde, stitched, _ = gen
        x_hat, x_tilde, stitched = (None if t is None else t.detach() for t in (x_hat, x_tilde, stitched))
        with self.ctx.autocast():
            real_v, real_i = self._adv_terms([former], [former], 1.0)
            fakes = [f for f in (x_hat, stitched, x_tilde) if f is not None]
            fake_v, fake_i = self._adv_terms(fakes, [x_hat, x_tilde], 0.0)
            l_dv, l_di = real_v + fake_v, real_i + fake_i
        self.update_parts(("image_discriminator", "video_discriminator"), l_di + l_dv)
        return {"d_image": l_di.item(), "d_video": l_dv.item()}

    def encoder_generator_step(self, former, latter, gen) -> dict:
        """Eq. 5.1 on `gen` (the pass D saw): prediction of X² + both KLs + adversarial terms of x̂ (and stitched)
        and x̃, one backward."""
        from longvid.recipes.losses import kl_term

        cfg = self.cfg
        x_hat, x_tilde, stitched, (mu_c, lv_c, mu_m, lv_m) = gen
        with self.ctx.autocast():
            rec = prediction_loss(latter, x_hat, self.ref)
            n = former[0].numel()  # T*C*H*W of one clip: Eq. 5.1's KL : L1 ratio (losses.kl_term, docs/learning.md)
            kl = kl_term(mu_c, lv_c, cfg.kl_reduction, n) + kl_term(mu_m, lv_m, cfg.kl_reduction, n)
            adv = sum(self._adv_terms([f for f in (x_hat, stitched) if f is not None], [x_hat], 1.0))
            adv_noise = sum(self._adv_terms([x_tilde], [x_tilde], 1.0))
            loss = cfg.recon_weight * rec + cfg.kl_weight * kl + cfg.adv_weight * (adv + adv_noise)
        self.update_parts(("encoder", "generator"), loss)
        return {"encg": loss.item(), "recon": rec.item(), "kl": kl.item(), "g_adv": adv.item(),
                "g_adv_noise": adv_noise.item()}
