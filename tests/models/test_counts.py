"""Parameter counts of the full-size presets (meta device), Table 5.3 agreement, and the `params` CLI."""

from __future__ import annotations

import csv

import pytest
import torch

from longvid.cli import main
from longvid.models import VARIANTS, ModelConfig, build_model
from longvid.models.counts import TABLE_5_3, TABLE_5_3_VARIANT, count_parts

PINNED = {  # part order: encoder, generator, image_discriminator, video_discriminator
    "encgan3_64": (1_072_132, 23_090_437, 2_764_737, 8_347_009),
    "encgan3_128": (1_891_012, 23_144_389, 6_959_553, 29_322_113),
    "g3an_64": (0, 23_090_437, 2_764_737, 8_347_009),
    "improved_r2_128": (2_093_872, 90_367_525, 6_959_553, 29_322_113),
    "improved_r2_128_1p2d": (2_093_872, 28_084_165, 6_959_553, 29_322_113),
}


@pytest.mark.parametrize("name", list(PINNED))
def test_pinned_counts(name):
    counts = count_parts(VARIANTS[name])
    assert (counts["encoder"], counts["generator"], counts["image_discriminator"],
            counts["video_discriminator"]) == PINNED[name]
    assert counts["total"] == sum(PINNED[name])


@pytest.mark.parametrize("part", list(TABLE_5_3))
def test_table_5_3_within_ten_percent(part):
    ours = count_parts(VARIANTS[TABLE_5_3_VARIANT])[part] / 1e6
    assert abs(ours - TABLE_5_3[part]) / TABLE_5_3[part] < 0.10, (part, ours, TABLE_5_3[part])


def test_table_5_3_discriminators_and_generator_match_to_printed_precision():
    counts = count_parts(VARIANTS[TABLE_5_3_VARIANT])
    for part in ("generator", "video_discriminator", "image_discriminator"):
        assert round(counts[part] / 1e6, 2) == TABLE_5_3[part]
    assert round(sum(counts[p] for p in TABLE_5_3) / 1e6, 1) == 128.7  # "Total R2 128.71M"


def test_meta_count_equals_spectral_norm_model_count():
    cfg = ModelConfig(g_ch=2, d_ch=2, e_ch=2, e_fc=8, dim_zc=6)
    real = build_model(cfg)
    counts = count_parts(cfg)
    for part in ("encoder", "generator", "image_discriminator", "video_discriminator"):
        assert counts[part] == sum(p.numel() for p in getattr(real, part).parameters())
    assert any("parametrizations" in n for n, _ in real.named_parameters())  # SN really applied


def test_params_cli_writes_one_row_per_variant_and_part(tmp_path):
    out = tmp_path / "tables" / "params.csv"
    assert main(["params", "--out", str(out), "--variant", "g3an_64", "--variant", "improved_r2_128"]) == 0
    rows = list(csv.DictReader(out.open()))
    assert list(rows[0]) == ["variant", "resolution", "g_mode", "part", "params"]
    assert len(rows) == 11 and {r["variant"] for r in rows} == {"g3an_64", "improved_r2_128"}
    gpt = [r for r in rows if r["part"] == "gpt"]  # R3's GPT: only on its R2 variant (Table 5.3: 1.36 B)
    assert [r["variant"] for r in gpt] == ["improved_r2_128"] and round(int(gpt[0]["params"]) / 1e9, 2) == 1.36
    gen = next(r for r in rows if r["variant"] == "improved_r2_128" and r["part"] == "generator")
    assert (gen["resolution"], gen["g_mode"], int(gen["params"])) == ("128", "3d", 90_367_525)
    assert not [p for p in out.parent.iterdir() if p.name != "params.csv"]  # no temp files left


def test_params_cli_rejects_unknown_variant(tmp_path):
    with pytest.raises(SystemExit, match="unknown variant"):
        main(["params", "--out", str(tmp_path / "p.csv"), "--variant", "nope"])


def test_params_help(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["params", "--help"])
    assert exc.value.code == 0 and "--out" in capsys.readouterr().out


torch.set_num_threads(1)
