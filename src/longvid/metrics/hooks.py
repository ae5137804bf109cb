"""Training-time metric hooks: video FID / IS / FVD-16f of N freshly generated clips (Fig. 3.2–3.3, 5.8–5.13).

The thesis tracks video FID and IS every 100 epochs (UCF101: 10) and FVD every 10 epochs (Sec. 3.4.3, 5.3.5).
:func:`make_eval_hook` returns a function with the signature of ``longvid.train.hooks.EVAL_HOOKS`` entries,
``fn(model, run_config, epoch, device) -> {metric: value}``. It generates ``count`` clips from N(0, I) latents
exactly as the ``noise`` sampler does (``longvid.sample.encgan3``): clip i's codes come from
``model.sample_prior([video_generator(seed, i)])`` (its own generator, never the global streams) and the clip from
``model.generate`` (EncGAN3: G's frames; a recall model rebuilds them around x_r, Eq. 4.2-4.3), so clip i is video
i of ``longvid sample --sampler noise --seed <seed>``. It converts them to uint8 and scores them in memory against
the cached real features ``<features_root>/<detector>/<dataset>/<res>/16f[_s<lo>-<hi>].npz`` (vfid: the run's
``data.steps``, the distribution the generator learnt; fvd_16f: step 1) — extracted from ``runtime.videos`` if
absent, and rebuilt when its key no longer matches the current videos' content hashes, the detector or the clip spec.
IS needs a trained classifier at ``classifier`` (a template with ``{dataset}``, ``{res}``, ``{label}``).
Hook numbers use ``count`` generated clips (64 by default, not 2048; a run config's ``train.eval_count`` overrides
it): curves, not table values.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def generate_uint8(model, count: int, seed: int, device, batch: int = 8) -> np.ndarray:
    """``count`` clips from N(0, I) latents as uint8 ``(count, T, H, W, 3)``; clip i depends only on (seed, i)."""
    import torch

    from longvid.data.transforms import to_uint8
    from longvid.models.latent import video_generator

    out = []
    with torch.no_grad():
        for start in range(0, count, batch):
            gens = [video_generator(seed, i) for i in range(start, min(start + batch, count))]
            video = model.generate(*model.sample_prior(gens, device=device)).float()  # (B, T, C, H, W) in [-1, 1]
            out.append(to_uint8(video))  # (B, T, H, W, 3), as the sample folder stores it
    return np.concatenate(out)


def make_eval_hook(metrics=("vfid", "vis", "vis_hy", "vis_hyx"), count: int = 64, seed: int = 0,
                   fid_detector: str = "i3d_pool", fvd_detector: str = "i3d", label: str | None = None,
                   classifier: str = "resources/classifiers/{dataset}_{res}_{label}.pt",
                   features_root: str = "resources/features", real_count: int = 2048, is_splits: int = 10,
                   weights: str = ""):
    """Hook computing ``metrics`` ⊆ {vfid, fvd_16f, vis, vis_hy, vis_hyx} of ``count`` generated clips."""
    state: dict = {}

    def hook(model, run_cfg: dict, epoch: int, device) -> dict:
        from longvid.metrics.detectors import Detector, DetectorConfig
        from longvid.metrics.frechet import frechet_from_features

        data = run_cfg["data"]
        ds, res = data["dataset"], data["resolution"]
        n = int(run_cfg.get("train", {}).get("eval_count", count))  # a run may override the clip count
        clips = generate_uint8(model, n, seed, device)
        values: dict = {}
        for name, det_name in (("vfid", fid_detector), ("fvd_16f", fvd_detector)):
            if name not in metrics:
                continue
            if det_name not in state:
                state[det_name] = Detector(DetectorConfig(name=det_name, weights=weights, device=str(device)))
            det = state[det_name]
            steps = tuple(data.get("steps", (1, 1))) if name == "vfid" else (1, 1)  # vfid: the run's training steps
            videos = run_cfg.get("runtime", {}).get("videos")
            if not videos:
                raise ValueError("metric hooks need runtime.videos (the real store) to check their real features")
            real = checked_real_features(Path(videos), Path(features_root) / det_name / ds / str(res), steps, det,
                                         real_count, seed)
            values[name] = frechet_from_features(real, det(clips[:, :16]))
        if {"vis", "vis_hy", "vis_hyx"} & set(metrics):
            values.update(_vis(clips, ds, res, label or data.get("label", "action"), classifier, is_splits, device,
                               metrics))
        return values

    return hook


def checked_real_features(videos: Path, folder: Path, steps, det, count: int, seed: int) -> np.ndarray:
    """16-frame real features from ``folder/16f[_s<lo>-<hi>].npz``, rebuilt when its key no longer matches the
    current videos, detector and clip spec. The clip count and seed are the file's own (the workflow's
    ``evaluation.real_clips``) when it exists, else ``count`` / ``seed``."""
    from longvid.metrics.cache import cache_file_name, load_features
    from longvid.metrics.features import RealClipSpec, real_features

    out = folder / cache_file_name(16, 0, steps)
    if out.is_file():
        _, meta = load_features(out)
        count, seed = int(meta["clips"]["count"]), int(meta["clips"]["seed"])
    real, _ = real_features(videos, RealClipSpec(16, count, seed, tuple(steps)), det, out)
    return real


def _vis(clips: np.ndarray, ds: str, res, label: str, template: str, splits: int, device, metrics) -> dict:
    from longvid.metrics.classifier import load_classifier
    from longvid.metrics.vis import classifier_probs, inception_score

    model, _ = load_classifier(template.format(dataset=ds, res=res, label=label), str(device))
    probs = classifier_probs(model, [clips[i : i + 16] for i in range(0, len(clips), 16)], str(device))
    scores = inception_score(probs, min(splits, len(probs)))
    return {k: scores[k] for k in ("vis", "vis_hy", "vis_hyx") if k in metrics}
