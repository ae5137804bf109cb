"""One latent space as one GPT token (R3, Sec. 5.4.2: "each latent space is treated as a token").

A clip's latent space is the Encoder's posterior: the content and motion Gaussians N(mu_c, exp(logvar_c)) and
N(mu_m, exp(logvar_m)). The token is their parameters concatenated in that order,
`(mu_c, logvar_c, mu_m, logvar_m)`, of width 2·dim_zc + 2·dim_zm (1536 = 2·512 + 2·256 for the improved R2 of
Table 5.3, docs/architecture.md "Latent sizes"). Stage 1 writes these tokens (`longvid encode-latents`); the R3
samplers turn a GPT output token back into the two Gaussians to draw codes from (Alg. 11 l. 14, `sample(z_jc)`).
"""

from __future__ import annotations

import torch

LAYOUT = ("mu_c", "logvar_c", "mu_m", "logvar_m")  # order of the parts inside a token


def token_size(dim_zc: int, dim_zm: int) -> int:
    """Width of the token of a model with content size dim_zc and motion size dim_zm (per 16-frame clip)."""
    return 2 * dim_zc + 2 * dim_zm


def to_token(stats) -> torch.Tensor:
    """`model.encode(clip)` = (mu_c, logvar_c, mu_m, logvar_m), each (B, ...) -> tokens (B, D)."""
    return torch.cat([s.flatten(1) for s in stats], dim=1)  # (B, 2·dim_zc + 2·dim_zm)


def from_token(token: torch.Tensor, dim_zc: int, dim_zm: int):
    """Tokens (..., D) -> [(mu_c, logvar_c), (mu_m, logvar_m)], each (..., dim) (the layout of `to_token`)."""
    if token.shape[-1] != token_size(dim_zc, dim_zm):
        raise ValueError(f"a token of content size {dim_zc} and motion size {dim_zm} has "
                         f"{token_size(dim_zc, dim_zm)} values, got {token.shape[-1]}")
    mu_c, lv_c, mu_m, lv_m = torch.split(token, [dim_zc, dim_zc, dim_zm, dim_zm], dim=-1)
    return [(mu_c, lv_c), (mu_m, lv_m)]


def layout(dim_zc: int, dim_zm: int) -> dict:
    """{part: [start, stop)} of each part of a token (written into the latent file's meta)."""
    sizes = dict(zip(LAYOUT, (dim_zc, dim_zc, dim_zm, dim_zm)))
    out, start = {}, 0
    for name, size in sizes.items():
        out[name] = [start, start + size]
        start += size
    return out
