"""LEncGAN long-video sampler (Alg. 5): clip by clip with inherited LSTM states, streamed to disk.

Alg. 5: the real input video x_{0:m·16} is cut into consecutive non-overlapping 16-frame clips; clip j is encoded
starting from the state the previous clip left (zero for the first, Alg. 5 lines 3–4; what is inherited follows
the run's `lencgan.inherit` / `inherit_at`: `LEncGAN.start_video` / `next_clip`), codes are drawn from the final
cell state's Gaussian by the latent mode (`--latent` sample / mean; `vdrej` is refused: Alg. 8 scores
overlapping recall windows, LEncGAN's clips do not overlap), G generates the clip and the clips are concatenated (no
overlap). Any length L (our reading): m = ceil(L / 16) clips, the last one cut to L − 16 (m − 1) frames; the real
video must have 16 m frames (video i reads eligible real video i mod N from frame 0). Streaming, seeding and the
folder layout are those of `longvid.sample.stream`.
"""

from __future__ import annotations

import math


def clip_plan(length: int, clip: int = 16) -> list[tuple[int, int]]:
    """(start frame, frames kept) of each consecutive clip of an L-frame video (Alg. 5)."""
    if length < 1:
        raise ValueError(f"length must be >= 1, got {length}")
    m = math.ceil(length / clip)
    return [(k * clip, min(clip, length - k * clip)) for k in range(m)]


def lencgan(model, run_cfg: dict, request, folder, device) -> dict:
    """Alg. 5 (LEncGAN): long videos of --frames frames, clip by clip with inherited encoder states."""
    from longvid.sample.latents import LATENTS
    from longvid.sample.recall import check_long_request
    from longvid.sample.stream import RealVideos, stream_windows

    check_long_request("lencgan", request)
    if not hasattr(model, "start_video"):
        raise SystemExit(f"--sampler lencgan needs a checkpoint of family lencgan, got {run_cfg.get('family')!r}")
    if request.latent == "vdrej":
        raise SystemExit("--latent vdrej scores each clip stitched to the first r frames of the overlapping clip "
                         "before it (Alg. 8, recall models); LEncGAN's clips do not overlap: use --latent sample "
                         "or mean with --sampler lencgan")
    plan = clip_plan(request.frames, model.clip)
    videos = RealVideos(request.videos, plan[-1][0] + model.clip, request.split, run_cfg.get("data", {}).get("groups"))
    choose = LATENTS[request.latent]

    def make_clip(window, gens, previous):
        if previous is None:
            model.start_video()  # prev_state <- (0, 0) for a new batch of videos (Alg. 5 line 3)
        stats = model.encode(window)  # from the inherited state
        model.next_clip()  # prev_state <- this clip's state (Alg. 5 line 7)
        return model.generate(*choose(model, stats, gens, previous))  # (B, clip, C, H, W)

    try:
        used = stream_windows(model, request, folder, videos, plan, model.clip, make_clip, device)
    finally:
        model.start_video()  # leave no state behind
    return {"real_videos": used}
