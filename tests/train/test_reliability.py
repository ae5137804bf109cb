"""Faults a cluster run meets (docs/reliability.md): corrupt checkpoints, leftovers of killed writes, two trainers
on one run, and a metrics file that must never look finished before training ends."""

from __future__ import annotations

import csv
import json
import os
import socket
import subprocess

import pytest
import torch

from longvid.train.checkpoint import resume_point
from longvid.train.lock import LOCK_NAME, RunLocked
from longvid.train.loop import fit
from longvid.train.signals import EXIT_INTERRUPTED
from toy import ToyClips, ToyRecipe, toy_config


class KilledAt9(ToyRecipe):
    kill_at = 9  # SIGTERM in epoch 3 (4 iterations per epoch): epoch_00001, epoch_00002 and interrupt.pt exist


def _run(folder, recipe=ToyRecipe, logs=None):
    log = (lambda *a: None) if logs is None else (lambda *a: logs.append(" ".join(map(str, a))))
    return fit(toy_config(), folder / "final.pt", metrics=folder / "metrics.csv", dataset=ToyClips(10),
               recipe_cls=recipe, device="cpu", log=log)


def _rows(path):
    with open(path) as f:
        return [r for r in csv.DictReader(f) if r["name"] != "train_it_per_s"]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("uninterrupted")
    assert _run(folder) == 0
    return folder


def _assert_same_run(a, b):
    wa = torch.load(a / "final.pt", weights_only=False)["model"]
    wb = torch.load(b / "final.pt", weights_only=False)["model"]
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    assert _rows(a / "metrics.csv") == _rows(b / "metrics.csv")


def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def test_interrupted_attempt_leaves_no_declared_metrics_and_keeps_the_live_log(tmp_path, uninterrupted):
    assert _run(tmp_path, KilledAt9) == EXIT_INTERRUPTED
    assert not (tmp_path / "metrics.csv").exists()  # Snakemake never sees a finished-looking metrics file
    live = tmp_path / "checkpoints" / "metrics.csv"
    assert [int(r["step"]) for r in _rows(live)] == list(range(1, 10))
    assert not (tmp_path / "checkpoints" / LOCK_NAME).exists()  # released after the stop signal too
    assert _run(tmp_path) == 0
    assert (tmp_path / "metrics.csv").read_text().startswith("epoch,step,name,value\n")
    _assert_same_run(uninterrupted, tmp_path)


@pytest.mark.parametrize("corrupt", ["interrupt.pt", "epoch_00002.pt"])
def test_corrupt_checkpoint_is_skipped_with_a_warning_and_the_previous_one_resumed(tmp_path, uninterrupted, corrupt):
    assert _run(tmp_path, KilledAt9) == EXIT_INTERRUPTED
    ckpts = tmp_path / "checkpoints"
    if corrupt == "epoch_00002.pt":
        (ckpts / "interrupt.pt").unlink()  # the latest checkpoint is then epoch_00002.pt
    _truncate(ckpts / corrupt)
    logs = []
    assert _run(tmp_path, logs=logs) == 0
    warning = [line for line in logs if "skipping corrupt checkpoint" in line]
    assert len(warning) == 1 and str(ckpts / corrupt) in warning[0]
    previous = "epoch_00002.pt" if corrupt == "interrupt.pt" else "epoch_00001.pt"
    assert any(f"resumed from {ckpts / previous}" in line for line in logs)
    _assert_same_run(uninterrupted, tmp_path)


def test_every_checkpoint_corrupt_is_an_error_naming_them(tmp_path):
    (tmp_path / "epoch_00001.pt").write_bytes(b"PK\x03\x04 truncated")
    (tmp_path / "interrupt.pt").write_bytes(b"")
    with pytest.raises(ValueError, match=r"no readable checkpoint among \['interrupt.pt', 'epoch_00001.pt'\]"):
        resume_point(tmp_path, warn=lambda *a: None)


def test_leftover_temp_files_of_killed_writes_are_removed_at_start(tmp_path):
    ckpts = tmp_path / "checkpoints"
    ckpts.mkdir()
    ours = [ckpts / ".epoch_00001.pt.4242.0badc0de.tmp", ckpts / ".interrupt.pt.4242.deadbeef.tmp",
            tmp_path / ".final.pt.77.12345678.tmp", tmp_path / ".metrics.csv.77.abcdef01.tmp"]
    others = [tmp_path / ".config.yaml.77.abcdef01.tmp", ckpts / ".notes.tmp"]  # not written by the trainer
    for path in ours + others:
        path.write_bytes(b"half")
    logs = []
    assert _run(tmp_path, logs=logs) == 0
    assert not any(p.exists() for p in ours) and all(p.exists() for p in others)
    assert all(any(str(p) in line and "removed" in line for line in logs) for p in ours)


def _write_lock(ckpts, pid, host=None):
    ckpts.mkdir(parents=True, exist_ok=True)
    lock = ckpts / LOCK_NAME
    lock.write_text(json.dumps({"pid": pid, "host": host or socket.gethostname(), "since": "2026-01-01T00:00:00Z"}))
    return lock


def test_a_second_trainer_on_a_held_run_stops_naming_the_holder(tmp_path):
    holder = subprocess.Popen(["sleep", "60"])
    try:
        lock = _write_lock(tmp_path / "checkpoints", holder.pid)
        before = lock.read_text()
        with pytest.raises(RunLocked, match=rf"pid {holder.pid} on {socket.gethostname()}"):
            _run(tmp_path)
        assert lock.read_text() == before and not (tmp_path / "final.pt").exists()
    finally:
        holder.kill()
        holder.wait()
    other_host = _write_lock(tmp_path / "checkpoints", 1, host="another-node")
    with pytest.raises(RunLocked, match="pid 1 on another-node"):  # cannot be checked from here: reported
        _run(tmp_path)
    assert other_host.exists()


def test_a_stale_lock_of_a_dead_trainer_is_taken_over_with_a_warning(tmp_path):
    dead = subprocess.Popen(["true"])
    dead.wait()  # reaped: the pid names no process
    _write_lock(tmp_path / "checkpoints", dead.pid)
    logs = []
    assert _run(tmp_path, logs=logs) == 0
    assert any(f"names pid {dead.pid}" in line and "taking the run over" in line for line in logs)
    assert not (tmp_path / "checkpoints" / LOCK_NAME).exists()


def test_the_cli_reports_a_held_lock_as_an_error(tmp_path, video_store):
    import yaml

    from longvid.cli import main
    from trainkit import tiny_run

    cfg = tmp_path / "config.yaml"
    cfg.write_text(yaml.safe_dump(tiny_run()))
    _write_lock(tmp_path / "checkpoints", os.getpid())
    with pytest.raises(SystemExit, match=f"another trainer holds this run \\(pid {os.getpid()}"):
        main(["train", "--config", str(cfg), "--out", str(tmp_path / "final.pt"), "--videos", str(video_store),
              "--device", "cpu"])
