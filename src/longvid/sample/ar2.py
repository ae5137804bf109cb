"""AR2 long-video sampler (Alg. 10): unconditional videos of any length from noise alone, streamed to disk.

The generation loop is the model side's `longvid.models.ar2.generate`: the first clip from N(0, I) codes, each next
clip from the posterior of the previous *kept* clip, the first r = 8 frames of every clip stitched, the last clip
cut to the frames still missing (exactly `--frames` frames). Latent modes (`--latent`, Table 5.8): `mean`, `sample`,
`vdrej` (Alg. 8 with `--candidates` N, `--chunk` candidates per G / D_V call). This sampler only writes the frame
blocks into the sample folder as they come, so memory holds one clip per video whatever the length.

No real video is read (AR2's prior is "none", Sec. 5.3): `--videos`, `--segments` and `--split` are refused rather
than ignored. Video i draws all its randomness from its own generator seeded from (seed, i), so it does not depend
on the batch size or the candidate chunk size. Only family `ar2` checkpoints are accepted: a recall (R2)
checkpoint's encoder reconstructs its input clip rather than predicting the next one, so Alg. 10's loop would
repeat one clip; R2 runs `--sampler recall` over real windows (Alg. 7 / 8).
"""

from __future__ import annotations


def check_request(run_cfg: dict, request) -> None:
    """Alg. 10's request: an `ar2` checkpoint, --frames, no real-video options, a latent mode AR2 knows."""
    from longvid.models.ar2 import MODES

    family = run_cfg.get("family")
    if family != "ar2":
        hint = " (R2 recalls real windows: --sampler recall --videos ...)" if family == "recall" else ""
        raise SystemExit(f"--sampler ar2 needs a checkpoint of family ar2 (Alg. 9-10), this one is family "
                         f"{family!r}{hint}")
    if request.frames is None:
        raise SystemExit("--sampler ar2 generates long videos: pass --frames <length> (any length >= 1)")
    given = [flag for flag, value in (("--videos", request.videos), ("--segments", request.segments),
                                      ("--split", request.split)) if value is not None]
    if given:
        raise SystemExit(f"--sampler ar2 generates from noise alone and reads no real video (Alg. 10): drop "
                         f"{', '.join(given)}")
    if request.latent not in MODES:
        raise SystemExit(f"--latent {request.latent}: AR2 generates with one of {', '.join(MODES)} (Table 5.8)")


def ar2(model, run_cfg: dict, request, folder, device) -> dict:
    """Alg. 10 (AR2): unconditional long videos of --frames frames from noise, each clip predicted from the last."""
    from longvid.data.transforms import to_uint8
    from longvid.models import ar2 as alg10
    from longvid.models.latent import video_generator

    check_request(run_cfg, request)
    res = model.cfg.resolution
    for indices in request.batches():
        gens = [video_generator(request.seed, i) for i in indices]
        sinks = [folder.stream(i, request.frames, res) for i in indices]
        for block in alg10.generate(model, gens, request.frames, latent=request.latent, n=request.candidates,
                                    chunk=request.chunk):  # (B, k, C, H, W)
            for sink, frames in zip(sinks, to_uint8(block)):  # (k, H, W, 3) each
                sink.write(frames)
        for sink in sinks:
            sink.close()
    return {"real_videos": [], "codes": "noise"}
