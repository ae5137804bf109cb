"""Seeding and the random-generator states a checkpoint carries (torch, numpy, python and CUDA, per rank).

A resumed run restores every rank's states, so it draws exactly what an uninterrupted run would have drawn.
"""

from __future__ import annotations


def seed_all(seed: int) -> None:
    """Seed python's, numpy's and torch's global generators."""
    import random

    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def rng_state(device) -> dict:
    """This process's generator states (plus the CUDA generator of ``device`` when it is a GPU)."""
    import random

    import numpy as np
    import torch

    state = {"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate()}
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(device)
    return state


def set_rng_state(state: dict, device) -> None:
    """Restore states saved by :func:`rng_state`."""
    import random

    import numpy as np
    import torch

    torch.set_rng_state(state["torch"])
    np.random.set_state(state["numpy"])
    random.setstate(state["python"])
    if device.type == "cuda" and "cuda" in state:
        torch.cuda.set_rng_state(state["cuda"], device)
