"""One process or many under ``torchrun``: the ``Context`` a recipe sees and the collectives the loop needs.

* ``batch_size`` is per process; under ``torchrun`` the global batch is ``batch_size * world_size``.
* Gradients are averaged across ranks by an explicit all-reduce before each optimiser step (the recipe calls
  ``ctx.sync_grads``), because a GAN recipe calls its sub-networks in several passes with separate optimisers;
  buffers (BatchNorm statistics, spectral-norm vectors) are broadcast from rank 0 before every iteration.
  BatchNorm batch statistics stay per rank (as DDP without SyncBatchNorm).
"""

from __future__ import annotations

import os
from contextlib import nullcontext
from dataclasses import dataclass

from longvid.train.rng import rng_state


@dataclass
class Context:
    """What a recipe may use from the loop: device, precision, rank, gradient averaging."""

    device: object  # torch.device
    rank: int = 0  # this process's rank
    world: int = 1  # number of processes
    amp_dtype: object = None  # torch.bfloat16 when autocast is on, else None

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def autocast(self):
        """Context manager: bf16 autocast on CUDA when enabled, else a no-op."""
        import torch

        if self.amp_dtype is None:
            return nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=self.amp_dtype)

    def mean_over_ranks(self, values: dict) -> dict:
        """Average a dict of floats over ranks (identical keys on every rank); identity for one process."""
        if self.world == 1 or not values:
            return values
        import torch
        import torch.distributed as dist

        keys = sorted(values)
        t = torch.tensor([float(values[k]) for k in keys], dtype=torch.float64, device=self.device)
        dist.all_reduce(t)
        return {k: v / self.world for k, v in zip(keys, t.tolist())}

    def sync_grads(self, params) -> None:
        """Average the gradients of ``params`` over ranks (one flattened all-reduce); no-op for one process."""
        if self.world == 1:
            return
        import torch
        import torch.distributed as dist

        grads = [p.grad for p in params if p.grad is not None]
        if not grads:
            return
        flat = torch.cat([g.reshape(-1) for g in grads])  # (sum of sizes,)
        dist.all_reduce(flat)
        flat /= self.world
        offset = 0
        for g in grads:
            g.copy_(flat[offset : offset + g.numel()].view_as(g))
            offset += g.numel()


def setup_context(device: str = "auto", amp: bool = True) -> Context:
    """Join the process group when started by torchrun (gloo on CPU, nccl on CUDA); pick the device."""
    import torch
    import torch.distributed as dist

    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    use_cuda = torch.cuda.is_available() if device == "auto" else device.startswith("cuda")
    dev = torch.device(f"cuda:{local}" if use_cuda else "cpu")
    if use_cuda:
        torch.cuda.set_device(dev)
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if use_cuda else "gloo")
    amp_dtype = torch.bfloat16 if (amp and dev.type == "cuda") else None
    return Context(device=dev, rank=rank, world=world, amp_dtype=amp_dtype)


def broadcast(model, ctx: Context, buffers_only: bool) -> None:
    """Rank 0's floating buffers (and, unless ``buffers_only``, every parameter and buffer) to every rank."""
    if ctx.world == 1:
        return
    import torch.distributed as dist

    tensors = list(model.buffers()) + ([] if buffers_only else list(model.parameters()))
    for t in tensors:
        if t.is_floating_point() or not buffers_only:
            dist.broadcast(t.data, src=0)


def gather_rng(ctx: Context) -> list:
    """Every rank's generator states, in rank order (collective: every rank calls it)."""
    state = rng_state(ctx.device)
    if ctx.world == 1:
        return [state]
    import torch.distributed as dist

    out = [None] * ctx.world
    dist.all_gather_object(out, state)
    return out


def any_rank(flag: bool, ctx: Context) -> bool:
    """True on every rank when ``flag`` is true on any rank (so all ranks stop at the same iteration)."""
    if ctx.world == 1:
        return flag
    import torch
    import torch.distributed as dist

    t = torch.tensor([1.0 if flag else 0.0], device=ctx.device)
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return bool(t.item() > 0)


def shutdown() -> None:
    """Leave the process group (torchrun) if this process joined one."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
