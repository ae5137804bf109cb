"""``SAMPLERS``: the sampler registry. Its keys are the ``longvid sample --sampler`` choices, the ``mode`` of a
sampler in config.yaml (the schema's enum) and the ``sampler`` of samples.json.

An entry is ``fn(model, run_cfg, request, folder, device) -> dict``: it writes its videos into ``folder``
(``longvid.sample.stream.SampleFolder``) as ``request`` (``SampleRequest``) asks and returns the manifest keys of
its own (real clips used, group size, ...). ``longvid.sample.stream.run_sampler`` loads the model and writes the
rest of the manifest. How to add one: docs/contracts.md, "Samples".
"""

from __future__ import annotations

from longvid.sample import ar2, encgan3, lencgan, recall

SAMPLERS = {
    "noise": encgan3.noise,  # Alg. 2 phase 2: N(0, I) codes (G3AN; EncGAN3 "encoder at train only")
    "latent": encgan3.latent,  # Alg. 2 phase 1: codes of real clips
    "swap": encgan3.swap,  # Fig. 3.10 / 4.10: swapped content and motion codes, groups of 4
    "sum": encgan3.sum_codes,  # Fig. 3.11 / 4.10: summed codes, groups of 3
    "forced": encgan3.forced,  # Fig. 3.13: an enlarged motion code (EncGAN3 only)
    "recall": recall.recall,  # Alg. 7: REncGAN / R2 long videos over real windows
    "lencgan": lencgan.lencgan,  # Alg. 5: LEncGAN long videos with inherited states
    "ar2": ar2.ar2,  # Alg. 10: AR2 long videos from noise alone, each clip predicted from the last
}
