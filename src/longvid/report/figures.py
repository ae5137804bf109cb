"""Thesis figures: metric curves over training epochs, frame grids with difference maps, enlarged crops.

Curves (Fig. 3.2-3.3) are drawn with seaborn from each run's `metrics.csv` (`epoch, step, name, value`, written by
the training loop's evaluation hook); Fig. 4.9 plots the `fvd_along_16f` list of a metric file; Fig. 5.8-5.10
(`checkpoints`) plot metrics of the samples of kept checkpoints (`results/metrics/<exp>/<sampler>/<epoch>.json`)
over the epochs. Frame grids (Fig. 3.4-3.13, 4.4-4.12, 5.4-5.7) show frames of sampled videos, with the
difference maps of Eq. (3.3) (v_j = x_{j-1} - x_j, shown as |v_j|) in the row under the frames, as in the thesis;
`ranges` shows stretches of a long video side by side (Fig. 5.6-5.7: every 32 frames of 0-300, 300-600, 600-900).
Crops (Fig. 3.5) enlarge a stated box of a few frames of a frame grid's videos (hands, faces).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from longvid.fsutil import atomic_path


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _title(spec: dict, text: str) -> str:
    return f"[SMOKE RUN] {text}" if spec.get("run_type") == "smoke" else text


def save(fig, stem: Path) -> dict:
    """Write `<stem>.png` and `<stem>.pdf`, close the figure, and return what it showed (`describe`)."""
    for ext in ("png", "pdf"):
        with atomic_path(stem.with_suffix(f".{ext}")) as tmp:
            fig.savefig(tmp, format=ext, dpi=120, bbox_inches="tight")
    shown = describe(fig)
    _pyplot().close(fig)
    return shown


def describe(fig) -> dict:
    """What a figure shows, read back from the figure object: its title and, per panel in drawing order, the title,
    axis labels, legend entries, the (x, y) data of each drawn line, any text, and the image (uint8 array) if any."""
    panels = []
    for ax in fig.axes:
        legend = ax.get_legend()
        panels.append({
            "title": ax.get_title(), "xlabel": ax.get_xlabel(), "ylabel": ax.get_ylabel(),
            "legend": [t.get_text() for t in legend.get_texts()] if legend else [],
            "lines": [(list(map(float, line.get_xdata())), list(map(float, line.get_ydata())))
                      for line in ax.get_lines() if len(line.get_xdata())],  # legend proxies hold no data
            "texts": [t.get_text() for t in ax.texts],
            "image": np.asarray(ax.images[0].get_array()) if ax.images else None,
        })
    return {"title": fig.get_suptitle(), "panels": panels}


def curves_figure(spec: dict, metric_logs: list[Path], stem: Path) -> dict:
    """One panel per (dataset, metric); one line per model family (Fig. 3.2-3.3)."""
    import pandas as pd
    import seaborn as sns

    plt = _pyplot()
    frames = []
    for path in metric_logs:
        run = Path(path).parent.name  # e.g. encgan3_uva_64
        family, dataset = run.split("_")[0], run.split("_")[1]
        log = pd.read_csv(path)
        log["model"], log["dataset"] = {"encgan3": "EncGAN3", "g3an": "G3AN"}.get(family, family), dataset
        frames.append(log)
    data = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    datasets, metrics = spec["datasets"], spec["metrics"]
    fig, axes = plt.subplots(len(datasets), len(metrics), figsize=(4.2 * len(metrics), 2.8 * len(datasets)), squeeze=False)
    for i, dataset in enumerate(datasets):
        for j, metric in enumerate(metrics):
            ax = axes[i][j]
            sel = data[(data["dataset"] == dataset) & data["name"].str.fullmatch(f"{metric}(_action|_actor)?")] if len(data) else data
            if len(sel):
                sns.lineplot(data=sel, x="epoch", y="value", hue="model", style="model", marker="o", ax=ax)
            else:
                ax.text(0.5, 0.5, "no evaluations logged", ha="center", va="center", transform=ax.transAxes)
            ax.set_title(f"{dataset}: {metric}")
            ax.set_ylabel(metric)
    fig.suptitle(_title(spec, figure_name(spec) + ": " + ", ".join(metrics) + " over training epochs"))
    fig.tight_layout()
    return save(fig, stem)


def load_videos(sample_dir: Path, count: int) -> list[np.ndarray]:
    """The first `count` videos of a sample folder, uint8 T x H x W x C."""
    paths = sorted((Path(sample_dir) / "videos").glob("*.npy"))[:count]
    if not paths:
        raise FileNotFoundError(f"{sample_dir}: no videos/*.npy (run the sample_model rule for it)")
    return [np.load(p) for p in paths]


def frame_rows(video: np.ndarray, n_frames: int | None, every: int | None, diffmaps: bool,
               ranges: list | None = None) -> list[np.ndarray]:
    """Image rows for one video: its frames, then (optionally) |x_{j-1} - x_j| under them.

    `every`: frames 0, every, 2 every, ... (the first `n_frames` of them when given, e.g. Fig. 4.11's 10 frames
    every 5); otherwise `n_frames` (default 8) frames spread evenly over the video. `ranges` ([[start, end], ...],
    Fig. 5.6-5.7's thirds): frames start, start + every, ... below end of each range, the ranges side by side
    with a white gap of a quarter frame."""
    if ranges:
        parts = [frame_rows(_stretch(video, start, end), n_frames, every or 1, diffmaps) for start, end in ranges]
        gap = np.full((video.shape[1], max(1, video.shape[2] // 4), video.shape[3]), 255, np.uint8)
        return [np.concatenate([p for part in parts for p in (part[k], gap)][:-1], axis=1)
                for k in range(len(parts[0]))]
    if every:
        idx = np.arange(0, len(video), every)[:n_frames]
    else:
        idx = np.linspace(0, len(video) - 1, n_frames or 8).round().astype(int)
    rows = [np.concatenate(list(video[idx]), axis=1)]
    if diffmaps:
        v = np.abs(video[np.maximum(idx - 1, 0)].astype(np.int16) - video[idx].astype(np.int16))
        v = np.clip(v * 3, 0, 255).astype(np.uint8)  # amplified for visibility, as difference maps are faint
        rows.append(np.concatenate(list(v), axis=1))
    return rows


def _stretch(video: np.ndarray, start: int, end: int) -> np.ndarray:
    """Frames [start, end) of a video; a range past its end is an error naming both (the figure's `ranges`)."""
    if not 0 <= start < end <= len(video):
        raise ValueError(f"frame range [{start}, {end}) does not fit a {len(video)}-frame video; "
                         "set the figure's ranges within the sampler's frames")
    return video[start:end]


def frame_panels(spec: dict, sample_dirs: list[Path]) -> list[tuple[str, np.ndarray]]:
    """(title, image) of each panel of a frame grid, in order: panel by panel, epoch by epoch within a panel."""
    panels = []
    epochs = [str(e) for e in spec.get("epochs", ["final"])]
    counts = spec.get("videos", 2)  # videos per panel: one number, or one per panel (Fig. 4.10: a swap group of 4, a sum group of 3)
    counts = counts if isinstance(counts, list) else [counts] * len(spec["panels"])
    if len(counts) != len(spec["panels"]):
        raise ValueError(f"{spec['figure']}: videos lists {len(counts)} counts for {len(spec['panels'])} panels")
    labels = spec.get("labels") or [""] * len(spec["panels"])  # the thesis' row / sub-figure names, optional
    if len(labels) != len(spec["panels"]):
        raise ValueError(f"{spec['figure']}: labels lists {len(labels)} names for {len(spec['panels'])} panels")
    if len(sample_dirs) != len(spec["panels"]) * len(epochs):
        raise ValueError(f"{spec['figure']}: {len(sample_dirs)} sample folders for {len(spec['panels'])} panels"
                         f" x {len(epochs)} epochs")
    for (exp, sampler), count, label, epoch_dirs in zip(spec["panels"], counts, labels,
                                                        _chunks(sample_dirs, len(epochs))):
        for epoch, sample_dir in zip(epochs, epoch_dirs):
            rows = []
            for video in load_videos(sample_dir, count):
                rows += frame_rows(video, spec.get("frames"), spec.get("every"), spec.get("diffmaps", False),
                                   spec.get("ranges"))
            width = max(r.shape[1] for r in rows)
            rows = [np.pad(r, ((0, 0), (0, width - r.shape[1]), (0, 0))) for r in rows]
            name = f"{exp} ({sampler}, epoch {epoch})"
            if spec.get("ranges"):  # Fig. 5.6-5.7: which stretches of the long video are shown
                name += f", frames {' | '.join(f'{a}-{b}' for a, b in spec['ranges'])} every {spec.get('every') or 1}"
            panels.append((f"{label}: {name}" if label else name, np.concatenate(rows, axis=0)))
    return panels


def frames_figure(spec: dict, sample_dirs: list[Path], stem: Path) -> dict:
    """A grid: for each panel (experiment x sampler [x epoch]) the frames of a few videos."""
    title = _title(spec, figure_name(spec) + (f"\n{spec['note']}" if spec.get("note") else ""))
    return image_column(frame_panels(spec, sample_dirs), title, stem)


def image_column(panels: list[tuple[str, np.ndarray]], title: str, stem: Path) -> dict:
    """One titled image per row, each at its own aspect ratio; pixels drawn as squares (no smoothing)."""
    plt = _pyplot()
    # 1.5 inches per 64 pixels of the widest panel (capped); each panel keeps its aspect ratio, plus its title
    width = min(14.0, max(5.0, 1.5 * max(image.shape[1] for _, image in panels) / 64))
    heights = [width * image.shape[0] / image.shape[1] + 0.35 for _, image in panels]
    fig, axes = plt.subplots(len(panels), 1, figsize=(width, sum(heights) + 0.6), squeeze=False,
                             gridspec_kw={"height_ratios": heights}, layout="constrained")
    for ax, (name, image) in zip(axes[:, 0], panels):
        ax.imshow(image, interpolation="nearest")
        ax.set_title(name, fontsize=9)
        ax.axis("off")
    fig.suptitle(title)
    return save(fig, stem)


def figure_name(spec: dict) -> str:
    """`figure_3_12` -> `Figure 3.12`."""
    return "Figure " + spec["figure"].removeprefix("figure_").replace("_", ".")


def _chunks(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def along_figure(spec: dict, metric_files: list[Path], stem: Path) -> dict:
    """Fig. 4.9: FVD of consecutive non-overlapping 16-frame clips along the generated long videos, one panel per
    experiment (Taichi (a), Sky (b))."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(metric_files), figsize=(6 * len(metric_files), 3.5), squeeze=False)
    for ax, (exp, sampler), path in zip(axes[0], spec["panels"], metric_files):
        values = json.loads(Path(path).read_text())["metrics"]["fvd_along_16f"]
        starts = [16 * i for i in range(len(values))]
        ax.plot(starts, values, marker="o", label=f"{exp} ({sampler})")
        ax.set_title(f"{exp} ({sampler})", fontsize=9)
        ax.set_xlabel("first frame of the 16-frame clip")
        ax.set_ylabel("FVD (16 frames)")
    fig.suptitle(_title(spec, figure_name(spec) + ": FVD along the generated videos"))
    fig.tight_layout()
    return save(fig, stem)


def checkpoints_figure(spec: dict, metric_files: list[Path], stem: Path) -> dict:
    """Fig. 5.8-5.10: one panel per metric ((a) FVD-16f, (b) FVD-128f), one line per `lines` entry (experiment x
    sampler, e.g. "train: mean, test: sample"), each point the metric file of one kept checkpoint; x = the epoch
    of the checkpoint that was sampled (samples.json, so `final` sits at the run's last epoch)."""
    from matplotlib.ticker import MaxNLocator

    plt = _pyplot()
    by_key = {tuple(Path(p).with_suffix("").parts[-3:]): Path(p) for p in metric_files}
    labels = spec.get("labels") or [f"{exp} ({sampler})" for exp, sampler in spec["lines"]]
    metrics = spec["metrics"]
    fig, axes = plt.subplots(1, len(metrics), figsize=(6 * len(metrics), 3.8), squeeze=False)
    for j, metric in enumerate(metrics):
        ax = axes[0][j]
        epochs = set()
        for (exp, sampler), label in zip(spec["lines"], labels):
            points = sorted(_checkpoint_point(by_key, exp, sampler, epoch, metric) for epoch in spec["epochs"])
            ax.plot([x for x, _ in points], [y for _, y in points], marker="o", markersize=3, label=label)
            epochs |= {x for x, _ in points}
        ax.set_title(f"({chr(ord('a') + j)}) {metric}", fontsize=9)
        ax.set_xlabel("training epoch")
        if len(epochs) <= 10:  # few checkpoints (the smoke run's one): tick exactly those epochs
            ax.set_xticks(sorted(epochs))
        else:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(metric)
        ax.legend(fontsize=7)
    fig.suptitle(_title(spec, figure_name(spec) + ": " + ", ".join(metrics) + " over training epochs"))
    fig.tight_layout()
    return save(fig, stem)


def _checkpoint_point(by_key: dict, exp: str, sampler: str, epoch: str, metric: str) -> tuple[int, float]:
    """(epoch of the sampled checkpoint, metric value) from results/metrics/<exp>/<sampler>/<epoch>.json."""
    path = by_key.get((exp, sampler, str(epoch)))
    if path is None:
        raise FileNotFoundError(f"no metrics file among the inputs for {exp}/{sampler}/{epoch}")
    doc = json.loads(path.read_text())
    if metric not in doc["metrics"]:
        raise KeyError(f"{path}: metric {metric} missing (has {sorted(doc['metrics'])})")
    sampled = doc.get("protocol", {}).get("samples_json", {}).get("epoch")
    if sampled is None and not str(epoch).isdigit():
        raise ValueError(f"{path}: no protocol.samples_json.epoch to place checkpoint {epoch!r} on the epoch axis")
    return int(sampled if sampled is not None else epoch), float(doc["metrics"][metric])


def crop_box(spec: dict, crop: dict, height: int, width: int) -> tuple[int, int, int, int]:
    """Pixel box (top, left, h, w) of a crop's `box` [top, left, height, width], given as fractions of the frame so
    that one config holds at every resolution (a smoke run's frames are the full run's, smaller)."""
    box = crop.get("box", [])
    if len(box) != 4 or not all(0 <= b <= 1 for b in box) or box[2] <= 0 or box[3] <= 0 \
            or box[0] + box[2] > 1 or box[1] + box[3] > 1:
        raise ValueError(f"{spec['figure']}: crop {crop.get('label', '')!r} box {box}: give [top, left, height, "
                         "width] as fractions of the frame, inside it")
    top, left = int(box[0] * height), int(box[1] * width)
    return top, left, max(1, round(box[2] * height)), max(1, round(box[3] * width))


def crop_row(spec: dict, crop: dict, video: np.ndarray) -> np.ndarray:
    """One crop as an image row: the first listed frame with the box outlined in white, then the box of each listed
    frame enlarged (nearest neighbour, the largest whole factor that fits the frame's height) - Fig. 3.5."""
    height, width = video.shape[1:3]
    top, left, h, w = crop_box(spec, crop, height, width)
    frames = crop.get("frames", [0])
    if not frames or max(frames) >= len(video) or min(frames) < 0:
        raise ValueError(f"{spec['figure']}: crop {crop.get('label', '')!r} frames {frames}: the video has "
                         f"{len(video)} frames")
    outlined = video[frames[0]].copy()
    bottom, right = top + h - 1, left + w - 1
    outlined[top, left:right + 1] = outlined[bottom, left:right + 1] = 255
    outlined[top:bottom + 1, left] = outlined[top:bottom + 1, right] = 255
    zoom = max(1, height // h)
    enlarged = [video[f, top:top + h, left:left + w].repeat(zoom, axis=0).repeat(zoom, axis=1) for f in frames]
    parts = [outlined] + [np.pad(e, ((0, height - e.shape[0]), (0, 0), (0, 0))) for e in enlarged]
    gap = np.full((height, max(1, width // 16), 3), 255, np.uint8)  # white gap between the tiles
    return np.concatenate([x for part in parts for x in (part, gap)][:-1], axis=1)


def crops_figure(spec: dict, sample_dirs: list[Path], stem: Path) -> dict:
    """Fig. 3.5: enlarged parts of a frame grid's sampled videos; one panel per entry of `crops` ({panel: an
    experiment of `panels`, video, frames, box, label}), in the order listed."""
    folders = {exp: folder for (exp, _), folder in zip(spec["panels"], sample_dirs)}
    samplers = dict((exp, sampler) for exp, sampler in spec["panels"])
    panels = []
    for crop in spec.get("crops", []):
        if crop.get("panel") not in folders:
            raise ValueError(f"{spec['figure']}: crop {crop.get('label', '')!r} panel {crop.get('panel')!r} is not "
                             f"one of its panels {sorted(folders)}")
        index = int(crop.get("video", 0))
        videos = load_videos(folders[crop["panel"]], index + 1)
        if index >= len(videos):
            raise ValueError(f"{spec['figure']}: crop {crop.get('label', '')!r} video {index}: "
                             f"{folders[crop['panel']]} holds {len(videos)} videos")
        name = f"{crop['panel']} ({samplers[crop['panel']]}), video {index}, frames {crop.get('frames', [0])}"
        panels.append((f"{crop['label']}: {name}" if crop.get("label") else name,
                       crop_row(spec, crop, videos[index])))
    if not panels:
        raise ValueError(f"{spec['figure']}: a crops figure needs at least one entry in `crops`")
    return image_column(panels, _title(spec, figure_name(spec) + ": enlarged parts of the generated videos"), stem)


FIGURE_KINDS = {"curves": curves_figure, "frames": frames_figure, "along": along_figure,
                "checkpoints": checkpoints_figure, "crops": crops_figure}


def build_figure(spec_json: str, inputs: list[str], out: str) -> dict:
    """Draw one figure from its spec (JSON from common.smk) and inputs; returns `describe` of it."""
    spec = json.loads(spec_json)
    return FIGURE_KINDS[spec["kind"]](spec, [Path(p) for p in inputs], Path(out))
