"""`longvid generate` (issue 17): exact frame counts in .npy and MP4, per-video seeds, wrong family refused."""

from __future__ import annotations

import json

import numpy as np
import pytest

from longvid.cli import main
from longvid.io import probe, read_video
from longvid.sample.generate import METHODS
from longvid.sample.registry import SAMPLERS
from samplekit import write_ar2_checkpoint, write_checkpoint, write_recall_checkpoint


@pytest.fixture(scope="module")
def ar2_ckpt(tmp_path_factory):
    return write_ar2_checkpoint(tmp_path_factory.mktemp("ar2") / "final.pt")


def generate(ckpt, out, *extra):
    return main(["generate", "--checkpoint", str(ckpt), "--out", str(out), "--device", "cpu", *extra])


def test_every_method_names_a_registered_sampler():
    assert all(m.sampler in SAMPLERS for m in METHODS.values())


def test_ar2_writes_exactly_n_frames_to_npy_and_a_readable_mp4(ar2_ckpt, tmp_path, capsys):
    assert generate(ar2_ckpt, tmp_path / "g", "--method", "ar2", "--frames", "17", "--count", "2",
                    "--latent", "mean") == 0
    for i in range(2):
        npy = np.load(tmp_path / "g" / "videos" / f"{i:05d}.npy")
        assert npy.shape == (17, 64, 64, 3) and npy.dtype == np.uint8
        mp4 = tmp_path / "g" / "mp4" / f"{i:05d}.mp4"
        back = read_video(mp4)  # PyAV, longvid.io
        assert back.shape == (17, 64, 64, 3) and probe(mp4)["frames"] in (0, 17)
        assert np.abs(back.astype(int) - npy.astype(int)).mean() < 12  # the same frames, lossy-coded
    meta = json.loads((tmp_path / "g" / "samples.json").read_text())
    assert (meta["count"], meta["frames"], meta["sampler"], meta["family"]) == (2, 17, "ar2", "ar2")
    assert meta["mp4_codec"] in ("libx264", "mpeg4")
    err = capsys.readouterr().err
    assert "34/34 frames" in err and "frames/s" in err  # the progress bar's last line


def test_video_i_is_the_same_whatever_count_and_batch_size(ar2_ckpt, tmp_path):
    assert generate(ar2_ckpt, tmp_path / "one", "--method", "ar2", "--frames", "17", "--count", "1",
                    "--latent", "sample", "--seed", "4") == 0
    assert generate(ar2_ckpt, tmp_path / "three", "--method", "ar2", "--frames", "17", "--count", "3",
                    "--latent", "sample", "--seed", "4", "--batch-size", "2") == 0
    a = np.load(tmp_path / "one" / "videos" / "00000.npy").astype(int)
    b = np.load(tmp_path / "three" / "videos" / "00000.npy").astype(int)
    assert np.abs(a - b).max() <= 1  # batched convolutions may round one uint8 step apart
    c = np.load(tmp_path / "three" / "videos" / "00001.npy").astype(int)
    assert not np.array_equal(a, c)  # and video 1 is another video (random weights: near-grey clips)


def test_wrong_family_is_refused_naming_the_method_that_fits(ar2_ckpt, tmp_path, window_store):
    with pytest.raises(SystemExit, match="family 'ar2'; --method r2 needs family recall; use --method ar2"):
        generate(ar2_ckpt, tmp_path / "g", "--method", "r2", "--frames", "17", "--videos", str(window_store))
    enc = write_checkpoint(tmp_path / "enc.pt")
    with pytest.raises(SystemExit, match="family 'encgan3'; --method ar2 needs family ar2; no --method"):
        generate(enc, tmp_path / "g", "--method", "ar2", "--frames", "17")
    assert not (tmp_path / "g" / "videos").exists()  # refused before anything is written


def test_real_video_option_is_checked_per_method(ar2_ckpt, tmp_path):
    with pytest.raises(SystemExit, match=r"--method r2 reads real videos \(R2 .*\): pass --videos"):
        generate(ar2_ckpt, tmp_path / "g", "--method", "r2", "--frames", "17")
    with pytest.raises(SystemExit, match="no videos.csv"):
        generate(ar2_ckpt, tmp_path / "g", "--method", "r2", "--frames", "17", "--videos", str(tmp_path))
    with pytest.raises(SystemExit, match="reads no real video: drop --videos"):
        generate(ar2_ckpt, tmp_path / "g", "--method", "ar2", "--frames", "17", "--videos", str(tmp_path))


def test_r2_recalls_real_windows_into_n_frames(tmp_path, window_store):
    ckpt = write_recall_checkpoint(tmp_path / "r2.pt")
    assert generate(ckpt, tmp_path / "g", "--method", "r2", "--frames", "17", "--videos", str(window_store),
                    "--latent", "mean") == 0
    assert np.load(tmp_path / "g" / "videos" / "00000.npy").shape == (17, 64, 64, 3)
    assert read_video(tmp_path / "g" / "mp4" / "00000.mp4").shape == (17, 64, 64, 3)


def _peak_rss_mb(ckpt, out, frames: int) -> float:
    """Peak RSS of a fresh process that generates one AR2 video of `frames` frames (MP4 + .npy)."""
    import subprocess
    import sys

    code = ("import resource, torch; torch.set_num_threads(1); from longvid.cli import main; "
            f"main(['generate', '--checkpoint', {str(ckpt)!r}, '--out', {str(out)!r}, '--device', 'cpu', "
            f"'--method', 'ar2', '--frames', '{frames}', '--latent', 'mean']); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_memory_is_flat_in_the_length(ar2_ckpt, tmp_path):
    """128 vs 4096 frames (50 MB of uint8 at 64x64): the peak RSS grows by less than a tenth of the video."""
    short = _peak_rss_mb(ar2_ckpt, tmp_path / "short", 128)
    long = _peak_rss_mb(ar2_ckpt, tmp_path / "long", 4096)
    assert np.load(tmp_path / "long" / "videos" / "00000.npy", mmap_mode="r").shape[0] == 4096
    assert read_video(tmp_path / "long" / "mp4" / "00000.mp4").shape[0] == 4096
    assert long - short < 0.1 * 4096 * 64 * 64 * 3 / 2**20, (short, long)
