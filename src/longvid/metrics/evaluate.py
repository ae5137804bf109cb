"""`longvid evaluate`: every requested metric of one sample folder → one JSON (contracts.md "Metrics").

Metric names (they state the protocol): ``fvd2048_16f``, ``fvd2048_128f``, ``fvd_ratio``, ``fvd_len_{L}f``,
``fvd_along_16f`` (``fvd.py``), ``vfid`` (``vfid.py``), ``vis`` / ``vis_hy`` / ``vis_hyx`` and their per-label
forms ``vis_{label}`` / ``vis_hy_{label}`` / ``vis_hyx_{label}`` with label ∈ {action, actor} (``vis.py``), and
``gen_min_per_video``: the sampler's wall time (samples.json ``generation_seconds``) / videos, in minutes (Table
5.11's "generation time cost": the thesis divides the time of a parallel run by its videos too).

Real features come from ``--real-features`` cache files (``longvid cache-real-features``), one per
(detector, clip length, minimum video length, step range); each file says inside which it holds, so any number of
them can be passed in any order. ``fvd_along_16f`` reads the clips of real videos of at least ``along_min_frames``
frames (Fig. 4.9: "videos longer than 400 frames" on Taichi, 1024 on Sky, real and generated alike); ``vfid`` the
clips at ``vfid_steps`` (Chapter 3: the dataset's training step range); the FVD metrics consecutive clips of every
video. Before a file is used its recorded inputs are compared with the current ones (``cache.stale_reason``: the
real store's content hashes, dataset, clip count / seed / length / steps / minimum, detector incl. weights hash,
converter and bf16): a stale file is an error naming what changed. A needed file that is not given is an error
naming the command that makes it — unless ``extract_missing`` (``--extract-missing``), then the features are
extracted on the fly with the same protocol (not cached). Every metric with a real reference gets a ``real_set``
record in the JSON (clips, videos, offsets, steps); ``fvd_ratio`` has none of its own but brings the records of
``fvd2048_16f`` and ``fvd2048_128f``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from longvid.metrics import cache
from longvid.metrics import features as feats_mod
from longvid.metrics.detectors import Detector, DetectorConfig
from longvid.metrics.realset import RealClipSpec

FVD_FIRST = re.compile(r"^fvd(?:2048)?_(?:len_)?(\d+)f$")
VIS = re.compile(r"^vis(_hy|_hyx)?(?:_(action|actor))?$")
GEN_TIME = "gen_min_per_video"  # minutes of generation per video (no real reference)


@dataclass(frozen=True)
class EvalConfig:
    fvd_detector: str = "i3d"  # FVD detector (Kinetics-400 I3D logits)
    fid_detector: str = "i3d_pool"  # video-FID detector (see vfid.py)
    vfid_length: int = 16  # frames of the clips behind video FID / IS
    count: int | None = None  # generated videos used (None = all in the folder)
    is_splits: int = 10  # splits of video IS
    along_max_frames: int | None = None  # cap on the frames scanned by fvd_along_16f
    along_min_frames: int = 0  # fvd_along_16f's real clips: only videos of at least this many frames (Fig. 4.9)
    vfid_steps: tuple[int, int] = (1, 1)  # temporal step range of vfid's real clips (Ch. 3: the dataset's steps)
    real_count: int = 2048  # real clips per set (evaluation.real_clips): checked against every file, used on the fly
    real_counts: tuple[tuple[int, int], ...] = ()  # (clip length, real clips) pairs overriding real_count
    seed: int = 0  # seed of the real clip choice: checked against every file, used on the fly
    extract_missing: bool = False  # extract real features no file gives on the fly (not cached)
    detector: DetectorConfig = DetectorConfig()  # device, batch size, resize, weights (name is overridden)


Need = tuple[str, int, int, tuple[int, int]]  # (detector, clip length, minimum video length, step range)
FVD_STEPS = (1, 1)  # FVD of Ch. 4/5: consecutive frames (Sec. 5.3.5), as StyleGAN-V's fvd2048_* (subsample 1)


def metric_needs(m: str, cfg: EvalConfig) -> list[Need]:
    """The real feature sets one metric reads ([] for IS, which has no real reference)."""
    if m == "fvd_ratio":
        return [(cfg.fvd_detector, 16, 0, FVD_STEPS), (cfg.fvd_detector, 128, 0, FVD_STEPS)]
    if m == "fvd_along_16f":
        return [(cfg.fvd_detector, 16, cfg.along_min_frames, FVD_STEPS)]
    if FVD_FIRST.match(m):
        return [(cfg.fvd_detector, int(FVD_FIRST.match(m).group(1)), 0, FVD_STEPS)]
    if m == "vfid":
        return [(cfg.fid_detector, cfg.vfid_length, 0, tuple(cfg.vfid_steps))]
    if VIS.match(m) or m == GEN_TIME:
        return []
    raise ValueError(f"unknown metric {m!r} (see longvid.metrics.evaluate)")


def needed_features(metrics: list[str], cfg: EvalConfig) -> set[Need]:
    """(detector, clip length, minimum video length, steps) of the real features the metrics need."""
    return {need for m in metrics for need in metric_needs(m, cfg)}


def real_feature_files(metrics: list[str], dataset: str, res, fvd_detector: str = "i3d",
                       fid_detector: str = "i3d_pool", along_min_frames: int = 0,
                       root: str = "resources/features", vfid_steps=(1, 1)) -> list[str]:
    """The cache files ``evaluate`` needs for ``metrics`` (for the workflow's input functions)."""
    cfg = EvalConfig(fvd_detector=fvd_detector, fid_detector=fid_detector, along_min_frames=along_min_frames,
                     vfid_steps=tuple(vfid_steps))
    return [real_feature_file(det, dataset, res, length, least, steps, root)
            for det, length, least, steps in sorted(needed_features(metrics, cfg))]


def real_feature_file(detector: str, dataset: str, res, length: int, min_frames: int = 0, steps=(1, 1),
                      root: str = "resources/features") -> str:
    """``<root>/<detector>/<dataset>/<res>/<len>f[_min<N>][_s<lo>-<hi>].npz``."""
    return f"{root}/{detector}/{dataset}/{res}/{cache.cache_file_name(length, min_frames, tuple(steps))}"


def file_need(meta: dict) -> Need:
    """The (detector, length, minimum, steps) a cache file holds, from its meta."""
    clips = meta["clips"]
    steps = tuple(clips.get("steps") or (clips.get("step", 1),) * 2)
    return meta["detector"]["detector"], int(clips["length"]), int(clips.get("min_frames", 0)), steps


def index_real_features(paths: list[Path]) -> dict[Need, tuple[np.ndarray, dict]]:
    """Cache files by (detector, clip length, minimum video length, steps), as their meta says."""
    index = {}
    for path in paths:
        feats, meta = feats_mod.load_features(path)
        index[file_need(meta)] = (feats, {**meta, "file": str(path)})
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

    def real_feats(self, need: Need) -> np.ndarray:
        """Real features of ``need``: a given file checked against the current inputs, or extracted on the fly."""
        name, length, least, steps = need
        det = self.detector(name)
        count = dict(self.cfg.real_counts).get(length, self.cfg.real_count)
        spec = RealClipSpec(length=length, count=count, seed=self.cfg.seed, steps=steps,
                            min_frames=least)
        if need not in self.real:
            self.real[need] = feats_mod.real_features(self.videos, spec, det)
        feats, meta = self.real[need]
        if "file" in meta:  # from a cache file: is it still what the current inputs would give?
            reason = cache.stale_reason(meta, cache.key_meta(self.videos, spec, det.protocol()))
            if reason:
                raise ValueError(
                    f"{meta['file']}: stale real features ({reason}); rebuild it with `longvid cache-real-features "
                    f"--videos {self.videos} --detector {name} --length {length} --count {spec.count} --seed "
                    f"{spec.seed}{_spec_options(least, steps)} --out {meta['file']}` (the workflow rebuilds it once "
                    f"the file is deleted)")
        entry = f"{name}_{Path(cache.cache_file_name(length, least, steps)).stem}"  # i3d_16f, i3d_pool_16f_s1-6
        self.protocol["real_features"][entry] = {
            "file": meta.get("file"), "count": len(feats), "clips": meta["clips"], "dataset": meta["dataset"],
            "resolution": meta["resolution"], "real_set": meta.get("real_set")}
        return feats

    def real_sets_of(self, metric: str) -> dict:
        """``{metric: real_set record}`` of a computed metric; fvd_ratio → the records of fvd2048_16f and
        fvd2048_128f (the two real sets it divides; it has no set of its own); IS → {}."""
        names = ["fvd2048_16f", "fvd2048_128f"] if metric == "fvd_ratio" else [metric]
        entries = [f"{n}_{Path(cache.cache_file_name(ln, le, st)).stem}"
                   for n, ln, le, st in metric_needs(metric, self.cfg)]
        return {name: self.protocol["real_features"][entry]["real_set"] for name, entry in zip(names, entries)}

    def compute(self, samples: Path, metrics: list[str]) -> dict:
        from longvid.metrics.fvd import fvd_along, fvd_first, fvd_ratio
        from longvid.metrics.vfid import vfid

        self.samples, out, first_cache = Path(samples), {}, {}
        needed = needed_features(metrics, self.cfg)  # validates the names
        missing = sorted(k for k in needed if k not in self.real)
        if missing and not self.cfg.extract_missing:  # fail before any work
            raise FileNotFoundError(_missing_message(missing))
        if needed and self.videos is None:
            raise ValueError("real-feature metrics need --videos resources/videos/<dataset>/<res>: the real store "
                             "every real-feature file is checked against (and extracted from with --extract-missing)")
        fvd_det = self.cfg.fvd_detector

        def first(length: int) -> float:
            if length not in first_cache:
                real = self.real_feats((fvd_det, length, 0, FVD_STEPS))
                first_cache[length] = fvd_first(self.detector(fvd_det), self.samples, real, length, self.cfg.count)
            return first_cache[length]

        for m in metrics:
            if m == "fvd_ratio":
                out[m] = fvd_ratio(first(16), first(128))
            elif m == "fvd_along_16f":
                real = self.real_feats((fvd_det, 16, self.cfg.along_min_frames, FVD_STEPS))
                out[m] = fvd_along(self.detector(fvd_det), self.samples, real, self.cfg.count,
                                   max_frames=self.cfg.along_max_frames)
            elif FVD_FIRST.match(m):
                out[m] = first(int(FVD_FIRST.match(m).group(1)))
            elif m == "vfid":
                real = self.real_feats(metric_needs(m, self.cfg)[0])
                out[m] = vfid(self.detector(self.cfg.fid_detector), self.samples, real, self.cfg.vfid_length,
                              self.cfg.count)
        for m in metrics:
            if VIS.match(m):
                out[m] = self.vis(VIS.match(m))
            elif m == GEN_TIME:
                out[m] = generation_minutes(self.samples)
        self.real_sets = {name: record for m in metrics for name, record in self.real_sets_of(m).items()}
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


def _spec_options(least: int, steps) -> str:
    return (f" --min-frames {least}" if least else "") + (f" --steps {steps[0]},{steps[1]}"
                                                          if tuple(steps) != FVD_STEPS else "")


def _missing_message(missing: list[Need]) -> str:
    name, length, least, steps = missing[0]
    of = f" of videos of at least {least} frames" if least else ""
    at = f" at steps {steps[0]}-{steps[1]}" if tuple(steps) != FVD_STEPS else ""
    return (f"no real {name} features for {length}-frame clips{of}{at}: run `longvid cache-real-features "
            f"--videos resources/videos/<dataset>/<res> --detector {name} --length {length}"
            f"{_spec_options(least, steps)} --out {real_feature_file(name, '<dataset>', '<res>', length, least, steps)}"
            f"` and pass it with --real-features (or pass --extract-missing with --videos to extract them on the "
            f"fly); missing: {missing}")


def read_samples_json(samples: Path) -> dict:
    path = Path(samples) / "samples.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: {samples} is not a sample folder written by `longvid sample`")
    return json.loads(path.read_text())


def generation_minutes(samples: Path) -> float:
    """Minutes the sampler took per video of the folder (samples.json `generation_seconds` / `count` / 60)."""
    meta = read_samples_json(samples)
    if "generation_seconds" not in meta:
        raise ValueError(f"{Path(samples) / 'samples.json'}: no generation_seconds (written before samplers timed "
                         "themselves); sample the folder again")
    return float(meta["generation_seconds"]) / max(int(meta["count"]), 1) / 60.0
