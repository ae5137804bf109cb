"""What a benchmark row was measured on: the device to run on (`--device auto|cpu|cuda`) and its label."""

from __future__ import annotations


def resolve_device(arg: str) -> str:
    """`--device` -> cpu | cuda | cuda:N (auto = cuda when a GPU is visible)."""
    import torch

    if arg == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if arg.startswith("cuda") and not torch.cuda.is_available():
        raise SystemExit(f"--device {arg}: no CUDA device is visible here; use --device cpu or auto")
    return arg


def device_label(device: str) -> str:
    """The card's name on CUDA, "cpu (<CPU model>)" on CPU: the `device` column of the Chapter 5 benchmarks."""
    import torch

    from longvid.bench.data import cpu_model

    if device.startswith("cuda"):
        return torch.cuda.get_device_name(torch.device(device))
    return f"cpu ({cpu_model()})"
