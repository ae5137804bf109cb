"""The sampler registry: every SAMPLERS entry runs from `longvid sample`, its keys are the CLI choices and the
schema's sampler modes, latent modes are one option from config.yaml to the command, and samples.json says how
many videos and frames the folder really holds."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from samplekit import (write_ar2_checkpoint, write_checkpoint, write_lencgan_checkpoint, write_r3_checkpoint,
                       write_recall_checkpoint, write_videos)
from longvid.cli import build_parser, main
from longvid.sample.latents import LATENTS
from longvid.sample.registry import SAMPLERS

ROOT = Path(__file__).resolve().parents[2]

# sampler -> (checkpoint family, extra CLI arguments (VIDEOS = the real video folder), frames written)
CASES = {
    "noise": ("encgan3", [], 16),
    "latent": ("encgan3", ["--videos", "VIDEOS"], 16),
    "swap": ("encgan3", ["--videos", "VIDEOS"], 16),
    "sum": ("encgan3", ["--videos", "VIDEOS"], 16),
    "forced": ("encgan3", ["--frames", "20"], 20),
    "recall": ("recall", ["--frames", "20", "--videos", "VIDEOS"], 20),
    "lencgan": ("lencgan", ["--frames", "20", "--videos", "VIDEOS"], 20),
    "ar2": ("ar2", ["--frames", "20", "--latent", "vdrej", "--candidates", "2"], 20),  # no real video
    "r3_robust": ("r3", ["--frames", "20", "--videos", "VIDEOS"], 20),
    "r3_faster": ("r3", ["--frames", "20", "--videos", "VIDEOS", "--latent", "mean"], 20),
}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("registry")
    ckpts = {"encgan3": write_checkpoint(root / "enc.pt"), "recall": write_recall_checkpoint(root / "rec.pt"),
             "lencgan": write_lencgan_checkpoint(root / "lenc.pt"), "ar2": write_ar2_checkpoint(root / "ar2.pt"),
             "r3": write_r3_checkpoint(root / "r3.pt")}
    return root, ckpts, write_videos(root / "videos", frames=40)


def test_every_registered_sampler_has_a_case():
    assert set(CASES) == set(SAMPLERS)


@pytest.mark.parametrize("name", list(CASES))
def test_each_sampler_runs_from_the_cli_and_the_manifest_counts_the_files(world, name):
    root, ckpts, videos = world
    kind, extra, frames = CASES[name]
    extra = [str(videos) if a == "VIDEOS" else a for a in extra]
    out = root / name
    assert main(["sample", "--checkpoint", str(ckpts[kind]), "--sampler", name, "--count", "3", "--out", str(out),
                 "--seed", "2", "--batch-size", "2", "--mp4", "0", "--device", "cpu", *extra]) == 0
    meta = json.loads((out / "samples.json").read_text())
    files = sorted((out / "videos").glob("*.npy"))
    shapes = {np.load(p, mmap_mode="r").shape for p in files}
    assert meta["sampler"] == name and meta["count"] == len(files) >= 3 and meta["count_requested"] == 3
    assert shapes == {(meta["frames"], 64, 64, 3)} and meta["frames"] == meta["length"] == frames
    assert meta["frames_requested"] == (frames if "--frames" in extra else None)


def test_cli_choices_are_the_registry_keys():
    sub = next(a for a in build_parser()._actions if a.dest == "command").choices["sample"]
    choices = {a.dest: set(a.choices) for a in sub._actions if a.choices}
    assert choices == {"sampler": set(SAMPLERS), "latent": set(LATENTS)}


def test_schema_enums_are_the_registry_keys():
    schema = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())
    sampler = schema["properties"]["samplers"]["additionalProperties"]["properties"]
    assert set(sampler["mode"]["enum"]) == set(SAMPLERS)
    assert set(sampler["latent"]["enum"]) == set(LATENTS)


def test_a_latent_mode_is_refused_where_no_real_video_is_encoded(world):
    root, ckpts, _ = world
    with pytest.raises(SystemExit, match="--latent mean: sampler noise draws its codes from N"):
        main(["sample", "--checkpoint", str(ckpts["encgan3"]), "--sampler", "noise", "--count", "1", "--out",
              str(root / "bad"), "--latent", "mean", "--device", "cpu"])


def dry_run(tmp_path, samplers: str, *targets: str) -> subprocess.CompletedProcess:
    """`snakemake -n -p` of the full config with `samplers:` overridden (sample folders of recall_taichi_128)."""
    if not (tmp_path / "config.yaml").exists():
        (tmp_path / "config.yaml").symlink_to(ROOT / "config.yaml")
    override = tmp_path / "samplers.yaml"
    override.write_text("samplers:\n" + samplers)
    target = "results/samples/recall_taichi_128/{}/final"
    return subprocess.run([sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "-d", str(tmp_path),
                           "-n", "-p", *[target.format(t) for t in targets], "--configfile", str(override)],
                          capture_output=True, text=True, timeout=600, cwd=tmp_path)


def test_config_latent_and_vdrej_options_reach_the_sample_command(tmp_path):
    """A sampler's `latent:`, `candidates:` and `chunk:` in config.yaml become options of its `longvid sample` job
    (get_sample_args); an ar2 sampler reads no real video."""
    proc = dry_run(tmp_path, "  recall136: {mode: recall, frames: 136, latent: mean}\n"
                             "  rej: {mode: recall, frames: 40, latent: vdrej, candidates: 10, chunk: 5}\n"
                             "  gen: {mode: ar2, frames: 1000, latent: vdrej}\n",
                   "recall136", "recall400", "rej", "gen")
    assert proc.returncode == 0, proc.stderr[-3000:]
    commands = {c.split("--out ")[1].split("/")[3]: c for c in proc.stdout.splitlines() if "longvid sample" in c}
    assert set(commands) == {"recall136", "recall400", "rej", "gen"}
    assert "--latent mean" in commands["recall136"] and "--latent" not in commands["recall400"]
    assert "--latent vdrej --candidates 10 --chunk 5" in commands["rej"] and "--videos" in commands["rej"]
    assert "--mode ar2" in commands["gen"] and "--videos" not in commands["gen"]
    assert "--candidates" not in commands["gen"]  # the default (20) is the sampler's own


def test_vdrej_options_without_latent_vdrej_are_refused_at_parse_time(tmp_path):
    proc = dry_run(tmp_path, "  bad: {mode: recall, frames: 40, latent: mean, candidates: 10}\n", "bad")
    assert proc.returncode != 0
    assert "samplers.yaml: samplers.bad.latent: 'vdrej' was expected" in proc.stdout + proc.stderr
