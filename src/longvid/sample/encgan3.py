"""EncGAN3 / G3AN samplers: Alg. 2 (noise, latent), latent swaps and sums (Fig. 3.10, 3.11), forced length (Fig. 3.13).

Every sampler yields ``(index, video (T, C, H, W) in [-1, 1])`` one batch at a time. Video *i* draws all its
randomness from its own generator seeded from (seed, i) (``writer.video_generator``) and reads real clip *i*
(dataset item ``i mod N`` at clip-sampling epoch ``i div N``), so it does not depend on the batch size. The model
runs in eval mode: spectral-norm vectors are frozen and the encoder's BatchNorm uses its running statistics, so a
video does not depend on the other videos of its batch either.

* ``noise`` (Alg. 2 phase 2): (z_c, z_m) ~ N(0, I); the G3AN sampler, and Table 3.5's "encoder at train only".
* ``latent`` (Alg. 2 phase 1): (z_c, z_m) = sample(Enc(x_i)) of real clip i; EncGAN3's "encoder at train and test".
* ``swap`` (Fig. 3.10), ceil(count / 4) groups of 4 videos: group k encodes real clips 2k and 2k+1 into
  (c1, m1), (c2, m2) and writes G(c1, m1), G(c1, m2), G(c2, m2), G(c2, m1): each content with both motions.
* ``sum`` (Fig. 3.11), 3 videos per group: group k writes G(c1, m1), G(c2, m2), G(c1 + c2, m1 + m2).
  (Without an encoder, swap and sum use noise codes drawn from the same per-clip generators.)
* ``forced`` (Fig. 3.13, Sec. 3.5.1): noise codes with the motion latent enlarged to ``frames`` frames
  (``model.sample_latents(..., frames=F)``, (B, dim_zm, n) motion code), e.g. 90 frames.
"""

from __future__ import annotations

from dataclasses import dataclass

GROUP_SIZE = {"noise": 1, "latent": 1, "forced": 1, "swap": 4, "sum": 3}  # videos per group of codes


@dataclass(frozen=True)
class SampleSpec:
    count: int  # videos; swap / sum write whole groups: ceil(count / group size) groups
    seed: int = 0  # base seed: video i uses a generator seeded from (seed, i)
    batch_size: int = 16  # videos per generator call (never changes the videos)
    frames: int | None = None  # forced: generated length (Fig. 3.13: 90); others: the trained length


class RealClips:
    """Real clip i of a ClipDataset: item i mod N at clip-sampling epoch i div N (reproducible, any count)."""

    def __init__(self, dataset):
        if len(dataset) == 0:
            raise ValueError("the real clip set is empty; check --videos and the run config's data.split")
        self.dataset = dataset

    def __call__(self, i: int) -> dict:
        n = len(self.dataset)
        if hasattr(self.dataset, "set_epoch"):
            self.dataset.set_epoch(i // n)
        return self.dataset[i % n]


def _codes(model, indices: list[int], spec: SampleSpec, clips, device):
    """Per-index codes (z_c (B, dim_zc), z_m (B, dim_zm)): sample(Enc(real clip i)) or N(0, I), generator (seed, i)."""
    import torch

    from longvid.sample.writer import video_generator

    gens = [video_generator(spec.seed, i) for i in indices]
    if clips is None or getattr(model, "encoder", None) is None:
        pairs = [model.sample_latents(1, generator=g, device=device) for g in gens]
        return torch.cat([p[0] for p in pairs]), torch.cat([p[1] for p in pairs]), None
    items = [clips(i) for i in indices]
    video = torch.stack([it["video"] for it in items]).to(device)  # (B, T, C, H, W)
    mu_c, lv_c, mu_m, lv_m = model.encode(video)
    z_c = torch.cat([model.reparameterize(mu_c[j:j + 1], lv_c[j:j + 1], g) for j, g in enumerate(gens)])
    z_m = torch.cat([model.reparameterize(mu_m[j:j + 1], lv_m[j:j + 1], g) for j, g in enumerate(gens)])
    return z_c, z_m, [it["video_id"] for it in items]


def _chunks(n: int, size: int):
    for start in range(0, n, max(size, 1)):
        yield list(range(start, min(start + size, n)))


def sample_videos(model, mode: str, spec: SampleSpec, clips=None, device="cpu", sources: list | None = None):
    """Yield ``(index, video (T, C, H, W))`` for ``mode``; appends the real clip ids used to ``sources``."""
    import torch

    if mode not in GROUP_SIZE:
        raise ValueError(f"sampler {mode!r}: choose one of {sorted(GROUP_SIZE)}")
    if mode == "latent" and (clips is None or getattr(model, "encoder", None) is None):
        raise ValueError("sampler latent needs an encoder and real clips (--videos); use --sampler noise for G3AN")
    if mode != "forced" and spec.frames not in (None, model.cfg.frames):
        raise ValueError(f"--frames {spec.frames} differs from the trained {model.cfg.frames}; use --sampler forced")
    size = GROUP_SIZE[mode]
    with torch.no_grad():
        for idx in _chunks(-(-spec.count // size), max(1, spec.batch_size // size)):  # idx: groups of codes
            if mode == "forced":
                yield from zip(idx, _forced(model, idx, spec, device))
                continue
            if size == 1:
                z_c, z_m, ids = _codes(model, idx, spec, clips if mode == "latent" else None, device)
                yield from zip(idx, model.generator(z_c, z_m))
            else:
                z_c, z_m, ids = _codes(model, [2 * k + j for k in idx for j in (0, 1)], spec, clips, device)
                c1, c2, m1, m2 = z_c[0::2], z_c[1::2], z_m[0::2], z_m[1::2]  # (G, dim) each
                if mode == "swap":
                    combos = [(c1, m1), (c1, m2), (c2, m2), (c2, m1)]
                else:
                    combos = [(c1, m1), (c2, m2), (c1 + c2, m1 + m2)]
                outs = [model.generator(c, m) for c, m in combos]  # each (G, T, C, H, W)
                for g, k in enumerate(idx):
                    for j in range(size):
                        yield k * size + j, outs[j][g]
            if sources is not None and ids is not None:
                sources.extend(ids)


def _forced(model, indices: list[int], spec: SampleSpec, device):
    """Noise codes with the motion latent enlarged to ``spec.frames`` (default 90) frames (Fig. 3.13)."""
    import torch

    from longvid.sample.writer import video_generator

    frames = spec.frames or 90
    pairs = [model.sample_latents(1, generator=video_generator(spec.seed, i), frames=frames, device=device)
             for i in indices]
    z_c, z_m = torch.cat([p[0] for p in pairs]), torch.cat([p[1] for p in pairs])  # (B, dim_zc), (B, dim_zm, n)
    return model.generator(z_c, z_m, frames=frames)  # (B, frames, C, H, W)
