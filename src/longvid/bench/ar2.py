"""Memory and speed of AR2 generation (Alg. 10, `longvid.models.ar2.generate`): one trial per process.

`generate_trial` builds a tiny or full-width AR2 model (untrained: memory and time do not depend on the weights),
generates one `length`-frame video from noise alone and drops each block of frames as it comes (what a streamed
writer does after writing it), then reports the peak memory (`torch.cuda.max_memory_allocated` on CUDA, the peak
resident set size on CPU) and the seconds. Run it through `longvid.bench.recall.isolated` so each length's peak is
its own. The Chapter 5 memory table (`results/bench/chapter5_memory.csv`) will call it; tests/recall checks that
4096 frames need no more memory than 128.
"""

from __future__ import annotations


def generate_trial(length: int, res: int, quick: bool, device: str, threads: int, latent: str = "vdrej",
                   n: int = 20, overrides: dict | None = None) -> dict:
    """Alg. 10 generating one `length`-frame video in this process -> {peak_mem_mb, seconds, frames, status}."""
    import time

    import torch

    from longvid import families
    from longvid.bench.recall import _peak, model_block
    from longvid.models import ar2

    torch.set_num_threads(threads)
    dev = torch.device(device)
    run = {"family": "ar2", "model": model_block("recall", res, quick) | (overrides or {})}
    torch.manual_seed(0)
    model = families.build_model(families.model_args(run)).to(dev).eval()  # no recipe (tests/sample/test_layering)
    if dev.type == "cuda":
        torch.cuda.reset_peak_memory_stats(dev)
    t0, frames = time.perf_counter(), 0
    for block in ar2.generate(model, [torch.Generator().manual_seed(0)], length, latent=latent, n=n):
        frames += block.shape[1]  # the block is dropped here, as after a streamed write
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
    return {"peak_mem_mb": round(_peak(torch, dev), 1), "seconds": time.perf_counter() - t0, "frames": frames,
            "status": "ok"}
