"""R3 long-video samplers (Alg. 11, Sec. 5.5.5, Table 5.11): `r3_robust` (the default, GPT_robust) and `r3_faster`.

Both start from a real initial clip (R3's prior; Sec. 5.5.3: "we use training clips as the starting input in R3"):
video i reads the first `clip` frames of real video i mod N of `--videos` among those of `--split` (default
`train`, the videos the GPT's latent sequences came from; manifest order, the run's `data.groups`), so its first
r = 8 frames are real (Alg. 11 l. 10). The generation loops are the model side's
`longvid.models.r3_generate`:

* `r3_robust`: GPT and R2 alternate clip by clip; each clip chosen by the latent mode (`--latent vdrej` is Alg. 11,
  `--candidates` N) is re-encoded and that latent is fed back to the GPT. Frame blocks are written as they come,
  so memory holds one clip per video whatever the length.
* `r3_faster`: the GPT generates every latent of a video first, then all its clips are decoded in one batch
  (`--latent mean | sample | vdrej`, Table 5.11; VDrej scores each candidate alone, the clips being parallel).
  One video's kept frames are held at a time.

Exactly `--frames` frames (> r), any length (the GPT's context slides past `gpt.max_frames`). Format `disc+cont`
(Eq. 5.7) prompts the GPT with [cls, length]: cls = the initial video's class, numbered as `longvid encode-latents`
numbers them (the sorted `actor` values of the whole manifest), length = the video's latent tokens, capped at the
GPT's. Video i draws all its randomness from its own generator seeded from (seed, i), so it does not depend on the
batch size. Only family `r3` checkpoints are accepted.
"""

from __future__ import annotations

CLASS_LABEL = "actor"  # manifest column of the class of a video (as `longvid encode-latents --label` by default)


def check_request(name: str, run_cfg: dict, request) -> None:
    """An r3 checkpoint, --frames, --videos (the initial real clips), a latent mode R3 generates with."""
    from longvid.models.r3_generate import MODES

    if run_cfg.get("family") != "r3":
        raise SystemExit(f"--sampler {name} needs a checkpoint of family r3 (R3 = improved R2 + GPT, Alg. 11), this "
                         f"one is family {run_cfg.get('family')!r}; train an r3 experiment (results/runs/r3_*/final.pt)")
    if request.frames is None:
        raise SystemExit(f"--sampler {name} generates long videos: pass --frames <length> (> 8: the first 8 are the "
                         "real initial clip's, Alg. 11)")
    if request.videos is None:
        raise SystemExit(f"--sampler {name} starts from a real initial clip (Alg. 11): pass --videos "
                         "resources/videos/<ds>/<res>")
    if request.latent not in MODES:
        raise SystemExit(f"--latent {request.latent}: R3 generates with one of {', '.join(MODES)} (Table 5.11)")


def initial_split(request) -> str:
    """The split of the initial clips: --split, else the training videos (those the GPT learnt from)."""
    return request.split or "train"


def prefix_ids(model, videos, ids: list[str], frames: int, device):
    """The discrete prompt [cls, length] (B, 2) of format disc+cont (Eq. 5.7), else None."""
    import torch

    from longvid.data.store import read_manifest
    from longvid.models.r3_generate import clip_plan

    gcfg = model.gpt.cfg
    if gcfg.format != "disc+cont":
        return None
    classes = sorted({r[CLASS_LABEL] for r in read_manifest(videos.dir)})
    label = {r["video_id"]: classes.index(r[CLASS_LABEL]) for r in videos.rows}
    cls = [label[v] for v in ids]
    if max(cls) >= gcfg.classes:
        raise SystemExit(f"{videos.dir / 'videos.csv'}: class {max(cls)} ({classes[max(cls)]}) but the GPT knows "
                         f"gpt.classes={gcfg.classes}; sample with the videos the latent file was encoded from")
    length = min(1 + len(clip_plan(frames, gcfg.clip, gcfg.shift)), gcfg.max_tokens)
    return torch.tensor([[c, gcfg.classes + length] for c in cls], device=device)


def _batches(name: str, model, run_cfg: dict, request, device):
    """Per batch of videos: (indices, real ids, initial clips (B, clip, C, H, W), generators, prompt ids)."""
    from longvid.models.latent import video_generator
    from longvid.models.r3_generate import clip_plan
    from longvid.sample.stream import RealVideos, window_batch

    check_request(name, run_cfg, request)
    clip = model.recall_cfg.clip
    try:
        clip_plan(request.frames, clip, model.recall_cfg.shift)
    except ValueError as err:
        raise SystemExit(f"--frames {request.frames}: {err}") from None
    videos = RealVideos(request.videos, clip, initial_split(request), run_cfg.get("data", {}).get("groups"))
    for indices in request.batches():
        sources = [videos(i) for i in indices]
        ids = [vid for vid, _ in sources]
        first = window_batch([a for _, a in sources], 0, clip, device)  # (B, clip, C, H, W) in [-1, 1]
        gens = [video_generator(request.seed, i) for i in indices]
        yield indices, ids, first, gens, prefix_ids(model, videos, ids, request.frames, device)


def r3_robust(model, run_cfg: dict, request, folder, device) -> dict:
    """Alg. 11 (GPT_robust): from a real initial clip, GPT and R2 clip by clip, each kept clip re-encoded."""
    from longvid.data.transforms import to_uint8
    from longvid.models import r3_generate as alg11

    n, chunk = request.candidates, request.chunk
    used = []
    for indices, ids, first, gens, prompt in _batches("r3_robust", model, run_cfg, request, device):
        sinks = [folder.stream(i, request.frames, model.cfg.resolution) for i in indices]
        for block in alg11.robust(model, first, gens, request.frames, request.latent, n, chunk, prompt):
            for sink, frames in zip(sinks, to_uint8(block)):  # (k, H, W, 3) each
                sink.write(frames)
        for sink in sinks:
            sink.close()
        used += ids
    return {"real_videos": used, "codes": "initial clip", "initial_split": initial_split(request), "generation": "robust",
            "gpt_format": model.gpt.cfg.format}


def r3_faster(model, run_cfg: dict, request, folder, device) -> dict:
    """GPT_faster (Table 5.11): the GPT's whole latent sequence first, then every clip of a video in one batch."""
    from longvid.models import r3_generate as alg11

    n, chunk = request.candidates, request.chunk
    used = []
    for indices, ids, first, gens, prompt in _batches("r3_faster", model, run_cfg, request, device):
        for row, video in alg11.faster(model, first, gens, request.frames, request.latent, n, chunk, prompt):
            folder.add(indices[row], video)  # (frames, C, H, W)
        used += ids
    return {"real_videos": used, "codes": "initial clip", "initial_split": initial_split(request), "generation": "faster",
            "gpt_format": model.gpt.cfg.format}
