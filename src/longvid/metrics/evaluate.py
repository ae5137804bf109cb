"""`longvid evaluate`: every requested metric of one sample folder → one JSON (contracts.md "Metrics").

Metric names (they state the protocol): ``fvd2048_16f``, ``fvd2048_128f``, ``fvd_ratio``, ``fvd_len_{L}f``,
``fvd_along_16f`` (``fvd.py``), ``vfid`` (``vfid.py``), ``vis`` / ``vis_hy`` / ``vis_hyx`` and their per-label
forms ``vis_{label}`` / ``vis_hy_{label}`` / ``vis_hyx_{label}`` with label ∈ {action, actor} (``vis.py``).

Real features come from ``--real-features`` cache files (``longvid cache-real-features``), one per
(detector, clip length, minimum video length); each file says inside which it holds, so any number of them can be
passed in any order. ``fvd_along_16f`` reads the clips of real videos of at least ``along_min_frames`` frames
(Fig. 4.9: "videos longer than 400 frames" on Taichi, 1024 on Sky, real and generated alike), the other metrics
clips of every video. A needed file that is not given is an error naming the command that makes it — unless
``--videos`` is given, then the features are extracted on the fly with the same protocol (not cached).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from longvid.metrics import features as feats_mod
from longvid.metrics.detectors import Detector, DetectorConfig

FVD_FIRST = re.compile(r"^fvd(?:2048)?_(?:len_)?(\d+)f$")
VIS = re.compile(r"^vis(_hy|_hyx)?(?:_(action|actor))?$")


@dataclass(frozen=True)
class EvalConfig:
    fvd_detector: str = "i3d"  # FVD detector (Kinetics-400 I3D logits)
    fid_detector: str = "i3d_pool"  # video-FID detector (see vfid.py)
    vfid_length: int = 16  # frames of the clips behind video FID / IS
    count: int | None = None  # generated videos used (None = all in the folder)
    is_splits: int = 10  # splits of video IS
    along_max_frames: int | None = None  # cap on the frames scanned by fvd_along_16f
    along_min_frames: int = 0  # fvd_along_16f's real clips: only videos of at least this many frames (Fig. 4.9)
    real_count: int = 2048  # on-the-fly real features (--videos): videos, one clip each
    seed: int = 0  # on-the-fly real features: clip choice
    detector: DetectorConfig = DetectorConfig()  # device, batch size, resize, weights (name is overridden)


def needed_features(metrics: list[str], cfg: EvalConfig) -> set[tuple[str, int, int]]:
    """(detector, clip length, minimum video length) of the real features the metrics need."""
    need = set()
    for m in metrics:
        if m == "fvd_ratio":
            need |= {(cfg.fvd_detector, 16, 0), (cfg.fvd_detector, 128, 0)}
        elif m == "fvd_along_16f":
            need.add((cfg.fvd_detector, 16, cfg.along_min_frames))
        elif FVD_FIRST.match(m):
            need.add((cfg.fvd_detector, int(FVD_FIRST.match(m).group(1)), 0))
        elif m == "vfid":
            need.add((cfg.fid_detector, cfg.vfid_length, 0))
        elif not VIS.match(m):
            raise ValueError(f"unknown metric {m!r} (see longvid.metrics.evaluate)")
    return need


def real_feature_files(metrics: list[str], dataset: str, res, fvd_detector: str = "i3d",
                       fid_detector: str = "i3d_pool", along_min_frames: int = 0,
                       root: str = "resources/features") -> list[str]:
    """The cache files ``evaluate`` needs for ``metrics`` (for the workflow's input functions)."""
    cfg = EvalConfig(fvd_detector=fvd_detector, fid_detector=fid_detector, along_min_frames=along_min_frames)
    return [f"{root}/{det}/{dataset}/{res}/{feats_mod.cache_file_name(length, least)}"
            for det, length, least in sorted(needed_features(metrics, cfg))]


def index_real_features(paths: list[Path]) -> dict[tuple[str, int, int], tuple[np.ndarray, dict]]:
    """Cache files by (detector, clip length, minimum video length), as their meta says."""
    index = {}
    for path in paths:
        feats, meta = feats_mod.load_features(path)
        clips = meta["clips"]
        key = (meta["detector"]["detector"], int(clips["length"]), int(clips.get("min_frames", 0)))
        index[key] = (feats, {**meta, "file": str(path)})
    return index


class Evaluator:
    """Holds detectors, real features and classifiers; computes metrics of one sample folder."""

    def __init__(self, cfg: EvalConfig, real: dict, videos: Path | None = None, classifiers: dict | None = None):
        self.cfg, self.real, self.videos = cfg, real, videos
        self.classifiers = classifiers or {}
        self._detectors: dict[str, Detector] = {}
        self.protocol: dict = {"real_features": {}, "detectors": {}}

    def detector(self, name: str) -> Detector:
        if name not in self._detectors:
            self._detectors[name] = Detector(replace(self.cfg.detector, name=name))
            self.protocol["detectors"][name] = self._detectors[name].protocol()
        return self._detectors[name]

    def real_feats(self, name: str, length: int, min_frames: int = 0) -> np.ndarray:
        det = self.detector(name)
        key = (name, length, min_frames)
        if key not in self.real:
            spec = feats_mod.RealClipSpec(length=length, count=self.cfg.real_count, seed=self.cfg.seed,
                                          min_frames=min_frames)
            self.real[key] = feats_mod.real_features(self.videos, spec, det)
        feats, meta = self.real[key]
        if _comparable(meta["detector"]) != _comparable(det.protocol()):
            raise ValueError(f"real features {meta.get('file', '')} were made with {meta['detector']}, "
                             f"not with the detector in use {det.protocol()}: rebuild them")
        entry = f"{name}_{Path(feats_mod.cache_file_name(length, min_frames)).stem}"  # i3d_16f, i3d_16f_min400
        self.protocol["real_features"][entry] = {
            "file": meta.get("file"), "count": len(feats), "clips": meta["clips"], "dataset": meta["dataset"],
            "resolution": meta["resolution"]}
        return feats

    def fvd_first(self, length: int) -> float:
        from longvid.metrics.fvd import fvd_first

        real = self.real_feats(self.cfg.fvd_detector, length)
        return fvd_first(self.detector(self.cfg.fvd_detector), self.samples, real, length, self.cfg.count)

    def compute(self, samples: Path, metrics: list[str]) -> dict:
        from longvid.metrics.fvd import fvd_along, fvd_ratio
        from longvid.metrics.vfid import vfid

        self.samples, out, cache = Path(samples), {}, {}
        missing = sorted(k for k in needed_features(metrics, self.cfg) if k not in self.real)  # validates names
        if missing and self.videos is None:  # fail before any work
            name, length, least = missing[0]
            of = f" of videos of at least {least} frames" if least else ""
            option = f" --min-frames {least}" if least else ""
            raise FileNotFoundError(
                f"no real {name} features for {length}-frame clips{of}: run `longvid cache-real-features "
                f"--videos resources/videos/<dataset>/<res> --detector {name} --length {length}{option} --out "
                f"resources/features/{name}/<dataset>/<res>/{feats_mod.cache_file_name(length, least)}` and pass "
                f"it with --real-features (or pass --videos to extract them on the fly); missing: {missing}")

        def first(length: int) -> float:
            if length not in cache:
                cache[length] = self.fvd_first(length)
            return cache[length]

        for m in metrics:
            if m == "fvd_ratio":
                out[m] = fvd_ratio(first(16), first(128))
            elif m == "fvd_along_16f":
                real = self.real_feats(self.cfg.fvd_detector, 16, self.cfg.along_min_frames)
                out[m] = fvd_along(self.detector(self.cfg.fvd_detector), self.samples, real, self.cfg.count,
                                   max_frames=self.cfg.along_max_frames)
            elif FVD_FIRST.match(m):
                length = int(FVD_FIRST.match(m).group(1))
                out[m] = first(length)
            elif m == "vfid":
                real = self.real_feats(self.cfg.fid_detector, self.cfg.vfid_length)
                out[m] = vfid(self.detector(self.cfg.fid_detector), self.samples, real, self.cfg.vfid_length,
                              self.cfg.count)
        for m in metrics:
            if VIS.match(m):
                out[m] = self.vis(VIS.match(m))
        return out

    def vis(self, match: re.Match) -> float:
        part, label = match.group(1) or "", match.group(2)
        if label is None:
            if len(self.classifiers) != 1:
                raise ValueError("bare vis/vis_hy/vis_hyx needs exactly one --classifier; use vis_<label> otherwise")
            label = next(iter(self.classifiers))
        if label not in self.classifiers:
            raise ValueError(f"metric needs an IS classifier for label {label!r}: pass --classifier {label}=PATH")
        key = f"vis_{label}"
        if key not in self.protocol:
            self.protocol[key] = self._vis_scores(label)
        return self.protocol[key][f"vis{part}"]

    def _vis_scores(self, label: str) -> dict:
        from longvid.metrics.classifier import load_classifier
        from longvid.metrics.features import iter_clip_batches, sample_videos
        from longvid.metrics.vis import classifier_probs, inception_score

        path = self.classifiers[label]
        model, meta = load_classifier(path, self.cfg.detector.device)
        items = [(p, 0) for p in sample_videos(self.samples, self.cfg.count)]
        batches = iter_clip_batches(items, model.cfg.length, 1, self.cfg.detector.batch_size * 4)
        probs = classifier_probs(model, batches, self.cfg.detector.device)
        scores = inception_score(probs, self.cfg.is_splits)
        return {**scores, "classifier": str(path), "classes": len(meta["classes"]), "splits": self.cfg.is_splits,
                "count": len(probs), "holdout": meta.get("holdout")}


def _comparable(protocol: dict) -> dict:
    """A detector protocol without the numeric-precision flag (bf16 logits stay within 1e-2 of float32)."""
    return {k: v for k, v in protocol.items() if k != "bf16"}


def read_samples_json(samples: Path) -> dict:
    path = Path(samples) / "samples.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: {samples} is not a sample folder written by `longvid sample`")
    return json.loads(path.read_text())
