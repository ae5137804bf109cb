"""EncGAN3 / G3AN samplers: Alg. 2 (noise, latent), latent swaps and sums (Fig. 3.10, 3.11), forced length (Fig. 3.13).

Every sampler yields ``(index, video (T, C, H, W) in [-1, 1])`` one batch at a time. Video *i* draws all its
randomness from its own generator seeded from (seed, i) (``longvid.models.latent.video_generator``) and reads real clip *i*
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
  (``model.sample_prior(..., frames=F)``, (B, dim_zm, n) motion code), e.g. 90 frames.

Codes come from the latent mode ``--latent`` (``longvid.sample.latents``: ``sample`` as Alg. 2, ``mean``, or
``vdrej`` for ``latent``: the D_V-best of ``--candidates`` clips of each real clip's posterior, Alg. 8's first
window; swap / sum refuse it, their recombined clips are not the ones D_V scored); every clip is
``model.generate(z_c, z_m)``, so each family generates as it was trained.
Recall-family checkpoints (REncGAN, ``longvid.models.recall.RecallModel``) run the same noise / latent / swap / sum
samplers, as Fig. 4.10 needs (REncGAN on Sky: (c1, m1), (c2, m2), swapped motions, sum): the real item is a training
window of ``clip + shift`` (24) frames, of which the encoder reads the first ``clip`` (16) (every model reads the
first ``model.cfg.frames`` of an item) with content frame x_r = 8 with R_Enc, else x_0 (``RecallModel.encode``),
and every clip, noise ones included, is rebuilt around the generated reference frame with R_Enc (Eq. 4.2-4.3,
``RecallModel.generate``), the only output the recipe trained. ``forced`` is refused for them (our reading):
the recall generator was trained on 16-frame clips only, and REncGAN makes longer videos by recalling over real
windows (Alg. 7, ``--sampler recall --frames L``), not with an enlarged motion code (Fig. 3.13 is EncGAN3's).
The registry entries (``noise`` ... ``forced`` below) write into a ``SampleFolder`` (``longvid.sample.stream``).
"""

from __future__ import annotations

GROUP_SIZE = {"noise": 1, "latent": 1, "forced": 1, "swap": 4, "sum": 3}  # videos per group of codes
ENCODES = ("latent", "swap", "sum")  # samplers that encode real clips (when the model has an encoder)


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


def _codes(model, indices: list[int], request, clips, device):
    """Per-index codes ((z_c (B, dim_zc), z_m (B, dim_zm)), real clip ids or None): the latent mode of Enc(real
    clip i) (``longvid.sample.latents.Codes``), or N(0, I); all of video i's draws come from its generator (seed, i)."""
    import torch

    from longvid.models.latent import video_generator
    from longvid.sample.latents import choose

    gens = [video_generator(request.seed, i) for i in indices]
    if clips is None or getattr(model, "encoder", None) is None:
        return model.sample_prior(gens, device=device), None
    items = [clips(i) for i in indices]
    video = torch.stack([it["video"] for it in items]).to(device)  # (B, T, C, H, W); recall: (B, clip + shift, ...)
    t = model.cfg.frames
    if video.shape[1] < t:
        raise ValueError(f"real items have {video.shape[1]} frames, the encoder reads {t}; sample with the run "
                         "config's data block")
    stats = model.encode(video[:, :t])  # (B, dim) x 4; a recall model reads its reference frame x_r
    return choose(request)(model, stats, gens, None), [it["video_id"] for it in items]


def _check(model, mode: str, request, clips) -> None:
    if mode not in GROUP_SIZE:
        raise ValueError(f"sampler {mode!r}: choose one of {sorted(GROUP_SIZE)}")
    if mode == "latent" and (clips is None or getattr(model, "encoder", None) is None):
        raise ValueError("sampler latent needs an encoder and real clips (--videos); use --sampler noise for G3AN")
    if mode == "forced" and getattr(model, "recall_cfg", None) is not None:
        raise ValueError("sampler forced enlarges EncGAN3's motion code (Fig. 3.13); a recall-family model was trained "
                         f"on {model.cfg.frames}-frame clips and makes long videos by recall: use --sampler recall "
                         "--frames <length> --videos <real videos> (Alg. 7)")
    if mode in ("swap", "sum") and request.latent == "vdrej":
        raise ValueError(f"--latent vdrej keeps the clip D_V scores best (Alg. 8); sampler {mode} writes clips of "
                         "recombined codes that D_V never scored: use --latent sample or mean")
    if mode != "forced" and request.frames not in (None, model.cfg.frames):
        other = "recall" if getattr(model, "recall_cfg", None) is not None else "forced"
        raise ValueError(f"--frames {request.frames} differs from the trained {model.cfg.frames}; use --sampler {other}")


def sample_videos(model, mode: str, request, clips=None, device="cpu", sources: list | None = None):
    """Yield ``(index, video (T, C, H, W))`` for ``mode``; appends the real clip ids used to ``sources``."""
    import torch

    from longvid.sample.latents import decode

    _check(model, mode, request, clips)
    size = GROUP_SIZE[mode]
    with torch.no_grad():
        for idx in _group_batches(request, size):  # idx: groups of codes (one video each for size 1)
            if mode == "forced":
                yield from zip(idx, _forced(model, idx, request, device))
                continue
            if size == 1:
                codes, ids = _codes(model, idx, request, clips if mode == "latent" else None, device)
                yield from zip(idx, decode(model, codes))  # VDrej: the kept clips themselves
            else:
                (z_c, z_m), ids = _codes(model, [2 * k + j for k in idx for j in (0, 1)], request, clips, device)
                c1, c2, m1, m2 = z_c[0::2], z_c[1::2], z_m[0::2], z_m[1::2]  # (G, dim) each
                if mode == "swap":
                    combos = [(c1, m1), (c1, m2), (c2, m2), (c2, m1)]
                else:
                    combos = [(c1, m1), (c2, m2), (c1 + c2, m1 + m2)]
                outs = [model.generate(c, m) for c, m in combos]  # each (G, T, C, H, W)
                for g, k in enumerate(idx):
                    for j in range(size):
                        yield k * size + j, outs[j][g]
            if sources is not None and ids is not None:
                sources.extend(ids)


def _group_batches(request, size: int):
    """Groups of codes: ceil(count / size) groups, batch_size // size groups per generator call."""
    n, per = -(-request.count // size), max(1, request.batch_size // size)
    for start in range(0, n, per):
        yield list(range(start, min(start + per, n)))


def _forced(model, indices: list[int], request, device):
    """Noise codes with the motion latent enlarged to ``request.frames`` (default 90) frames (Fig. 3.13)."""
    from longvid.models.latent import video_generator

    frames = request.frames or 90
    z_c, z_m = model.sample_prior([video_generator(request.seed, i) for i in indices], frames=frames, device=device)
    return model.generate(z_c, z_m, frames=frames)  # (B, frames, C, H, W); z_m (B, dim_zm, n)


def _run(mode: str, model, run_cfg: dict, request, folder, device) -> dict:
    """Write ``mode``'s videos into ``folder``; returns the manifest keys of this sampler."""
    clips = None
    if mode in ENCODES and model.encoder is not None:
        from longvid.data.clips import build_dataset

        if request.videos is None:
            raise SystemExit(f"--sampler {mode} encodes real clips: pass --videos resources/videos/<ds>/<res>")
        clips = RealClips(build_dataset(run_cfg, request.videos, request.segments, split=request.split,
                                        seed=request.seed))
    if clips is None and request.latent != "sample":
        raise SystemExit(f"--latent {request.latent}: sampler {mode} draws its codes from N(0, I) (no real clip "
                         "is encoded); a latent mode applies to samplers that encode real video")
    sources: list = []
    for index, video in sample_videos(model, mode, request, clips, device, sources):
        folder.add(index, video)
    encoded = clips is not None
    return {"group_size": GROUP_SIZE[mode], "real_clips": sources, "codes": "encoder" if encoded else "noise",
            "latent": request.latent if encoded else None}  # no latent mode for prior codes


def noise(model, run_cfg, request, folder, device) -> dict:
    """N(0, I) codes (Alg. 2 phase 2): the G3AN sampler and Table 3.5's "encoder at train only"."""
    return _run("noise", model, run_cfg, request, folder, device)


def latent(model, run_cfg, request, folder, device) -> dict:
    """Codes of Enc(real clip i) (Alg. 2 phase 1): EncGAN3's "encoder at train and test"."""
    return _run("latent", model, run_cfg, request, folder, device)


def swap(model, run_cfg, request, folder, device) -> dict:
    """Groups of 4: two real clips' contents each with both motions (Fig. 3.10; recall checkpoints: Fig. 4.10)."""
    return _run("swap", model, run_cfg, request, folder, device)


def sum_codes(model, run_cfg, request, folder, device) -> dict:
    """Groups of 3: two real clips and the sum of their codes (Fig. 3.11; recall checkpoints: Fig. 4.10)."""
    return _run("sum", model, run_cfg, request, folder, device)


def forced(model, run_cfg, request, folder, device) -> dict:
    """Noise codes with the motion code enlarged to --frames (default 90) frames (Fig. 3.13; EncGAN3 only)."""
    return _run("forced", model, run_cfg, request, folder, device)
