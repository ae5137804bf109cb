"""R3's GPT: a decoder-only transformer over continuous latent tokens (Sec. 5.4.2, 5.4.4; Fig. 5.3; Eq. 5.5–5.8).

Each latent space of the frozen R2 is one token (no tokenizer for `pad0` / `padzs`: token = the latent vector
(mu_c, logvar_c, mu_m, logvar_m), 1536 = 2 (512 + 256) for improved R2). `disc+cont` (Eq. 5.7) mixes discrete tokens
(class, sequence lengths) embedded by a table with continuous latents through a linear tokenizer whose output size
is the token size (Table 5.10: 1536 / 512 / 256). Learned absolute positions are added to the tokens (`pos_enc`
of Fig. 5.3; GPT [17]'s own choice). Blocks are pre-LayerNorm (GPT-2): x + attn(LN(x)), x + mlp(LN(x)), one masked
multi-head self-attention and two fc layers (4x width, GELU), no cross-attention. A linear head maps the final
tokens back to the latent size: output t is the prediction of latent t + 1 (Eq. 5.3).

Masks: causal plus key padding (`valid`), so a padded key is never read; every query also sees itself, so a padded
query never meets an all-masked row (its output is ignored by the loss). Attention is
`torch.nn.functional.scaled_dot_product_attention`.

KV cache (generation, Alg. 11): `new_cache(batch, max_len)` preallocates keys and values of every layer once;
`prefill(z, cache)` runs a prompt and fills the cache, `step(z, cache)` adds one token. A step attends over the
whole preallocated length under a mask, so its shapes (and cost) are the same for every position k; cached
decoding equals the full forward (tests/models/test_gpt.py).

Discrete ids (disc+cont): `ids (B, L)` long, -1 at a continuous position (its latent in `z`), else the id of a
discrete token: class c -> c, length n (latent tokens) -> classes + n.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .sections import GPTConfig

CONTINUOUS = -1  # ids value of a continuous (latent) position


class SelfAttention(nn.Module):
    """Masked multi-head self-attention; writes its keys / values into a cache slice when given one."""

    def __init__(self, width: int, n_head: int, dropout: float):
        super().__init__()
        self.n_head, self.dropout = n_head, dropout
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)

    def forward(self, x, mask, kv=None, at: int = 0):
        B, T, D = x.shape
        q, k, v = self.qkv(x).view(B, T, 3, self.n_head, D // self.n_head).permute(2, 0, 3, 1, 4)  # (B, H, T, hd)
        if kv is not None:  # cache (B, H, max_len, hd): store this call's keys, attend over all of it
            kv[0][:, :, at : at + T] = k
            kv[1][:, :, at : at + T] = v
            k, v = kv[0].to(q.dtype), kv[1].to(q.dtype)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=self.dropout if self.training else 0.0)
        return self.proj(y.transpose(1, 2).reshape(B, T, D))  # (B, T, D)


class Block(nn.Module):
    """Pre-LayerNorm transformer block: self-attention, then two fc layers."""

    def __init__(self, width: int, n_head: int, mlp_ratio: int, dropout: float):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.attn = SelfAttention(width, n_head, dropout)
        self.mlp = nn.Sequential(nn.Linear(width, mlp_ratio * width), nn.GELU(), nn.Linear(mlp_ratio * width, width),
                                 nn.Dropout(dropout))

    def forward(self, x, mask, kv=None, at: int = 0):
        x = x + self.attn(self.ln1(x), mask, kv, at)
        return x + self.mlp(self.ln2(x))


@dataclass
class KVCache:
    """Preallocated keys / values of every layer, the validity of each cached position and the next position."""

    k: torch.Tensor  # (n_layer, B, H, max_len, hd)
    v: torch.Tensor  # (n_layer, B, H, max_len, hd)
    valid: torch.Tensor  # (B, max_len) bool: written and not padding
    pos: int = 0  # positions filled so far

    @property
    def max_len(self) -> int:
        return self.k.shape[3]


class GPT(nn.Module):
    """Decoder-only transformer: latents (B, L, latent) [+ ids] -> next-latent predictions (B, L, latent)."""

    def __init__(self, cfg: GPTConfig, latent: int):
        super().__init__()
        width = cfg.token or latent
        if cfg.format != "disc+cont" and width != latent:
            raise ValueError(f"gpt.token={cfg.token}: format {cfg.format} has no tokenizer, so the token is the "
                             f"latent vector of size {latent}; set gpt.token: null (or format disc+cont)")
        if width % cfg.n_head:
            raise ValueError(f"token size {width} is not a multiple of gpt.n_head={cfg.n_head}; choose n_head "
                             "dividing it (the token size is the R2's 2(dim_zc + dim_zm) without a tokenizer)")
        self.cfg, self.latent, self.width = cfg, latent, width
        if cfg.format == "disc+cont":
            self.tokenizer = nn.Linear(latent, width)  # continuous latents -> tokens (Eq. 5.7, Table 5.10)
            self.discrete = nn.Embedding(cfg.classes + cfg.max_tokens + 1, width)  # cls, then lengths 0..max_tokens
        else:
            self.tokenizer, self.discrete = None, None
        self.pos = nn.Embedding(cfg.positions, width)  # learned absolute positions (pos_enc, Fig. 5.3)
        self.drop = nn.Dropout(cfg.dropout)
        self.blocks = nn.ModuleList(Block(width, cfg.n_head, cfg.mlp_ratio, cfg.dropout) for _ in range(cfg.n_layer))
        self.ln_f = nn.LayerNorm(width)
        self.head = nn.Linear(width, latent)  # tokens -> predicted next latent

    # ------------------------------------------------------------------------------------------- tokens
    def embed(self, z: torch.Tensor, ids: torch.Tensor | None, start: int) -> torch.Tensor:
        """z (B, T, latent) [+ ids (B, T)] at positions start.. -> tokens + positions (B, T, width)."""
        T = z.shape[1]
        if start + T > self.cfg.positions:
            raise ValueError(f"sequence of {start + T} tokens exceeds the GPT's {self.cfg.positions} positions "
                             f"(gpt.max_frames={self.cfg.max_frames})")
        if self.tokenizer is None:
            if ids is not None and bool((ids != CONTINUOUS).any()):
                raise ValueError(f"format {self.cfg.format} has no discrete tokens; use format disc+cont")
            x = z
        else:
            x = self.tokenizer(z)
            if ids is not None:
                disc = ids != CONTINUOUS
                x = torch.where(disc[..., None], self.discrete(ids.clamp(min=0)).to(x.dtype), x)
        positions = torch.arange(start, start + T, device=z.device)
        return self.drop(x + self.pos(positions))  # (B, T, width)

    # ------------------------------------------------------------------------------------------- forward
    def forward(self, z: torch.Tensor, ids: torch.Tensor | None = None,
                valid: torch.Tensor | None = None) -> torch.Tensor:
        """Full causal pass: z (B, L, latent), ids (B, L) or None, valid (B, L) bool or None -> (B, L, latent)."""
        B, L, _ = z.shape
        mask = _causal(L, L, 0, z.device)[None, None]  # (1, 1, L, L)
        if valid is not None:
            mask = mask & valid[:, None, None, :]
        mask = mask | torch.eye(L, dtype=torch.bool, device=z.device)  # a query always sees itself
        x = self.embed(z, ids, 0)
        for block in self.blocks:
            x = block(x, mask)
        return self.head(self.ln_f(x))

    # ------------------------------------------------------------------------------------------- KV cache
    def new_cache(self, batch: int, max_len: int | None = None, device=None, dtype=None) -> KVCache:
        """Empty cache for `batch` sequences of up to `max_len` tokens (default: all positions), preallocated."""
        max_len = max_len or self.cfg.positions
        if max_len > self.cfg.positions:
            raise ValueError(f"max_len={max_len} exceeds the GPT's {self.cfg.positions} positions")
        p = self.head.weight
        device, dtype = device or p.device, dtype or p.dtype
        shape = (self.cfg.n_layer, batch, self.cfg.n_head, max_len, self.width // self.cfg.n_head)
        return KVCache(torch.zeros(shape, device=device, dtype=dtype), torch.zeros(shape, device=device, dtype=dtype),
                       torch.zeros(batch, max_len, dtype=torch.bool, device=device))

    def prefill(self, z: torch.Tensor, cache: KVCache, ids: torch.Tensor | None = None,
                valid: torch.Tensor | None = None) -> torch.Tensor:
        """Run a prompt z (B, T, latent) at positions cache.pos.. and cache it; -> predictions (B, T, latent)."""
        return self._cached(z, cache, ids, valid)

    def step(self, z: torch.Tensor, cache: KVCache, ids: torch.Tensor | None = None) -> torch.Tensor:
        """One token z (B, latent) [id (B,)] at position cache.pos -> prediction of the next latent (B, latent)."""
        return self._cached(z[:, None], cache, None if ids is None else ids[:, None], None)[:, 0]

    def _cached(self, z, cache: KVCache, ids, valid) -> torch.Tensor:
        B, T, _ = z.shape
        at = cache.pos
        if at + T > cache.max_len:
            raise ValueError(f"KV cache full: {at} + {T} tokens > max_len {cache.max_len}")
        cache.valid[:, at : at + T] = True if valid is None else valid
        mask = _causal(T, cache.max_len, at, z.device)[None, None] & cache.valid[:, None, None, :]  # (B, 1, T, S)
        mask[..., torch.arange(T, device=z.device), torch.arange(at, at + T, device=z.device)] = True
        x = self.embed(z, ids, at)
        for i, block in enumerate(self.blocks):
            x = block(x, mask, (cache.k[i], cache.v[i]), at)
        cache.pos = at + T
        return self.head(self.ln_f(x))


def _causal(t: int, s: int, start: int, device) -> torch.Tensor:
    """(t, s) bool: query i (at position start + i) may read key j iff j <= start + i."""
    return torch.arange(s, device=device)[None, :] <= (start + torch.arange(t, device=device))[:, None]


def count_gpt(cfg: GPTConfig, latent: int) -> int:
    """Parameters of the GPT for latent size `latent` (built on the meta device: no memory, no weights)."""
    with torch.device("meta"):
        return sum(p.numel() for p in GPT(cfg, latent).parameters())
