"""Metrics of the thesis: video FID (Eq. 3.7), video IS (Eq. 3.8), FVD on 16/128/L frames and along long videos.

Modules: ``i3d`` (Kinetics-400 Inception-I3D), ``resnext`` (G3AN's ResNeXt-101), ``detectors`` (feature networks +
preprocessing), ``features`` (batched extraction + real-feature cache), ``frechet``, ``fvd``, ``vfid``, ``vis``,
``classifier`` / ``classifier_train`` (per-dataset IS classifier), ``evaluate`` + ``commands`` (CLI), ``hooks``
(training-time metrics). See docs/metrics.md.
"""
