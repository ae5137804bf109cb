"""A real SIGTERM to a running `longvid train` process: exit 75 with a resume checkpoint; the rerun finishes."""

from __future__ import annotations

import os
import signal

import pytest
import torch
import yaml

from trainkit import tiny_run, write_store
from longvid.train.signals import EXIT_INTERRUPTED


def test_real_sigterm_to_the_cli_process_exits_75_and_the_rerun_finishes(video_store, tmp_path):
    import subprocess
    import sys

    cfg = tmp_path / "run" / "config.yaml"
    cfg.parent.mkdir()
    cfg.write_text(yaml.safe_dump(tiny_run(epochs=50, max_iters=4, eval_every=0)))
    cmd = [sys.executable, "-m", "longvid", "train", "--config", str(cfg), "--out", str(tmp_path / "run" / "final.pt"),
           "--videos", str(video_store), "--device", "cpu"]
    env = os.environ | {"OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    lines = []
    for line in proc.stdout:  # wait for the first progress line, then send SLURM's warning signal
        lines.append(line)
        if line.startswith("[train] epoch"):
            proc.send_signal(signal.SIGTERM)
            break
    lines += proc.stdout.readlines()
    assert proc.wait(timeout=120) == EXIT_INTERRUPTED, "".join(lines)
    assert (tmp_path / "run" / "checkpoints" / "interrupt.pt").exists()
    assert not (tmp_path / "run" / "final.pt").exists()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "resumed from" in done.stdout
    assert torch.load(tmp_path / "run" / "final.pt", weights_only=False)["step"] == 4


def _rows(path):
    import csv

    with open(path) as f:
        return [r for r in csv.DictReader(f) if r["name"] != "train_it_per_s"]  # timing differs between runs


@pytest.mark.slow
def test_sigterm_to_the_whole_process_group_with_two_workers_resumes_bit_for_bit(tmp_path):
    """SLURM signals every process of the job: the DataLoader workers ignore it, the trainer checkpoints.

    16 training clips in batches of 2: the signal comes at step 1 of an 8-batch epoch, while both workers are
    alive (without the fix a worker dies of it and the trainer crashes with "killed by signal: Terminated").
    """
    import subprocess
    import sys

    video_store = write_store(tmp_path / "videos", n_videos=24)
    cfg = tmp_path / "config.yaml"
    cfg.write_text(yaml.safe_dump(tiny_run(epochs=50, max_iters=6, eval_every=0, num_workers=2)))
    env = os.environ | {"OMP_NUM_THREADS": "1"}

    def command(run):
        return [sys.executable, "-m", "longvid", "train", "--config", str(cfg), "--out", str(run / "final.pt"),
                "--metrics", str(run / "metrics.csv"), "--videos", str(video_store), "--device", "cpu"]

    whole = subprocess.run(command(tmp_path / "a"), capture_output=True, text=True, env=env, timeout=300)
    assert whole.returncode == 0, whole.stdout + whole.stderr
    run = tmp_path / "b"
    proc = subprocess.Popen(command(run), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                            start_new_session=True)  # its own process group, as a SLURM job step
    lines = []
    for line in proc.stdout:  # workers are running once the first iteration is logged
        lines.append(line)
        if line.startswith("[train] epoch"):
            os.killpg(proc.pid, signal.SIGTERM)
            break
    lines += proc.stdout.readlines()
    assert proc.wait(timeout=300) == EXIT_INTERRUPTED, "".join(lines)
    assert "killed by signal" not in "".join(lines)
    assert (run / "checkpoints" / "interrupt.pt").exists() and not (run / "final.pt").exists()
    done = subprocess.run(command(run), capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "resumed from" in done.stdout
    a = torch.load(tmp_path / "a" / "final.pt", weights_only=False)
    b = torch.load(run / "final.pt", weights_only=False)
    assert a["step"] == b["step"] == 6
    assert all(torch.equal(a["model"][k], b["model"][k]) for k in a["model"])
    assert _rows(tmp_path / "a" / "metrics.csv") == _rows(run / "metrics.csv")
