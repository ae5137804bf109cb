"""Samplers: generate videos from a trained checkpoint and stream them to a sample folder (docs/contracts.md).

``registry.SAMPLERS`` (name -> sampler) lists them: ``encgan3`` (Alg. 2 and the latent manipulations of
Fig. 3.10-3.13), ``recall`` (Alg. 7; Alg. 8 with ``--latent vdrej``), ``lencgan`` (Alg. 5), ``ar2`` (Alg. 10).
``latents.LATENTS`` holds the latent modes (mean / sample / vdrej), ``stream`` the request, the sample folder, the
real-video reader and the runner, ``commands`` the CLI.
"""
