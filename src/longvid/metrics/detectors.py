"""Feature networks of the metrics: which network, which weights file, which preprocessing.

Registry ``DETECTORS`` (CLI choices):

* ``i3d`` — FVD [82] (PROTOCOL.md §4): the 400 pre-softmax logits of the Kinetics-400 Inception-I3D, averaged
  over time. Preprocessing of the original FVD (google-research ``frechet_video_distance``, ``preprocess``):
  uint8 frames → each frame resized straight to 224×224 with TF1 ``tf.image.resize_bilinear`` (align_corners
  False, no half-pixel centres, no antialias) → ``2 x / 255 − 1``.
* ``i3d_pool`` — the default video-FID detector here (Eq. 3.7): the 1024-d average-pooled Mixed_5c features of
  the same I3D (same preprocessing), averaged over time. Chosen because G3AN's detector (a Kinetics ResNeXt-101)
  also gives *pooled* features, and the thesis says the FID network differs from the FVD one (Sec. 4.6); the
  pooled features are a different space from the logits used by FVD.
* ``resnext101`` — G3AN's video-FID network (see ``resnext.py``), from a configured weights path only.

Resize conventions (``resize=``): ``original`` = TF1 ``resize_bilinear`` (src = dst·in/out, floor/ceil
neighbours clamped at the border) as in the original FVD; ``stylegan_v`` = half-pixel-centre bilinear without
antialias (``torch.nn.functional.interpolate(mode="bilinear", align_corners=False)``), the convention of
PyTorch ports such as StyleGAN-V's TorchScript detector, whose FVD says it "matches the original tensorflow
implementation ... up to the upsampling operation" (that its resize is exactly this one is our reading, not
verified here). For constant frames both conventions agree, hence 151.39 vs 151.256 on black/white clips comes
from the network port, not from the resize.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

RESIZE_MODES = ("original", "stylegan_v")


def tf1_bilinear_matrix(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) interpolation weights of TF1 ``resize_bilinear`` (align_corners=False, legacy centres)."""
    scale = np.float32(n_in) / np.float32(n_out)
    src = np.arange(n_out, dtype=np.float32) * scale
    lo = np.floor(src).astype(np.int64)
    hi = np.minimum(lo + 1, n_in - 1)
    frac = (src - lo).astype(np.float64)
    mat = np.zeros((n_out, n_in), dtype=np.float64)
    np.add.at(mat, (np.arange(n_out), lo), 1.0 - frac)
    np.add.at(mat, (np.arange(n_out), hi), frac)
    return mat


def resize_frames(frames, size: int, mode: str = "original"):
    """uint8/float frames ``(N, H, W, 3)`` (torch) → float32 ``(N, 3, size, size)`` on the same scale [0, 255]."""
    import torch
    import torch.nn.functional as F

    x = frames.float()  # (N, H, W, 3)
    if mode == "original":
        mh = torch.from_numpy(tf1_bilinear_matrix(x.shape[1], size)).float().to(x.device)  # (S, H)
        mw = torch.from_numpy(tf1_bilinear_matrix(x.shape[2], size)).float().to(x.device)  # (S, W)
        return torch.einsum("oh,nhwc,pw->ncop", mh, x, mw).contiguous()  # (N, 3, S, S)
    if mode == "stylegan_v":
        x = x.permute(0, 3, 1, 2)  # (N, 3, H, W)
        return F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False, antialias=False)
    raise ValueError(f"unknown resize mode {mode!r}; choose one of {RESIZE_MODES}")


@dataclass(frozen=True)
class DetectorConfig:
    name: str = "i3d"  # key of DETECTORS
    weights: str = ""  # weights file; "" = the detector's default path
    resize: str = "original"  # original | stylegan_v (see module docstring)
    device: str = "cpu"  # torch device
    bf16: bool = False  # CUDA only: autocast to bfloat16 (+ channels-last); logits stay within 1e-2
    batch_size: int = 4  # clips per forward pass


class Detector:
    """Callable: uint8 clips ``(B, T, H, W, 3)`` (numpy) → float64 features ``(B, dim)``."""

    def __init__(self, cfg: DetectorConfig):
        import torch

        self.cfg = cfg
        self.device = torch.device(cfg.device)
        if cfg.bf16 and self.device.type != "cuda":
            raise ValueError("bf16 detector inference is only supported on CUDA devices")
        if cfg.resize not in RESIZE_MODES:
            raise ValueError(f"unknown resize mode {cfg.resize!r}; choose one of {RESIZE_MODES}")
        self.size, self.output, self.dim, self._hash_weights, self._load, self._provenance = _spec(cfg)
        self._model = None  # loaded on first call: a cache hit never loads the network
        self._weights_sha256: str | None = None

    @property
    def weights_sha256(self) -> str:
        """sha256 of the weights file the network loads (for I3D: the converted file, converted if absent)."""
        if self._weights_sha256 is None:
            self._weights_sha256 = self._hash_weights()
        return self._weights_sha256

    @property
    def model(self):
        import torch

        if self._model is None:
            self._model = self._load()
            if self.cfg.bf16:
                self._model = self._model.to(memory_format=torch.channels_last_3d)
        return self._model

    def protocol(self) -> dict:
        """Everything about the detector that shapes its features (goes into cache keys and metric JSONs)."""
        return {"detector": self.cfg.name, "feature": self.output, "dim": self.dim, "input_size": self.size,
                "resize": self.cfg.resize, "weights_sha256": self.weights_sha256, "bf16": self.cfg.bf16,
                **self._provenance}

    def _prepare(self, clips):
        import torch

        b, t = clips.shape[:2]
        x = torch.as_tensor(np.ascontiguousarray(clips)).to(self.device)  # (B, T, H, W, 3) uint8
        x = resize_frames(x.reshape(b * t, *x.shape[2:]), self.size, self.cfg.resize)  # (B*T, 3, S, S)
        x = x.reshape(b, t, 3, self.size, self.size).transpose(1, 2)  # (B, 3, T, S, S)
        if self.cfg.name == "resnext101":
            from longvid.metrics.resnext import HARA_MEAN

            return x - torch.tensor(HARA_MEAN, device=self.device).view(1, 3, 1, 1, 1)
        return x * (2.0 / 255.0) - 1.0  # [-1, 1], as the original FVD

    def __call__(self, clips: np.ndarray) -> np.ndarray:
        import torch

        if clips.ndim != 5 or clips.shape[-1] != 3:
            raise ValueError(f"detector input must be uint8 clips (B, T, H, W, 3), got {clips.shape}")
        out = []
        with torch.inference_mode():
            for i in range(0, len(clips), self.cfg.batch_size):
                x = self._prepare(clips[i : i + self.cfg.batch_size])
                if self.cfg.bf16:
                    x = x.contiguous(memory_format=torch.channels_last_3d)
                    with torch.autocast("cuda", dtype=torch.bfloat16):
                        logits, pool = self.model(x)
                else:
                    logits, pool = self.model(x)
                feats = logits if self.output == "logits" else pool
                out.append(feats.double().cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, self.dim))


def _spec(cfg: DetectorConfig):
    """(input size, output name, dim, weights hasher, loader, provenance) of a detector.

    The hasher gives the sha256 of the very file the loader reads (I3D: the converted weights, so a reconversion
    with another converter or source shows in every cache key); provenance adds the converter version and source
    checkpoint hash. A missing ResNeXt weights file is an error here, naming where to put it.
    """
    from longvid.metrics import i3d, resnext

    if cfg.name in ("i3d", "i3d_pool"):
        output, dim = ("logits", 400) if cfg.name == "i3d" else ("pool", 1024)
        weights = Path(cfg.weights or i3d.DEFAULT_WEIGHTS)
        provenance = {"converter": i3d.CONVERTER_VERSION, "source_sha256": i3d.I3D_CKPT_SHA256}
        return (224, output, dim, lambda: i3d.sha256_file(i3d.converted_weights(weights)),
                lambda: i3d.load_i3d(weights, cfg.device), provenance)
    if cfg.name == "resnext101":
        path = Path(cfg.weights or "resources/weights/resnext-101-kinetics.pth")
        if not path.is_file():
            resnext.load_resnext101(path)  # raises the error that names where the weights go
        return 112, "pool", 2048, lambda: i3d.sha256_file(path), lambda: resnext.load_resnext101(path, cfg.device), {}
    raise ValueError(f"unknown detector {cfg.name!r}; choose one of {sorted(DETECTORS)}")


DETECTORS = {"i3d": "FVD: I3D logits (400)", "i3d_pool": "video FID: I3D pool (1024)",
             "resnext101": "video FID of G3AN: ResNeXt-101 pool (2048)"}
