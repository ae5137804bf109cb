"""A real SIGTERM to a running `longvid train` process: exit 75 with a resume checkpoint; the rerun finishes."""

from __future__ import annotations

import os
import signal

import torch
import yaml

from trainkit import tiny_run
from longvid import train


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
    assert proc.wait(timeout=120) == train.EXIT_INTERRUPTED, "".join(lines)
    assert (tmp_path / "run" / "checkpoints" / "interrupt.pt").exists()
    assert not (tmp_path / "run" / "final.pt").exists()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "resumed from" in done.stdout
    assert torch.load(tmp_path / "run" / "final.pt", weights_only=False)["step"] == 4
