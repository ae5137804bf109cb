"""R3's GPT (Sec. 5.4): causal, padding-masked, cached decoding equal to the full pass, formats, size."""

from __future__ import annotations

import pytest
import torch

from longvid.models.gpt import CONTINUOUS, GPT, count_gpt
from longvid.models.sections import GPTConfig

LATENT = 32


def tiny(fmt="pad0", token=None, **kw) -> GPT:
    torch.manual_seed(0)
    cfg = GPTConfig(n_layer=2, n_head=4, token=token, format=fmt, classes=3, max_frames=16 + 8 * 11, **kw)
    return GPT(cfg, LATENT).eval()


def _z(b=2, n=7, seed=1):
    return torch.randn(b, n, LATENT, generator=torch.Generator().manual_seed(seed))


def test_output_t_ignores_inputs_after_t():
    gpt, z = tiny(), _z()
    out = gpt(z)
    changed = z.clone()
    changed[:, 4:] += 5.0
    out2 = gpt(changed)
    assert out.shape == (2, 7, LATENT)
    torch.testing.assert_close(out[:, :4], out2[:, :4])
    assert not torch.allclose(out[:, 4:], out2[:, 4:])


def test_padded_keys_are_ignored():
    gpt, z = tiny(), _z()
    valid = torch.tensor([[True] * 7, [True] * 4 + [False] * 3])
    out = gpt(z, valid=valid)
    junk = z.clone()
    junk[1, 4:] = 100.0
    out2 = gpt(junk, valid=valid)
    torch.testing.assert_close(out[1, :4], out2[1, :4])
    torch.testing.assert_close(out[0], out2[0])
    torch.testing.assert_close(out[1, :4], gpt(z[1:, :4])[0])  # = the unpadded sequence alone
    assert torch.isfinite(out).all()


@pytest.mark.parametrize("fmt, token", [("pad0", None), ("padzs", None), ("disc+cont", 16)])
def test_cached_decoding_equals_full_forward(fmt, token):
    gpt, z = tiny(fmt, token), _z(n=9)
    ids = torch.full((2, 9), CONTINUOUS)
    if fmt == "disc+cont":
        ids[:, 0], ids[:, 1] = torch.tensor([0, 2]), 3 + 6  # class, then length 6
    full = gpt(z, ids)
    cache = gpt.new_cache(2, 12)
    pre = gpt.prefill(z[:, :3], cache, ids[:, :3])
    steps = [gpt.step(z[:, t], cache, ids[:, t]) for t in range(3, 9)]
    cached = torch.cat([pre, torch.stack(steps, 1)], 1)
    torch.testing.assert_close(cached, full, atol=1e-5, rtol=1e-5)
    assert cache.pos == 9


def test_step_shapes_do_not_grow_with_position():
    gpt, z = tiny(), _z(n=10)
    cache = gpt.new_cache(2, 10)
    k_ptr = cache.k.data_ptr()
    seen = []
    hook = gpt.blocks[0].attn.register_forward_hook(lambda m, a, o: seen.append((tuple(a[1].shape), a[2][0].shape)))
    for t in range(10):
        gpt.step(z[:, t], cache)
    hook.remove()
    assert len(set(seen)) == 1 and seen[0] == ((2, 1, 1, 10), (2, 4, 10, 8))  # mask and keys: same every step
    assert cache.k.data_ptr() == k_ptr  # preallocated once, written in place
    with pytest.raises(ValueError, match="cache full"):
        gpt.step(z[:, 0], cache)


@pytest.mark.parametrize("fmt, token, width", [("pad0", None, LATENT), ("padzs", None, LATENT),
                                               ("disc+cont", 16, 16), ("disc+cont", 64, 64)])
def test_formats_set_the_token_size(fmt, token, width):
    gpt = tiny(fmt, token)
    assert gpt.width == width and gpt.pos.weight.shape[1] == width
    assert gpt(_z()).shape == (2, 7, LATENT)  # predictions are latents whatever the token size
    assert (gpt.tokenizer is None) == (fmt != "disc+cont")
    assert gpt.cfg.positions == 12 + (3 if fmt == "disc+cont" else 0)


def test_bad_sizes_are_refused():
    with pytest.raises(ValueError, match="no tokenizer"):
        tiny("pad0", 16)
    with pytest.raises(ValueError, match="multiple of gpt.n_head"):
        GPT(GPTConfig(n_layer=1, n_head=5), LATENT)
    with pytest.raises(ValueError, match="exceeds"):
        tiny()(_z(n=13))
    with pytest.raises(ValueError, match="no discrete tokens"):
        tiny()(_z(n=2), torch.zeros(2, 2, dtype=torch.long))


def test_full_size_matches_table_5_3():
    n = count_gpt(GPTConfig(), 1536)  # 48 blocks, 24 heads, token 1536 (Sec. 5.4.4)
    assert abs(n / 1.36e9 - 1) < 0.02
    assert n == 48 * (12 * 1536**2 + 13 * 1536) + 124 * 1536 + 2 * 1536 + 1536**2 + 1536
