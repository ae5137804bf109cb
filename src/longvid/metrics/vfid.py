"""Video FID (thesis Sec. 3.4.3, Eq. 3.7; Tables 3.2, 3.4–3.6, 4.6a; Fig. 3.2).

Eq. (3.7) on the features of "one pre-trained 3D CNN [95]" shared by all datasets, between the generated
16-frame clips and ``evaluation.real_clips`` real 16-frame clips spread over the real videos, drawn with the
dataset's training step range — the temporal rate the Ch. 3 generators learnt (``realset.py``). G3AN [5] used a
Kinetics ResNeXt-101 (detector ``resnext101``, weights from a configured path); its weights cannot be fetched here,
so the default detector is ``i3d_pool`` (1024-d pooled I3D features, see ``detectors.py``). Every metrics JSON
records the detector and its weights' sha256, so numbers from different detectors are never mixed up. Generated
clips are the first ``length`` frames of each sample (the Ch. 3 models generate exactly 16).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from longvid.metrics.fvd import generated_features
from longvid.metrics.frechet import frechet_from_features

DEFAULT_FID_DETECTOR = "i3d_pool"


def vfid(detector, sample_dir: Path, real_feats: np.ndarray, length: int = 16, count: int | None = None) -> float:
    """Video FID of the first ``length`` frames of the generated videos against real clip features."""
    return frechet_from_features(real_feats, generated_features(detector, sample_dir, length, 0, count))
