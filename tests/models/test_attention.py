"""F-SA axes: every output position is computed from its own query (G³AN's SSA reshapes with swapped axes)."""

from __future__ import annotations

import pytest
import torch

from longvid.models.blocks import FactorizedSelfAttention, SpatialSelfAttention, TemporalSelfAttention

torch.set_num_threads(1)


def make(cls, channels=16, seed=0):
    torch.manual_seed(seed)
    att = cls(channels).eval()
    with torch.no_grad():
        att.gamma.fill_(1.0)  # the residual gate starts at 0; open it so the attention shows
        for conv in (att.query, att.key):  # larger q/k so the softmax is far from uniform
            conv.parametrizations.weight.original.mul_(50)
    return att


def qkv(att, x):
    return att.query(x), att.key(x), att.value(x)  # each (B, C', T, H, W)


def reference_ssa(att, x):
    """Explicit loop over frames and query positions: out[:, :, t, i] = sum_j softmax_j(q_i·k_j) v_j."""
    q, k, v = qkv(att, x)
    b, c, t, h, w = x.shape
    out = torch.zeros_like(x)
    for ti in range(t):
        qf, kf, vf = (y[:, :, ti].flatten(2) for y in (q, k, v))  # (B, C', HW)
        for i in range(h * w):
            weights = torch.einsum("bc,bcj->bj", qf[:, :, i], kf).softmax(-1)  # (B, HW)
            out[:, :, ti].view(b, c, -1)[:, :, i] = torch.einsum("bj,bcj->bc", weights, vf)
    return x + out


def reference_tsa(att, x):
    q, k, v = qkv(att, x)
    weights = torch.einsum("bctyx,bcsyx->byxts", q, k).softmax(-1)  # (B, H, W, T, T)
    return x + torch.einsum("byxts,bcsyx->bctyx", weights, v)


@pytest.mark.parametrize("cls,reference", [(SpatialSelfAttention, reference_ssa),
                                           (TemporalSelfAttention, reference_tsa)])
def test_attention_matches_explicit_reference(cls, reference):
    att = make(cls)
    x = torch.randn(2, 16, 3, 4, 5)  # H != W, T != H: any axis mix-up changes the numbers
    with torch.no_grad():
        assert torch.allclose(att(x), reference(att, x), atol=1e-5)


def test_spatial_attention_is_permutation_equivariant():
    """Permuting the H×W positions of the input permutes the output the same way (1×1 convs + attention)."""
    att = make(SpatialSelfAttention)
    x = torch.randn(2, 16, 3, 4, 6)
    perm = torch.randperm(24, generator=torch.Generator().manual_seed(3))

    def permute(y):
        return y.flatten(3)[..., perm].view_as(y)

    with torch.no_grad():
        assert torch.allclose(att(permute(x)), permute(att(x)), atol=1e-5)


def test_temporal_attention_is_permutation_equivariant():
    att = make(TemporalSelfAttention)
    x = torch.randn(2, 16, 6, 3, 4)
    perm = torch.randperm(6, generator=torch.Generator().manual_seed(4))
    with torch.no_grad():
        assert torch.allclose(att(x[:, :, perm]), att(x)[:, :, perm], atol=1e-5)


def test_swapped_axes_reshape_would_fail_the_check():
    """Negative control: G³AN's reshape (view (B*T, HW, C) as (B, H, W, C, T)) differs from the reference."""
    att = make(SpatialSelfAttention)
    x = torch.randn(2, 16, 3, 4, 5)
    b, c, t, h, w = x.shape
    with torch.no_grad():
        q, k, v = (y.transpose(1, 2).reshape(b * t, -1, h * w) for y in qkv(att, x))  # (B*T, C', HW)
        attn = torch.bmm(q.transpose(1, 2), k).softmax(-1)  # (B*T, HW, HW)
        out = torch.bmm(attn, v.transpose(1, 2))  # (B*T, HW, C)
        wrong = x + out.reshape(b, h, w, -1, t).permute(0, 3, 4, 1, 2)
        assert not torch.allclose(wrong, reference_ssa(att, x), atol=1e-3)
        assert torch.allclose(att(x), reference_ssa(att, x), atol=1e-5)


def test_fsa_keeps_shape_and_starts_as_identity():
    fsa = FactorizedSelfAttention(16)
    x = torch.randn(1, 16, 4, 4, 4)
    assert torch.equal(fsa(x), x)  # gamma = 0 at initialisation (G³AN)
