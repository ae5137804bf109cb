"""EncGAN3-family networks (Ch. 3–5): config, presets, model, latent helpers. See docs/architecture.md.

`ModelConfig` and `VARIANTS` import without torch; the torch parts load on first use, so that importing the CLI
module `longvid.models.commands` keeps `python -m longvid --help` fast.
"""

from __future__ import annotations

import importlib

from .config import VARIANTS, ModelConfig

_LAZY = {
    "EncGAN3": "model", "PARTS": "model", "build_model": "model",
    "kl_divergence": "latent", "reparameterize": "latent", "standard_normal": "latent",
}

__all__ = ["VARIANTS", "ModelConfig", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
