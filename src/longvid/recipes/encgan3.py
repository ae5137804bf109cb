"""EncGAN3 / G3AN training recipe: Alg. 1 with the update order of Sec. 3.3.2 (D -> Enc -> G), Eq. 3.1-3.6.

One iteration on a batch x (B, T, C, H, W):
0. **Shared forwards.** The noise clip x_tilde = G(z_tilde), z_tilde ~ N(0, I), and the reconstruction
   x_hat = G(sample(Enc(x))) are generated once, with gradient: G and Enc do not change before the steps that use
   them, so D's step takes their detached values and the later steps backpropagate through the same graphs
   (Alg. 1 draws one sample and generates one x_hat per iteration). Per iteration G runs 3 times (G3AN: once)
   and Enc twice, against 5 (2) and 3 when every step generated its own clips (until issue 17; same D step).
   Side effects of the fewer forwards: BatchNorm running statistics and spectral norm's power iteration advance
   once per forward; and the encoder's loss uses the sample D saw, not a second draw.
1. **Discriminators** (Eq. 3.5, 3.6). Fakes are x_hat and x_tilde of step 0, detached. D_V scores whole clips;
   D_I one uniformly random frame of each clip (independent index per clip and per source). One backward of
   L_DI + L_DV, then each discriminator's own Adam steps.
2. **Encoder** (Eq. 3.1, or Eq. 3.9 for loss variants ``diffmaps_enc`` / ``diffmaps``): L1 reconstruction of
   step 0's x_hat plus the KL of both latents. The gradient flows *through* G into the encoder (the
   reconstruction depends on the encoder only via G) but only the encoder's Adam steps; G's gradients from this
   pass are discarded.
3. **Generator** (Eq. 3.4 read as non-saturating BCE + L1, or Eq. 3.10 for ``diffmaps``): "we run the model
   again with the optimized Discriminator and Encoder" (Sec. 3.4.2): the updated encoder re-encodes x (no
   gradient to the encoder, a fresh reparameterisation draw) and G regenerates x_hat; with step 0's x_tilde both
   are scored by the updated D_V and D_I: four BCE terms (x_hat, x_tilde) x (D_V, D_I) + L1.
Global RNG use per iteration, in order: z_tilde; the step-0 draw of (z_c, z_m); D_I's frame indices (real, then
each fake); the step-3 draw; G's frame indices.
All weights are 1 as printed (``train.recon_weight`` / ``kl_weight`` / ``adv_weight`` exist for studies).
G3AN (``model.use_encoder: false``; ``train.encoder_mode: auto`` or ``none``): step 2 is skipped, the fakes are
x_tilde only and G's loss has no reconstruction term.
"""

from __future__ import annotations

from longvid.recipes.base import Recipe, adam


def model_config(run_cfg: dict, source: str = "run config"):
    """ModelConfig of the run: ``model.preset`` (a key of longvid.models.VARIANTS) overridden by the other keys."""
    from longvid.models.config import model_config as load_model

    return load_model(run_cfg.get("model"), source=source)


class EncGAN3Recipe(Recipe):
    """Alg. 1 step order with one Adam per part (Sec. 3.4.2)."""


    @classmethod
    def build_model(cls, run_cfg: dict):
        from longvid.models import build_model

        return build_model(model_config(run_cfg))

    def __init__(self, model, cfg, ctx):
        super().__init__(model, cfg, ctx)
        has_encoder = getattr(model, "encoder", None) is not None
        if cfg.encoder_mode == "auto":
            pass  # follow the model: EncGAN3 with an encoder, G3AN without
        elif cfg.encoder_mode == "none" and has_encoder:
            raise ValueError("train.encoder_mode: none (G3AN) needs a model without encoder: set "
                             "model.use_encoder: false (or model.preset: g3an_64 / g3an_128)")
        elif cfg.encoder_mode != "none" and not has_encoder:
            raise ValueError(f"train.encoder_mode: {cfg.encoder_mode} needs the encoder; the model has none "
                             "(model.use_encoder: false) - set train.encoder_mode: none for G3AN")
        self.use_encoder = has_encoder
        # the encoder's fc BatchNorm needs 2 clips in training mode: the loop tops up a last batch of 1
        self.min_batch = 2 if has_encoder and getattr(model.cfg, "encoder_fc_bn", True) else 1
        self.groups = model.param_groups()
        self.optimizers = {name: adam(params, cfg) for name, params in self.groups.items()}

    def _recon(self, x, x_hat, part: str):
        from longvid.recipes.losses import recon_diffmaps, recon_frames

        diff = self.cfg.loss == "diffmaps" or (self.cfg.loss == "diffmaps_enc" and part == "encoder")
        return recon_diffmaps(x, x_hat) if diff else recon_frames(x, x_hat)

    def _encode_sample(self, x):
        m = self.model
        mu_c, lv_c, mu_m, lv_m = m.encode(x)  # (B, dim_zc) x2, (B, dim_zm) x2
        return (m.reparameterize(mu_c, lv_c), m.reparameterize(mu_m, lv_m)), (mu_c, lv_c, mu_m, lv_m)

    def step(self, batch: dict) -> dict[str, float]:
        import torch

        from longvid.recipes.losses import discriminator_loss, generator_adv_loss, kl_term, random_frames

        m, cfg, ctx = self.model, self.cfg, self.ctx
        x = batch["video"]  # (B, T, C, H, W) in [-1, 1]
        z_tilde = m.sample_latents(x.shape[0], frames=x.shape[1], device=x.device)  # (B, dim_zc), (B, dim_zm[, n])
        g, d_i, d_v = m.generator, m.image_discriminator, m.video_discriminator
        out = {}

        # 0. the forwards the steps share (module docstring): x_tilde and the first x_hat, with gradient
        with ctx.autocast():
            x_tilde = g(*z_tilde)  # (B, T, C, H, W): D's fake (detached) and G's noise term in step 3
            if self.use_encoder:
                z, (mu_c, lv_c, mu_m, lv_m) = self._encode_sample(x)
                x_hat = g(*z)  # D's fake (detached) and the encoder's reconstruction in step 2

        # 1. discriminators (Eq. 3.5, 3.6)
        fakes = [x_hat.detach(), x_tilde.detach()] if self.use_encoder else [x_tilde.detach()]
        with ctx.autocast():
            l_dv = discriminator_loss(d_v(x), [d_v(f) for f in fakes])
            l_di = discriminator_loss(d_i(random_frames(x)), [d_i(random_frames(f)) for f in fakes])
        self.update_parts(("image_discriminator", "video_discriminator"), l_di + l_dv)
        out |= {"d_image": l_di.item(), "d_video": l_dv.item()}
        del fakes

        # 2. encoder (Eq. 3.1 / 3.9)
        if self.use_encoder:
            with ctx.autocast():
                rec = self._recon(x, x_hat, "encoder")
                n = x[0].numel()  # T*C*H*W: the KL : L1 ratio of Eq. 3.1 (losses.kl_term)
                kl = kl_term(mu_c, lv_c, cfg.kl_reduction, n) + kl_term(mu_m, lv_m, cfg.kl_reduction, n)
                l_enc = cfg.recon_weight * rec + cfg.kl_weight * kl
            self.update_parts(("encoder",), l_enc)
            out |= {"enc": l_enc.item(), "enc_recon": rec.item(), "enc_kl": kl.item()}
            del x_hat

        # 3. generator (Eq. 3.4 / 3.10, non-saturating); x_hat again from the updated encoder (Sec. 3.4.2)
        with ctx.autocast():
            fakes = [x_tilde]
            if self.use_encoder:
                with torch.no_grad():
                    z = self._encode_sample(x)[0]
                fakes.insert(0, g(*z))
            adv = generator_adv_loss([d_v(f) for f in fakes] + [d_i(random_frames(f)) for f in fakes])
            l_g = cfg.adv_weight * adv
            if self.use_encoder:
                rec = self._recon(x, fakes[0], "generator")
                l_g = l_g + cfg.recon_weight * rec
                out["g_recon"] = rec.item()
        self.update_parts(("generator",), l_g)
        out |= {"g": l_g.item(), "g_adv": adv.item()}
        return out
