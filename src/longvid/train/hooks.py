"""Periodic evaluation hooks called by ``longvid.train.loop.fit`` every ``train.eval_every`` epochs and at the end.

``EVAL_HOOKS`` maps a name (listed in ``train.eval_hooks``) to ``fn(model, run_config, epoch, device) -> {metric:
value}``; the loop appends the values to metrics.csv (``epoch, step, name, value``). ``run_config`` is the
resolved run config plus ``runtime: {videos, segments, eval_batch}`` (paths given to ``longvid train``). Hooks run
on rank 0 with the model in eval mode and must not consume the global random generators (the loop saves and
restores them anyway so that hooks cannot change the training stream).

Metric hooks (``vfid``, ``fvd_16f``, ``vis``: video FID / IS every 100 epochs, FVD every 10; Fig. 3.2-3.3,
5.8-5.13) wrap ``longvid.metrics.hooks.make_eval_hook`` with its defaults (64 clips from N(0, I); real features
cached under resources/features; ``vis`` needs resources/classifiers/<dataset>_<res>_<label>.pt). The metrics
module is imported on the first call, so training without these hooks never imports it.
"""

from __future__ import annotations

from longvid.train.rng import rng_state, set_rng_state


def heldout_batch(run_cfg: dict, n: int):
    """A fixed batch of ``n`` real clips (B, T, C, H, W): the test split if the manifest has one, else training."""
    import torch

    from longvid.data.clips import build_dataset

    rt = run_cfg.get("runtime", {})
    seed = int(run_cfg.get("seed", 0)) + 12_345  # fixed, apart from the training clips' seed
    try:
        ds, split = build_dataset(run_cfg, rt.get("videos"), rt.get("segments"), split="test", seed=seed), "test"
        if len(ds) == 0:
            raise ValueError("empty test split")
    except ValueError:
        ds, split = build_dataset(run_cfg, rt.get("videos"), rt.get("segments"), seed=seed), "train"
    if hasattr(ds, "set_epoch"):
        ds.set_epoch(0)
    idx = torch.linspace(0, len(ds) - 1, steps=min(n, len(ds))).round().long().unique().tolist()
    return torch.stack([ds[i]["video"] for i in idx]), split  # (B, T, C, H, W)


def recon_l1(model, run_cfg: dict, epoch: int, device) -> dict:
    """Mean |x - G(mu_c, mu_m)| on the fixed held-out batch (Eq. 3.1's reconstruction term, posterior means).

    The model encodes and generates as its sampler does (``model.encode`` / ``model.generate``: a recall model reads
    its reference frame and rebuilds around it, Eq. 4.2-4.3) on the first clip of each held-out item (a recall
    window holds two overlapping clips; the model is built for one)."""
    import torch

    if getattr(model, "encoder", None) is None:
        return {}
    cache = run_cfg.get("runtime", {})
    video, split = heldout_batch(run_cfg, int(cache.get("eval_batch", 8)))
    video = video[:, : model.cfg.frames].to(device)  # (B, T, C, H, W), T = the model's clip
    with torch.no_grad():
        mu_c, _, mu_m, _ = model.encode(video)
        recon = model.generate(mu_c, mu_m).float()  # (B, T, C, H, W)
    return {f"recon_l1_{split}": (recon - video).abs().mean().item()}


def metric_hook(metrics: tuple[str, ...]):
    """A hook computing ``metrics`` with ``longvid.metrics.hooks.make_eval_hook`` (built once, on first use)."""
    made: dict = {}

    def hook(model, run_cfg: dict, epoch: int, device) -> dict:
        if "fn" not in made:
            from longvid.metrics.hooks import make_eval_hook

            made["fn"] = make_eval_hook(metrics)
        return made["fn"](model, run_cfg, epoch, device)

    return hook


EVAL_HOOKS = {
    "recon_l1": recon_l1,  # mean L1 reconstruction of a fixed held-out batch (needs the encoder)
    "vfid": metric_hook(("vfid",)),  # video FID of generated clips (Fig. 3.2)
    "fvd_16f": metric_hook(("fvd_16f",)),  # FVD-16f (Fig. 5.8-5.13: every 10 epochs)
    "vis": metric_hook(("vis", "vis_hy", "vis_hyx")),  # video IS and its entropies (Fig. 3.2-3.3)
}


def run_hooks(names, model, run_cfg: dict, epoch: int, step: int, ctx, metrics, log, runtime: dict) -> None:
    """Call the hooks ``names`` on rank 0, append their values to ``metrics``; the training RNG is untouched."""
    if not ctx.is_main:
        return
    was_training, saved = model.training, rng_state(ctx.device)
    model.eval()
    for name in names:
        values = EVAL_HOOKS[name](model, run_cfg | {"runtime": runtime}, epoch, ctx.device)
        metrics.write(epoch, step, values)
        log(f"[eval] epoch {epoch} step {step} " + " ".join(f"{k} {v:.5f}" for k, v in values.items()))
    model.train(was_training)
    set_rng_state(saved, ctx.device)  # hooks never shift the training random stream
