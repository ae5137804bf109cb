"""Training of the per-dataset video-IS classifier (thesis Sec. 3.4.3; ``longvid train-classifier``).

The thesis only says the IS classifier has "the same 3D-CNN structure [95]" and is "pre-trained on each dataset"
(no recipe). Choices (a careful default, recorded in the checkpoint): clips from
``longvid.data.clips.ClipDataset`` with step sampling (steps 1–3, as the generators' training data, Sec. 3.4.1),
one clip per video per epoch; cross-entropy; AdamW (lr 1e-3, weight decay 1e-4); augmentation by flips, small
translations and, for action labels, RGB channel permutations (:func:`augment`).

Held-out estimate: a seeded, per-class stratified ``holdout`` fraction of the **videos** (one ClipDataset item
per video) is kept out of training and scored at the end on 4 clips per held-out video drawn with fixed evaluation
epochs (never trained on: the training epochs are 0…epochs−1); the
checkpoint stores that accuracy with two chance levels (1/K and the held-out majority-class rate). The thesis uses
the whole dataset (Sec. 3.4.1), so ``holdout=0`` trains on everything (no estimate).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

EVAL_EPOCH = 1_000_003  # ClipDataset epoch whose clips score the held-out videos (fixed, never trained on)


@dataclass(frozen=True)
class TrainClassifierConfig:
    label: str = "action"  # action | actor (contracts.md labels)
    epochs: int = 60  # passes over the training videos
    batch_size: int = 32  # clips per step
    width: int = 64  # ResNet-18 stage-1 width
    lr: float = 1e-3  # AdamW learning rate
    weight_decay: float = 1e-4  # AdamW weight decay
    length: int = 16  # frames per clip
    steps: tuple[int, int] = (1, 3)  # step-sampling range (Sec. 3.4.1)
    holdout: float = 0.2  # fraction of videos per class held out (0 = train on all)
    seed: int = 0  # split, clips, init
    device: str = "cpu"  # torch device


def stratified_holdout(labels: list[int], frac: float, seed: int) -> tuple[list[int], list[int]]:
    """(train, held-out) indices: ``round(frac · n_c)`` of each class with ≥ 2 items held out, seeded."""
    rng = np.random.default_rng(seed)
    train, held = [], []
    labels_arr = np.asarray(labels)
    for c in np.unique(labels_arr):
        idx = rng.permutation(np.flatnonzero(labels_arr == c)).tolist()
        k = int(round(frac * len(idx))) if len(idx) >= 2 else 0
        k = min(k, len(idx) - 1)
        held += idx[:k]
        train += idx[k:]
    return sorted(train), sorted(held)


def augment(video, rng: np.random.Generator, colour: bool, shift: int = 4):
    """Per clip: horizontal flip, translation by up to ``shift`` px (edge padding), and — for action labels only,
    which do not depend on appearance — a random permutation of the RGB channels. ``(B, T, C, H, W)``."""
    import torch
    import torch.nn.functional as F

    out = []
    h, w = video.shape[-2:]
    for clip in video:  # (T, C, H, W)
        if rng.random() < 0.5:
            clip = clip.flip(-1)
        if colour:
            clip = clip[:, torch.from_numpy(rng.permutation(3))]
        padded = F.pad(clip, (shift,) * 4, mode="replicate")
        dy, dx = rng.integers(0, 2 * shift + 1, size=2)
        out.append(padded[..., dy : dy + h, dx : dx + w])
    return torch.stack(out)


def _batches(ds, indices: list[int], batch_size: int, rng: np.random.Generator | None):
    import torch

    order = list(indices) if rng is None else rng.permutation(indices).tolist()
    for i in range(0, len(order), batch_size):
        items = [ds[j] for j in order[i : i + batch_size]]
        yield torch.stack([it["video"] for it in items]), torch.tensor([it["label"] for it in items])


def evaluate_accuracy(model, ds, indices: list[int], batch_size: int, device: str, clips: int = 4) -> float:
    """Accuracy over ``clips`` random clips of each held-out video (fixed evaluation epochs)."""
    import torch

    if not indices:
        return float("nan")
    model.eval()
    correct = 0
    with torch.inference_mode():
        for k in range(clips):
            ds.set_epoch(EVAL_EPOCH + k)
            for video, label in _batches(ds, indices, batch_size, None):
                correct += int((model(video.to(device)).argmax(1).cpu() == label).sum())
    return correct / (len(indices) * clips)


def train_classifier(video_dir: Path, cfg: TrainClassifierConfig, out: Path, log=print) -> dict:
    """Train, score the held-out videos, save to ``out``; returns the held-out summary."""
    import torch
    import torch.nn.functional as F

    from longvid.data.clips import ClipDataset
    from longvid.metrics.classifier import ClassifierConfig, VideoClassifier, save_classifier

    torch.manual_seed(cfg.seed)
    ds = ClipDataset(video_dir, length=cfg.length, sampling="step", steps=cfg.steps, label=cfg.label, seed=cfg.seed)
    if len(ds.classes) < 2:
        raise ValueError(f"{video_dir}: label {cfg.label!r} has {len(ds.classes)} class(es); IS needs at least 2")
    labels = [ds._class_index[ds.videos[v][cfg.label]] for v, _ in ds.items]
    train_idx, held_idx = stratified_holdout(labels, cfg.holdout, cfg.seed)
    resolution = int(ds.array(ds.items[0][0]).shape[1])
    model = VideoClassifier(ClassifierConfig(len(ds.classes), cfg.width, cfg.length, resolution)).to(cfg.device)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    rng = np.random.default_rng(cfg.seed)
    for epoch in range(cfg.epochs):
        ds.set_epoch(epoch)
        model.train()
        total, n = 0.0, 0
        for video, label in _batches(ds, train_idx, cfg.batch_size, rng):
            video, label = video.to(cfg.device), label.to(cfg.device)  # (B, T, C, H, W), (B,)
            video = augment(video, rng, colour=cfg.label == "action")
            loss = F.cross_entropy(model(video), label)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total, n = total + float(loss.detach()) * len(label), n + len(label)
        log(f"epoch {epoch + 1}/{cfg.epochs} loss {total / max(n, 1):.4f}")
    held = [labels[i] for i in held_idx]
    summary = {
        "accuracy": evaluate_accuracy(model, ds, held_idx, cfg.batch_size, cfg.device),
        "chance_uniform": 1.0 / len(ds.classes),
        "chance_majority": (max(np.bincount(held)) / len(held)) if held else float("nan"),
        "n_heldout": len(held_idx), "n_train": len(train_idx),
    }
    log(f"held-out accuracy {summary['accuracy']:.3f} (chance {summary['chance_uniform']:.3f} uniform, "
        f"{summary['chance_majority']:.3f} majority) on {len(held_idx)} videos")
    save_classifier(model.cpu(), out, ds.classes, {"label": cfg.label, "holdout": summary,
                                                   "train": cfg.__dict__, "videos": str(video_dir)})
    return summary
