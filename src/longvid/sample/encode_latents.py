"""R3 stage 1 → 2 (Sec. 5.4.2–5.4.4): every training video of a frozen, trained improved R2 as its sequence of
latent spaces, the data of the GPT (`longvid encode-latents`).

A video is cut into the recall windows of its R2: `clip`-frame clips (16) starting every `shift` frames (r = 8),
from frame 0, as long as a whole clip fits into the video's first `max_frames` frames (Sec. 5.4.4: "we set a
threshold for the maximum training sequence length at 1000 frames, and for videos exceeding this length, we
discard the excess frames"). A T-frame video gives 1 + (min(T, max_frames) − clip) // shift tokens; one shorter
than a clip gives none and is listed in the meta as skipped. Each window goes through the R2's own `encode` (the
content code read at its reference frame x_r, as in training and in Alg. 7), in eval mode, and becomes one token
`(mu_c, logvar_c, mu_m, logvar_m)`, the layout of `longvid.models.r3.R3Model.tokens` (size 2 (dim_zc + dim_zm)).

Labels (Eq. 5.6 padzs: "other videos with the same moving object"; Eq. 5.7's class token): the index of the
video's manifest `label` column (default `actor`: Taichi's performer, the subject of Table 4.1) among the sorted
values of that column over the whole manifest, as `longvid.data.clips.ClipDataset` numbers classes. Sky has no
labels: one class.

The file (`longvid.data.latentseq`) records in `meta` the R2 checkpoint's sha256 (stage 2 refuses an R2 that is
not the one that wrote the tokens), the R2's `model_args`, the window layout and what was read. Videos are read
one at a time, window batch by window batch (plain file reads, no lasting map); the result does not depend on the
batch size (eval-mode BatchNorm, no randomness).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

MAX_FRAMES = 1000  # Sec. 5.4.4: frames of a training video beyond 1000 are discarded


def window_starts(n_frames: int, clip: int = 16, shift: int = 8, max_frames: int = MAX_FRAMES) -> list[int]:
    """First frames of the recall windows of an n-frame video, within its first `max_frames` frames."""
    if clip < 1 or shift < 1 or max_frames < clip:
        raise ValueError(f"need clip >= 1, shift >= 1 and max_frames >= clip, got {clip}, {shift}, {max_frames}")
    usable = min(n_frames, max_frames)
    return list(range(0, usable - clip + 1, shift)) if usable >= clip else []


def encode_windows(model, frames, starts: list[int], clip: int, batch_size: int, device):
    """Tokens (L, D) float32 of the windows [s, s + clip) of `frames` (a uint8 (T, H, W, 3) reader)."""
    import torch

    from longvid.data.transforms import to_model

    out = []
    for k in range(0, len(starts), batch_size):
        part = starts[k : k + batch_size]
        block = to_model(np.asarray(frames[part[0] : part[-1] + clip]))  # (n, C, H, W) in [-1, 1]
        clips = torch.stack([block[s - part[0] : s - part[0] + clip] for s in part]).to(device)  # (b, clip, C, H, W)
        with torch.no_grad():
            out.append(torch.cat(model.encode(clips), dim=1).float().cpu())  # (b, D): R3Model.tokens' layout
    return torch.cat(out).numpy()


def token_layout(cfg) -> dict:
    """{part: [start, stop)} of the parts of a token (mu_c, logvar_c, mu_m, logvar_m) of a model config."""
    sizes, out, start = (cfg.dim_zc, cfg.dim_zc, cfg.dim_zm, cfg.dim_zm), {}, 0
    for name, size in zip(("mu_c", "logvar_c", "mu_m", "logvar_m"), sizes):
        out[name], start = [start, start + size], start + size
    return out


def training_videos(video_dir: str | Path, split: str | None, label: str) -> tuple[list[dict], list[str]]:
    """(manifest rows of `split` (all when None), class names of the `label` column in index order)."""
    from longvid.data.store import read_manifest

    rows = read_manifest(video_dir)
    if rows and label not in rows[0]:
        raise SystemExit(f"{Path(video_dir) / 'videos.csv'}: no label column {label!r}; choose action, actor or group")
    chosen = [r for r in rows if not split or r["split"] == split]
    if not chosen:
        raise SystemExit(f"{Path(video_dir) / 'videos.csv'}: no video of split {split!r}; pass another --split")
    return chosen, sorted({r[label] for r in rows})


def encode_latents(checkpoint: Path, video_dir: Path, out: Path, split: str | None = "train", label: str = "actor",
                   max_frames: int = MAX_FRAMES, batch_size: int = 32, device: str = "auto") -> Path:
    """Encode every `split` video of `video_dir` with the R2 of `checkpoint` into the latent file `out`."""
    from longvid.data.latentseq import write_sequences
    from longvid.data.store import file_sha256
    from longvid.sample.stream import NpyFrames, load_model, pick_device
    from longvid.train.rebuild import model_args

    dev = pick_device(device)
    model, run_cfg, epoch = load_model(checkpoint, dev)
    if run_cfg.get("family") != "recall":
        raise SystemExit(f"{checkpoint}: R3 encodes with a trained (improved) R2, family recall; this checkpoint is "
                         f"family {run_cfg.get('family')!r} (pass results/runs/<improved R2 experiment>/final.pt)")
    rcfg, cfg = model.recall_cfg, model.cfg
    if batch_size < 1 or max_frames < rcfg.clip:
        raise SystemExit(f"--batch-size must be >= 1 and --max-frames >= the R2's clip ({rcfg.clip}), got "
                         f"{batch_size} and {max_frames}")
    rows, classes = training_videos(video_dir, split, label)
    index = {name: k for k, name in enumerate(classes)}
    sequences, labels, names, skipped, used = [], [], [], [], []
    for row in rows:
        frames = NpyFrames(Path(video_dir) / row["path"])
        starts = window_starts(len(frames), rcfg.clip, rcfg.shift, max_frames)
        if not starts:
            skipped.append(row["video_id"])
            continue
        sequences.append(encode_windows(model, frames, starts, rcfg.clip, batch_size, dev))
        labels.append(index[row[label]])
        names.append(row["video_id"])
        used.append(starts[-1] + rcfg.clip)
        print(f"[encode-latents] {row['video_id']}: {len(starts)} tokens from {used[-1]} of {len(frames)} frames")
    if not sequences:
        raise SystemExit(f"{video_dir}: no {split or 'any-split'} video has a whole {rcfg.clip}-frame clip")
    meta = {"r2_checkpoint_sha256": file_sha256(checkpoint), "r2_checkpoint": str(checkpoint), "r2_epoch": epoch,
            "r2_experiment": run_cfg.get("experiment"), "r2_model_args": model_args("recall", model),
            "run_type": run_cfg.get("run_type", "full"), "shift": rcfg.shift, "clip": rcfg.clip,
            "max_frames": max_frames, "reference_frame": model.reference, "videos": str(video_dir),
            "videos_sha256": file_sha256(Path(video_dir) / "videos.csv"), "split": split, "label": label,
            "classes": classes, "token_size": 2 * (cfg.dim_zc + cfg.dim_zm), "token_layout": token_layout(cfg),
            "frames_used": used, "skipped": skipped}
    path = write_sequences(out, sequences, labels, names, meta)
    print(f"[encode-latents] wrote {len(sequences)} sequences ({sum(map(len, sequences))} tokens of "
          f"{meta['token_size']}) to {path}; skipped {len(skipped)} videos shorter than {rcfg.clip} frames")
    return path


def register(sub) -> None:
    """`longvid encode-latents` (this module is one of `longvid.cli.COMMAND_MODULES`)."""
    import argparse

    p = sub.add_parser("encode-latents", help="encode training videos with a frozen R2 into latent sequences (R3)",
                       description="R3 stage 1 -> 2 (Sec. 5.4.2): one token (mu_c, logvar_c, mu_m, logvar_m) per "
                                   "recall window (clip frames every shift frames) of every video of --split, "
                                   "frames beyond --max-frames discarded (Sec. 5.4.4)")
    p.add_argument("--checkpoint", required=True, type=Path, help="the trained improved R2 (family recall) final.pt")
    p.add_argument("--videos", required=True, type=Path, help="video folder resources/videos/<dataset>/<res>")
    p.add_argument("--out", required=True, type=Path, help="latent file results/latents/<r2 experiment>/train.npz")
    p.add_argument("--split", default="train", help="manifest split to encode (default train; 'all' for every video)")
    p.add_argument("--label", default="actor", choices=("action", "actor", "group"),
                   help="manifest column of each video's class (padzs, disc+cont; default actor = Taichi subject)")
    p.add_argument("--max-frames", type=int, default=MAX_FRAMES, help="frames read per video at most (Sec. 5.4.4)")
    p.add_argument("--batch-size", type=int, default=32, help="windows encoded together (does not change tokens)")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda")

    def run(args: argparse.Namespace) -> int:
        encode_latents(args.checkpoint, args.videos, args.out, split=None if args.split == "all" else args.split,
                       label=args.label, max_frames=args.max_frames, batch_size=args.batch_size, device=args.device)
        return 0

    p.set_defaults(func=run)
