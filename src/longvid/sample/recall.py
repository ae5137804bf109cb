"""REncGAN / R2 long-video sampler (Alg. 7) for any length, streamed to disk window by window.

Alg. 7: the real input video is cut into 16-frame windows starting every r = 8 frames; each window is encoded
(content from its reference frame x_r, `RecallModel.encode`), codes are drawn by the latent mode (`--latent`,
`longvid.sample.latents`: `sample` as Alg. 7 line 12, `mean`, or `vdrej`: Alg. 8, the D_V-best of `--candidates`
clips, scored on the clip stitched to the previous window's kept clip), the model generates a clip (rebuilt around
its reference frame, Eq. 4.2–4.3, when the run used R_Enc: `RecallModel.generate`) and the first r frames of every
clip are appended, the whole clip for the last window. For L frames with L − 16 a multiple of r this is exactly
Alg. 7 (m = L // r, m − 1 windows); with `vdrej` it is Alg. 8.

Any other length (our reading, `window_plan`): L <= 16 uses one window cut to L frames; otherwise
m = ceil((L − 16) / r) + 1 windows, all but the last contribute r frames and the last contributes the remaining
L − (m − 1) r frames (between 16 − r + 1 and 16) from its start, i.e. its tail beyond L is dropped. The real video
must have (m − 1) r + 16 frames ("requires a real input video of the target length", PROTOCOL §2.4): video i reads
eligible real video i mod N (manifest order, split filter), from frame 0.

Checkpoints of family `ar2` are refused: AR2's encoder was trained to *predict* the next clip (Alg. 9), so the
clip it makes from real window k continues that window instead of recalling it; AR2 runs `--sampler ar2`.

Streaming (`longvid.sample.stream.stream_windows`): only one window of real frames and one generated clip per video
are in memory; video i draws its codes from its own generator seeded from (seed, i), so it does not depend on the
batch size.
"""

from __future__ import annotations

import math


def window_plan(length: int, clip: int = 16, shift: int = 8) -> list[tuple[int, int]]:
    """(start frame of the real window, frames of its generated clip kept) for an L-frame video (Alg. 7)."""
    if length < 1:
        raise ValueError(f"length must be >= 1, got {length}")
    if length <= clip:
        return [(0, length)]
    m = math.ceil((length - clip) / shift) + 1
    return [(k * shift, shift) for k in range(m - 1)] + [((m - 1) * shift, length - (m - 1) * shift)]


def frames_needed(plan: list[tuple[int, int]], clip: int) -> int:
    """Real frames the plan reads: last window start + clip."""
    return plan[-1][0] + clip


def check_long_request(name: str, request) -> None:
    """A long-video sampler needs --frames and --videos (the real video it encodes)."""
    if request.frames is None:
        raise SystemExit(f"--sampler {name} generates long videos: pass --frames <length> (any length >= 1)")
    if request.videos is None:
        raise SystemExit(f"--sampler {name} encodes a real video: pass --videos resources/videos/<ds>/<res>")


def recall(model, run_cfg: dict, request, folder, device) -> dict:
    """Alg. 7 (REncGAN / R2): long videos of --frames frames recalled over windows of real videos."""
    from longvid.sample.latents import choose, decode
    from longvid.sample.stream import RealVideos, stream_windows

    check_long_request("recall", request)
    family = run_cfg.get("family")
    if family == "ar2":
        raise SystemExit("--sampler recall recalls each real window (Alg. 7), but this checkpoint is family 'ar2', "
                         "whose encoder predicts the next clip (Alg. 9): use --sampler ar2 (Alg. 10, no --videos)")
    rcfg = getattr(model, "recall_cfg", None)
    if rcfg is None:
        raise SystemExit(f"--sampler recall needs a recall-family checkpoint (family recall), this one is family "
                         f"{family!r}")
    plan = window_plan(request.frames, rcfg.clip, rcfg.shift)
    videos = RealVideos(request.videos, frames_needed(plan, rcfg.clip), request.split,
                        run_cfg.get("data", {}).get("groups"))
    codes_of = choose(request)

    def make_clip(window, gens, previous):
        return decode(model, codes_of(model, model.encode(window), gens, previous))  # (B, clip, C, H, W)

    used = stream_windows(model, request, folder, videos, plan, rcfg.clip, make_clip, device)
    return {"real_videos": used}
