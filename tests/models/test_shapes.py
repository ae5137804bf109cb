"""Output shapes, value ranges and switches of every model variant (tiny widths: sizes, not code paths)."""

from __future__ import annotations

import pytest
import torch

from longvid.models import VARIANTS, ModelConfig, build_model
from longvid.models.generator import motion_steps

torch.set_num_threads(1)
TINY = dict(g_ch=2, d_ch=2, e_ch=2, e_fc=8, dim_zc=6)
SWITCHES = {
    "full": {},
    "no_content_stream": dict(use_content_stream=False),
    "no_temporal_stream": dict(use_temporal_stream=False),
    "no_streams": dict(use_content_stream=False, use_temporal_stream=False),
    "no_fsa": dict(use_fsa=False),
    "no_encoder": dict(use_encoder=False),
}


def tiny(cfg: ModelConfig, **changes) -> ModelConfig:
    return cfg.replace(**{**TINY, **changes})


def check_model(cfg: ModelConfig, batch: int = 2) -> None:
    model = build_model(cfg)
    g = torch.Generator().manual_seed(0)
    z_c, z_m = model.sample_latents(batch, generator=g)
    assert z_c.shape == (batch, cfg.dim_zc) and z_m.shape == (batch, cfg.dim_zm)
    video = model.generator(z_c, z_m)
    r = cfg.resolution
    assert video.shape == (batch, cfg.frames, cfg.channels, r, r)
    assert video.abs().max() <= 1.0 and video.std() > 0
    assert model.video_discriminator(video).shape == (batch,)
    assert model.image_discriminator(video[:, 3]).shape == (batch,)
    if cfg.use_encoder:
        mu_c, logvar_c, mu_m, logvar_m = model.encode(video)
        assert mu_c.shape == logvar_c.shape == (batch, cfg.dim_zc)
        assert mu_m.shape == logvar_m.shape == (batch, cfg.dim_zm)
    else:
        assert model.encoder is None and "encoder" not in model.param_groups()
        with pytest.raises(RuntimeError, match="no Encoder"):
            model.encode(video)


@pytest.mark.parametrize("switch", list(SWITCHES))
@pytest.mark.parametrize("g_mode", ["1p2d", "3d"])
@pytest.mark.parametrize("resolution", [64, 128])
def test_switches_shapes_and_range(resolution, g_mode, switch):
    check_model(tiny(ModelConfig(resolution=resolution, g_mode=g_mode), **SWITCHES[switch]))


@pytest.mark.parametrize("name", list(VARIANTS))
def test_every_preset_runs_tiny(name):
    check_model(tiny(VARIANTS[name]))


def test_2p1d_mode_runs():
    check_model(tiny(ModelConfig(g_mode="2p1d")))


def test_switches_remove_layers():
    full = build_model(tiny(ModelConfig()))
    assert all(b.conv_s is not None and b.conv_t is not None for b in full.generator.blocks)
    bare = build_model(tiny(ModelConfig(), use_content_stream=False, use_temporal_stream=False, use_fsa=False))
    assert all(b.conv_s is None and b.conv_t is None for b in bare.generator.blocks)
    assert bare.generator.fsa is None and full.generator.fsa is not None


def test_g3_block_schedule_64_and_128():
    """Five G³ blocks at 64×64 (G³AN, Fig. 3.1), six at 128×128; F-SA after the fourth."""
    cfg64 = ModelConfig()
    assert cfg64.generator_widths == (512, 512, 256, 128, 64) and cfg64.fsa_after == 4
    assert ModelConfig(resolution=128).generator_widths == (512, 512, 256, 128, 64, 32)
    model = build_model(tiny(ModelConfig(resolution=128)))
    assert len(model.generator.blocks) == 6


def test_param_groups_cover_all_parameters():
    model = build_model(tiny(ModelConfig()))
    groups = model.param_groups()
    assert list(groups) == ["encoder", "generator", "image_discriminator", "video_discriminator"]
    ids = [id(p) for ps in groups.values() for p in ps]
    assert len(ids) == len(set(ids)) == len(list(model.parameters()))


def test_initialisation_follows_g3an():
    torch.manual_seed(0)
    model = build_model(ModelConfig(g_ch=8, d_ch=8, e_ch=4, e_fc=16))
    bn = torch.cat([m.weight.detach() for m in model.modules() if isinstance(m, torch.nn.BatchNorm3d)])
    assert abs(bn.mean() - 1.0) < 0.01 and abs(bn.std() - 0.02) < 0.005
    conv = model.generator.blocks[1].conv_s[0].parametrizations.weight.original.detach()
    assert abs(conv.std() - 0.02) < 0.002


def test_forced_longer_generation_90_frames():
    """Fig. 3.13: a motion latent of n = motion_steps(90) steps, output cut to 90 frames."""
    model = build_model(tiny(ModelConfig()))
    g = torch.Generator().manual_seed(1)
    z_c, z_m = model.sample_latents(1, generator=g, frames=90)
    assert z_m.shape == (1, model.cfg.dim_zm, motion_steps(90)) and motion_steps(90) == 20
    with torch.no_grad():
        video = model.generator(z_c, z_m, frames=90)
        assert video.shape == (1, 90, 3, 64, 64) and video.abs().max() <= 1
        no_fsa = build_model(tiny(ModelConfig(), use_fsa=False)).generator
        assert no_fsa(z_c, z_m).shape[1] == 92  # the default length of an n-step code is 4(n + 3)
    with pytest.raises(ValueError, match="motion latent of temporal size 20"):
        model.generator(z_c, z_m[:, :, 0], frames=90)


def test_shorter_clip_by_cropping():
    model = build_model(tiny(ModelConfig()))
    z_c, z_m = model.sample_latents(1, generator=torch.Generator().manual_seed(0))
    full, short = model.generator.eval()(z_c, z_m), model.generator(z_c, z_m, frames=8)
    assert short.shape[1] == 8 and torch.allclose(short, full[:, :8])


def test_video_discriminator_rejects_short_clips_and_averages_long_ones():
    model = build_model(tiny(ModelConfig())).eval()
    with pytest.raises(ValueError, match="at least 16 frames"):
        model.video_discriminator(torch.zeros(1, 12, 3, 64, 64))
    video = torch.rand(1, 20, 3, 64, 64) * 2 - 1
    windows = torch.stack([model.video_discriminator(video[:, i : i + 16]) for i in range(5)])
    # each of the 5 temporal outputs sees one 16-frame window: the 20-frame logit is their mean
    assert torch.allclose(model.video_discriminator(video), windows.mean(0), atol=1e-5)


def test_twenty_frame_model_encodes_and_generates_twenty_frames():
    """Table 3.7's third row: EncGAN3 trained directly on 20 frames (motion code of temporal size 2)."""
    model = build_model(tiny(ModelConfig(frames=20)))
    video = torch.rand(2, 20, 3, 64, 64) * 2 - 1
    mu_c, _, mu_m, _ = model.encode(video)
    assert mu_m.shape == (2, model.cfg.dim_zm, 2)
    assert model.generator(mu_c, mu_m).shape == (2, 20, 3, 64, 64)
    assert model.sample_latents(2)[1].shape == (2, model.cfg.dim_zm, 2)


def test_gradients_reach_every_trainable_part():
    model = build_model(tiny(ModelConfig()))
    video = torch.rand(2, 16, 3, 64, 64) * 2 - 1
    mu_c, logvar_c, mu_m, logvar_m = model.encode(video)
    fake = model.generator(model.reparameterize(mu_c, logvar_c), model.reparameterize(mu_m, logvar_m))
    noise = model.generator(*model.sample_latents(2))  # a second pass through the same SN layers
    loss = model.video_discriminator(fake).sum() + model.image_discriminator(fake[:, 0]).sum()
    loss = loss + model.video_discriminator(noise).sum() + model.video_discriminator(video).sum()
    loss.backward()
    for name, params in model.param_groups().items():
        assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in params), name


def test_bf16_autocast_forward():
    model = build_model(tiny(ModelConfig()))
    z_c, z_m = model.sample_latents(1, generator=torch.Generator().manual_seed(0))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        video = model.generator(z_c, z_m)
        logit = model.video_discriminator(video)
    assert torch.isfinite(video.float()).all() and torch.isfinite(logit.float()).all()


def test_config_validation_and_round_trip():
    with pytest.raises(ValueError, match="resolution"):
        ModelConfig(resolution=96)
    with pytest.raises(ValueError, match="g_mode"):
        ModelConfig(g_mode="4d")
    with pytest.raises(ValueError, match="content_index"):
        ModelConfig(content_index=16)
    with pytest.raises(ValueError, match=r"run\.yaml: model\.dim_z: unknown model keys \['dim_z'\]"):
        ModelConfig.from_dict({"dim_z": 3}, where="run.yaml")
    cfg = VARIANTS["improved_r2_128"].replace(g_mults=[8, 8, 4, 2, 1, 0.5])
    assert ModelConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(TypeError, match="ModelConfig.from_dict"):
        build_model({"resolution": 64})


@pytest.mark.parametrize("resolution,vd_sets,id_sets", [(64, 10, 5), (128, 11, 6)])
def test_discriminator_layer_sets(resolution, vd_sets, id_sets):
    """Ten conv3d sets in D_V and five conv2d sets in D_I at 64×64, one more each at 128×128 (Sec. 3.4.2)."""
    model = build_model(tiny(ModelConfig(resolution=resolution)))
    assert sum(isinstance(m, torch.nn.Conv3d) for m in model.video_discriminator.modules()) == vd_sets
    assert sum(isinstance(m, torch.nn.Conv2d) for m in model.image_discriminator.modules()) == id_sets
    slopes = {m.negative_slope for m in model.modules() if isinstance(m, torch.nn.LeakyReLU)}
    assert slopes == {0.2}


@pytest.mark.parametrize("g_mode,per_block", [("1p2d", 4), ("3d", 3)])
def test_g3_block_layer_sets(g_mode, per_block):
    """1p2d: two conv2d + two conv1d sets per block (Sec. 3.4.2); 3d: one 3D, one 2D, one 1D (Sec. 5.3.4)."""
    model = build_model(tiny(ModelConfig(g_mode=g_mode)))
    for block in model.generator.blocks:
        kernels = [tuple(m.kernel_size) for m in block.modules() if isinstance(m, torch.nn.ConvTranspose3d)]
        assert len(kernels) == per_block
        video = [tuple(m.kernel_size) for m in block.conv_v.modules() if isinstance(m, torch.nn.ConvTranspose3d)]
        k_t = block.conv_t[0].kernel_size[0]
        assert video == ([(k_t, 1, 1), (1, 4, 4)] if g_mode == "1p2d" else [(k_t, 4, 4)])
