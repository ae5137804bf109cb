"""Learning check (issue 12): does a model family *learn* on the smoke world? Train once, measure, give a verdict.

For one family (a key of ``FAMILIES``) this trains one smoke-width run through ``python -m longvid train`` on a
smoke dataset (Taichi by default) with fixed seeds on the CPU, keeps checkpoints at fixed epochs, and scores the
untrained model and every kept checkpoint with the real metrics:

* ``fvd`` - FVD (Eq. 3.7 on Kinetics-400 I3D logits, ``longvid.metrics``) of ``fake_clips`` noise samples
  (Alg. 2 phase 2; sample i drawn from its own seed) against one 16-frame clip of each real video;
* ``recon_l1`` - mean |x - G(mu(x))| on held-out clips (windows of the test split): Eq. 3.1's reconstruction;
* ``retrieval`` - fraction of held-out clips whose reconstruction from their own posterior mean is closer (L1)
  to that clip than to every other held-out clip (chance = 1 / clips): the codes carry the clip;
* ``latent_noise`` - mean |latent_i - noise_i| / mean |noise_i - noise_j| over samples drawn with the same seeds
  (latent_i = G(mu_i + sigma_i eps_i), noise_i = G(eps_i)); ~0 when the posterior has collapsed onto the prior;
* ``kl`` - KL of the held-out posteriors, nats per clip (both latents, summed over dimensions);
* ``edge_tint`` - mean |colour(first frame) - colour(second)| and the same at the end, over the mean step between
  interior neighbours (per-frame mean RGB of the noise samples): 1 = the end frames change like any other.

Verdict (``verdict``): the end beats the start - FVD below ``(1 - fvd_margin)`` x the start's, held-out L1 below
``(1 - recon_margin)`` x the start's - and retrieval at the end above ``retrieval_min``. Margins are chosen from
measured runs (docs/learning.md). ``longvid learning`` writes ``<family>.csv`` (one row per evaluated epoch),
``<family>.png`` (curves + noise samples of the first and last evaluation) and ``<family>.json`` (the verdict);
it exits 1 on a failed verdict.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class LearningConfig:
    """The ``learning:`` block of config.yaml (one run per family and seed)."""

    dataset: str = "taichi"  # smoke dataset; its videos folder is passed on the command line
    resolution: int = 64  # frames are H = W = resolution
    epochs: int = 60  # training epochs; smoke Taichi has 8 training videos = 1 iteration per epoch at batch 8
    evals: tuple[int, ...] = (0, 20, 60)  # epochs evaluated; 0 = the untrained model, the last = the end
    batch_size: int = 8  # clips per iteration
    widths: dict = field(default_factory=lambda: {"g_ch": 8, "d_ch": 8, "e_ch": 4, "e_fc": 64, "dim_zc": 32,
                                                  "fsa_after": 3})  # ModelConfig overrides
    train: dict = field(default_factory=dict)  # TrainConfig overrides (e.g. kl_reduction for a study)
    fake_clips: int = 8  # generated clips per FVD
    real_clips: int = 8  # real 16-frame clips of the FVD, spread over the dataset's videos (cached once)
    heldout_clips: int = 8  # windows of the test split for recon / retrieval / latent_noise
    fvd_margin: float = 0.2  # FVD at the end < (1 - margin) x FVD at the start
    recon_margin: float = 0.1  # held-out L1 at the end < (1 - margin) x at the start
    retrieval_min: float = 0.5  # retrieval accuracy at the end > this (chance = 1 / heldout_clips)

    @classmethod
    def from_dict(cls, raw: dict | None, source: str = "learning") -> "LearningConfig":
        raw = dict(raw or {})
        raw.pop("families", None), raw.pop("seeds", None)  # read by the workflow
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - names)
        if unknown:
            raise ValueError(f"{source}: unknown learning keys {unknown}; allowed: {sorted(names)}")
        if "evals" in raw:
            raw["evals"] = tuple(int(e) for e in raw["evals"])
        cfg = cls(**raw)
        if list(cfg.evals) != sorted(set(cfg.evals)) or cfg.evals[0] != 0 or cfg.evals[-1] != cfg.epochs:
            raise ValueError(f"{source}: learning.evals must rise from 0 to learning.epochs ({cfg.epochs})")
        return cfg


def _encgan3(lc: LearningConfig, seed: int) -> dict:
    return {"family": "encgan3", "data": {"length": 16}, "model": {"preset": f"encgan3_{lc.resolution}"}}


def _recall(lc: LearningConfig, seed: int) -> dict:
    # 24-frame windows drawn like EncGAN3's clips (step sampling), so no segment index is needed
    return {"family": "recall", "data": {"length": 24}, "model": {"preset": f"r2_{lc.resolution}"},
            "recall": {"loss": "v4", "r_enc": True, "r3vd": True, "overlap": 8, "clip": 16}}


FAMILIES = {  # family -> the family-specific part of its run config
    "encgan3": _encgan3,  # EncGAN3 (Ch. 3)
    "recall": _recall,  # REncGAN / R2 (Ch. 4)
}


def run_config(family: str, lc: LearningConfig, seed: int) -> dict:
    """The resolved run config ``longvid train`` reads for this family and seed."""
    if family not in FAMILIES:
        raise ValueError(f"learning family {family!r}; choose one of {sorted(FAMILIES)}")
    part = FAMILIES[family](lc, seed)
    return {"experiment": f"learning_{family}_s{seed}", "family": part["family"], "run_type": "smoke",
            "seed": seed,
            "data": {"dataset": lc.dataset, "resolution": lc.resolution, "sampling": "step", "steps": [1, 1],
                     **part["data"]},
            "model": {**part["model"], **lc.widths},
            "train": {"batch_size": lc.batch_size, "epochs": lc.epochs, "ckpt_every": 0, "eval_every": 0,
                      "eval_hooks": [], "keep_epochs": [e for e in lc.evals if e > 0], "log_every": 10,
                      "num_workers": 0, **lc.train},
            **({"recall": part["recall"]} if "recall" in part else {})}


# ------------------------------------------------------------------------------------------- model access
def _recall_cfg(model):
    return getattr(model, "recall_cfg", None)


def encode_mean(model, clips):
    """Posterior (mu_c, lv_c, mu_m, lv_m) of clips (B, T, C, H, W); a recall model reads 16 frames around x_r."""
    rc = _recall_cfg(model)
    if rc is None:
        return model.encode(clips)
    from longvid.models.recall import reference_index

    return model.encode(clips[:, : rc.clip], reference_index(model, rc))


def generate(model, z_c, z_m):
    """G(z) -> (B, T, C, H, W); a recall clip is rebuilt around its generated reference frame (Eq. 4.2-4.3)."""
    rc = _recall_cfg(model)
    if rc is None:
        return model.generator(z_c, z_m)
    from longvid.models.recall import generate_clip, reference_index

    return generate_clip(model, z_c, z_m, reference_index(model, rc), rc.r_enc)


def heldout_clips(videos: Path, n: int, length: int = 16):
    """``n`` windows (B, T, C, H, W) in [-1, 1] spread evenly over the test split's videos (train if none)."""
    import torch

    rows = list(csv.DictReader(open(videos / "videos.csv")))
    test = [r for r in rows if r.get("split") == "test"] or rows
    out = []
    for k in range(n):
        row = test[k % len(test)]
        per_video = (n - 1 - k % len(test)) // len(test) + 1  # windows of this video
        frames = np.load(videos / row["path"], mmap_mode="r")
        start = int(round((len(frames) - length) * (k // len(test)) / max(per_video - 1, 1)))
        out.append(torch.from_numpy(np.array(frames[start:start + length])))
    video = torch.stack(out).float().div(127.5).sub(1.0)  # (B, T, H, W, C)
    return video.permute(0, 1, 4, 2, 3).contiguous()  # (B, T, C, H, W)


def to_uint8(video) -> np.ndarray:
    """(B, T, C, H, W) in [-1, 1] -> uint8 (B, T, H, W, 3)."""
    return ((video.float().clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 1, 3, 4, 2).cpu().numpy()


def edge_tint(video) -> float:
    """Mean colour step at the clip's two ends over the mean step between interior neighbours; (B, T, C, H, W)."""
    m = video.float().mean(dim=(3, 4))  # (B, T, C): per-frame mean colour
    step = (m[:, 1:] - m[:, :-1]).abs().mean(dim=(0, 2))  # (T-1,)
    return float((step[0] + step[-1]) / 2 / step[1:-1].mean().clamp_min(1e-8))


def evaluate(model, heldout, lc: LearningConfig, seed: int, detector, real_feats) -> tuple[dict, np.ndarray]:
    """Metrics of one model (eval mode) and its noise samples as uint8 (N, T, H, W, 3)."""
    import torch

    from longvid.metrics.frechet import frechet_from_features
    from longvid.models.latent import kl_divergence
    from longvid.models.latent import video_generator

    model.eval()
    with torch.no_grad():
        n = lc.fake_clips
        gens = [video_generator(seed, i) for i in range(n)]
        eps = [model.sample_latents(1, generator=g, device="cpu") for g in gens]
        z_c, z_m = torch.cat([e[0] for e in eps]), torch.cat([e[1] for e in eps])
        noise = generate(model, z_c, z_m)  # (N, T, C, H, W)
        mu_c, lv_c, mu_m, lv_m = encode_mean(model, heldout)
        recon = generate(model, mu_c, mu_m)  # (B, T, C, H, W)
        x = heldout[:, : recon.shape[1]]
        dist = (recon[:, None] - x[None]).abs().mean(dim=(2, 3, 4, 5))  # (B, B): rebuilt i vs real j
        k = min(n, len(x))  # latent_i uses eps_i: the same draw as noise_i
        latent = generate(model, mu_c[:k] + (0.5 * lv_c[:k]).exp() * z_c[:k],
                          mu_m[:k] + (0.5 * lv_m[:k]).exp() * z_m[:k])
        pair = (noise[:k, None] - noise[None, :k]).abs().mean(dim=(2, 3, 4, 5))  # (k, k)
        between = pair.sum() / (k * (k - 1))
        kl = (kl_divergence(mu_c, lv_c) + kl_divergence(mu_m, lv_m)).mean()
    fake = to_uint8(noise)
    values = {
        "fvd": frechet_from_features(real_feats, detector(fake[:, :16])),
        "recon_l1": float(dist.diagonal().mean()),
        "retrieval": float((dist.argmin(dim=1) == torch.arange(len(x))).float().mean()),
        "latent_noise": float((latent - noise[:k]).abs().mean() / between),
        "kl": float(kl),
        "edge_tint": edge_tint(noise),
    }
    return values, fake


def verdict(rows: list[dict], lc: LearningConfig) -> dict:
    """Pass / fail of one run's rows (first = untrained, last = end) with the reason of every check."""
    first, last = rows[0], rows[-1]
    checks = {
        "fvd": (last["fvd"] < (1 - lc.fvd_margin) * first["fvd"],
                f"FVD {first['fvd']:.1f} -> {last['fvd']:.1f} (needs < {(1 - lc.fvd_margin) * first['fvd']:.1f})"),
        "recon_l1": (last["recon_l1"] < (1 - lc.recon_margin) * first["recon_l1"],
                     f"held-out L1 {first['recon_l1']:.4f} -> {last['recon_l1']:.4f} "
                     f"(needs < {(1 - lc.recon_margin) * first['recon_l1']:.4f})"),
        "retrieval": (last["retrieval"] > lc.retrieval_min,
                      f"retrieval {last['retrieval']:.2f} (needs > {lc.retrieval_min})"),
    }
    return {"passed": all(ok for ok, _ in checks.values()),
            "checks": {name: {"passed": ok, "detail": why} for name, (ok, why) in checks.items()}}


# ------------------------------------------------------------------------------------------- driver
def train(run_cfg: dict, work: Path, videos: Path, in_process: bool = False) -> None:
    """Train through ``python -m longvid train`` (``in_process``: ``longvid.train.fit``, for tests that patch)."""
    import yaml

    work.mkdir(parents=True, exist_ok=True)
    cfg_path = work / "config.yaml"
    cfg_path.write_text(yaml.safe_dump(run_cfg, sort_keys=False))
    args = dict(out=work / "final.pt", metrics=work / "metrics.csv", ckpt_dir=work / "checkpoints")
    if in_process:
        from longvid.train.loop import fit

        if fit(run_cfg, videos=str(videos), device="cpu", source=str(cfg_path), **args) != 0:
            raise RuntimeError(f"training {cfg_path} was interrupted")
        return
    cmd = [sys.executable, "-m", "longvid", "train", "--config", str(cfg_path), "--out", str(args["out"]),
           "--metrics", str(args["metrics"]), "--checkpoints", str(args["ckpt_dir"]), "--videos", str(videos),
           "--device", "cpu"]
    with open(work / "train.log", "w") as log:
        code = subprocess.call(cmd, stdout=log, stderr=subprocess.STDOUT)
    if code != 0:
        raise RuntimeError(f"`{' '.join(cmd)}` exited {code}; see {work / 'train.log'}")


def load_model(run_cfg: dict, ckpt: Path | None):
    """The family's model: untrained (built under the run's seed, as ``fit`` builds it) or from ``ckpt``."""
    from longvid.recipes import RECIPES
    from longvid.train.checkpoint import load_checkpoint
    from longvid.train.rng import seed_all

    seed_all(int(run_cfg["seed"]))
    model = RECIPES[run_cfg["family"]].build_model(run_cfg)
    if ckpt is not None:
        model.load_state_dict(load_checkpoint(ckpt)["model"])
    return model


def check_run(family: str, lc: LearningConfig, seed: int, videos: Path, work: Path, detector, real_feats,
              in_process: bool = False, log=print) -> tuple[list[dict], dict]:
    """Train one run, evaluate ``lc.evals``; returns (rows, {epoch: uint8 noise samples})."""
    import time

    t0 = time.time()
    train(run_config(family, lc, seed), work, videos, in_process)
    return score_run(family, lc, seed, videos, work, detector, real_feats, lc.evals, time.time() - t0, log)


def score_run(family: str, lc: LearningConfig, seed: int, videos: Path, work: Path, detector, real_feats,
              epochs, train_s: float = float("nan"), log=print) -> tuple[list[dict], dict]:
    """Evaluate the untrained model (epoch 0) and the kept checkpoints of ``epochs`` of a trained run."""
    from longvid.train.checkpoint import load_checkpoint, periodic_name

    run_cfg = run_config(family, lc, seed)
    heldout = heldout_clips(videos, lc.heldout_clips, 16 if family != "recall" else 24)
    rows, samples = [], {}
    for epoch in epochs:
        ckpt = None if epoch == 0 else work / "keep" / periodic_name(epoch)
        model = load_model(run_cfg, ckpt)
        step = 0 if ckpt is None else int(load_checkpoint(ckpt)["step"])
        values, samples[epoch] = evaluate(model, heldout, lc, seed, detector, real_feats)
        rows.append({"family": family, "seed": seed, "epoch": epoch, "step": step, **values,
                     "train_s": round(train_s, 1)})
        log(f"[learning] {family} seed {seed} epoch {epoch}: " + ", ".join(f"{k} {v:.4g}" for k, v in values.items()))
    return rows, samples


def real_features(videos: Path, lc: LearningConfig, detector, cache: Path):
    """I3D logits of ``lc.real_clips`` 16-frame clips spread over the real videos (all splits), cached."""
    from longvid.metrics.features import RealClipSpec, real_features as extract_real

    return extract_real(videos, RealClipSpec(16, lc.real_clips, 0), detector, cache)[0]


def run_check(family: str, lc: LearningConfig, seeds: list[int], videos: Path, out: Path,
              in_process: bool = False, log=print) -> dict:
    """Every seed of one family: ``out`` (.csv), ``out``.png, ``out``.json; returns the verdict."""
    from longvid.metrics.detectors import Detector, DetectorConfig

    detector = Detector(DetectorConfig(name="i3d", device="cpu"))
    work = out.parent / "work" / family
    real = real_features(videos, lc, detector, out.parent / "work" / f"real_{lc.dataset}_{lc.resolution}.npz")
    rows, verdicts, samples = [], {}, {}
    for seed in seeds:
        seed_rows, seed_samples = check_run(family, lc, seed, videos, work / f"seed{seed}", detector, real,
                                            in_process, log)
        rows += seed_rows
        verdicts[seed] = verdict(seed_rows, lc)
        samples.setdefault(seed, seed_samples)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    from longvid.learning_figure import draw

    draw(rows, samples[seeds[0]], out.with_suffix(".png"), f"{family}, seed {seeds[0]}")
    result = {"family": family, "passed": all(v["passed"] for v in verdicts.values()),
              "seeds": {str(s): v for s, v in verdicts.items()}, "settings": asdict(lc), "real_clips": len(real)}
    out.with_suffix(".json").write_text(json.dumps(result, indent=2))
    return result


# ------------------------------------------------------------------------------------------- CLI
def register(sub) -> None:
    p = sub.add_parser("learning", help="learning check: train a family on the smoke world, score, pass / fail",
                       description=__doc__.splitlines()[0])
    p.add_argument("--family", required=True, choices=sorted(FAMILIES), help="model family")
    p.add_argument("--videos", required=True, type=Path, help="smoke videos folder resources/videos/<ds>/<res>")
    p.add_argument("--out", required=True, type=Path, help="results/learning/<family>.csv (+ .png, .json)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0], help="training seeds (default: 0)")
    p.add_argument("--settings", default="{}", help="the learning: block of config.yaml as JSON")
    p.set_defaults(func=_cmd_learning)


def _cmd_learning(args: argparse.Namespace) -> int:
    lc = LearningConfig.from_dict(json.loads(args.settings), "--settings")
    result = run_check(args.family, lc, args.seeds, args.videos, args.out)
    for seed, v in result["seeds"].items():
        for name, check in v["checks"].items():
            print(f"[learning] {args.family} seed {seed} {name}: {'pass' if check['passed'] else 'FAIL'} - "
                  f"{check['detail']}")
    print(f"[learning] {args.family}: {'PASSED' if result['passed'] else 'FAILED'}")
    return 0 if result["passed"] else 1
