"""The Snakemake ``train_model`` rule through a stop signal and a retry: the metrics history survives.

Snakemake deletes the declared outputs of a failed attempt; the trainer keeps its live log beside the checkpoints
and writes ``metrics.csv`` only at the end, so the retried (resumed) run's ``metrics.csv`` holds every row, equal to
an uninterrupted run's. The signal goes to the trainer named by the run lock while the job runs (the rule
``exec``s the trainer, so that pid is the job's own process).
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import yaml

from longvid.train.loop import fit
from trainkit import write_store

ROOT = Path(__file__).resolve().parents[2]
EXPERIMENT = "encgan3_uva_64_nogcgt"  # EncGAN3 without generator streams: the cheapest experiment of the smoke DAG


def _rows(path):
    with open(path) as f:
        return [r for r in csv.DictReader(f) if r["name"] != "train_it_per_s"]


def _wait_for(predicate, proc, timeout=400):
    end = time.time() + timeout
    while time.time() < end:
        if predicate():
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.1)
    return False


@pytest.mark.slow
def test_train_model_rule_retried_after_exit_75_keeps_every_metrics_row(tmp_path):
    write_store(tmp_path / "resources" / "videos" / "uva" / "64", n_videos=12, n_frames=48)
    os.symlink(ROOT / "config.yaml", tmp_path / "config.yaml")
    (tmp_path / "sizes.yaml").write_text(yaml.safe_dump(
        {"size_overrides": {"train.epochs": 4, "train.log_every": 1, "train.num_workers": 0}}))
    run_dir = tmp_path / "results" / "runs" / EXPERIMENT
    env = os.environ | {"PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
                        "PYTHONPATH": str(ROOT / "src"), "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "-d", str(tmp_path), "--cores", "1",
           "--retries", "1", "--configfile", str(ROOT / "tests" / "smoke" / "config.yaml"), "sizes.yaml",
           "--allowed-rules", "resolve_experiment", "train_model", "--", f"results/runs/{EXPERIMENT}/final.pt"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    live, lock = run_dir / "checkpoints" / "metrics.csv", run_dir / "checkpoints" / "train.lock"
    try:  # the first attempt has logged an iteration: stop it as SLURM would at a time limit
        started = _wait_for(lambda: lock.exists() and live.exists() and len(_rows(live)) >= 1, proc)
        assert started, proc.communicate()[0][-3000:]
        os.kill(json.loads(lock.read_text())["pid"], signal.SIGTERM)
        out = proc.communicate(timeout=600)[0]
    finally:
        proc.kill()
    assert proc.returncode == 0, out[-3000:]
    log = (tmp_path / "results" / "logs" / "train_model" / f"{EXPERIMENT}.log").read_text()
    assert "resumed from" in log and "interrupt.pt" in log, out[-3000:] + log  # the retry resumed the stopped attempt
    rows = _rows(run_dir / "metrics.csv")
    final_step = torch.load(run_dir / "final.pt", weights_only=False)["step"]
    assert final_step == 12  # 12 clips in batches of 4, 4 epochs
    assert [int(r["step"]) for r in rows if r["name"] == "train_d_image"] == list(range(1, final_step + 1)), rows

    run_cfg = yaml.safe_load((run_dir / "config.yaml").read_text())  # the same run, uninterrupted, in process
    whole = tmp_path / "whole"
    assert fit(run_cfg, whole / "final.pt", metrics=whole / "metrics.csv",
               videos=str(tmp_path / "resources" / "videos" / "uva" / "64"), device="cpu", log=lambda *a: None) == 0
    assert rows == _rows(whole / "metrics.csv")
