"""Samplers: generate videos from a trained checkpoint and stream them to a sample folder (docs/contracts.md).

``longvid.sample.encgan3`` holds the EncGAN3 / G3AN samplers of Alg. 2 and the latent manipulations of
Fig. 3.10-3.13; ``longvid.sample.writer`` the folder layout; ``longvid.sample.commands`` the CLI.
"""
