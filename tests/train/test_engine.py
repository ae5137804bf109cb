"""The generic loop: data order, resume after SIGTERM (exact), final checkpoint, metrics, eval hooks, config errors."""

from __future__ import annotations

import csv

import pytest
import torch

from longvid.train import hooks
from longvid.train.config import TrainConfig, keeps
from longvid.train.loop import epoch_batches, fit
from longvid.train.progress import MetricsLog
from longvid.train.signals import EXIT_INTERRUPTED
from toy import ToyClips, ToyRecipe, toy_config


def _run(tmp, recipe=ToyRecipe, **train_cfg):
    cfg = toy_config(**train_cfg)
    code = fit(cfg, tmp / "final.pt", metrics=tmp / "metrics.csv", dataset=ToyClips(10), recipe_cls=recipe,
                     device="cpu", log=lambda *a: None)
    return code


def _rows(path):
    with open(path) as f:
        return [(r["epoch"], r["step"], r["name"], r["value"]) for r in csv.DictReader(f)
                if r["name"] != "train_it_per_s"]


def test_epoch_batches_cover_each_index_once_and_split_by_rank():
    one = [i for b in epoch_batches(8, 4, seed=1, epoch=2) for i in b]
    assert sorted(one) == list(range(8))
    r0 = epoch_batches(8, 2, seed=1, epoch=2, rank=0, world=2)
    r1 = epoch_batches(8, 2, seed=1, epoch=2, rank=1, world=2)
    assert sorted(r0[0] + r1[0]) == sorted(epoch_batches(8, 4, seed=1, epoch=2)[0])
    assert epoch_batches(8, 4, seed=1, epoch=3) != epoch_batches(8, 4, seed=1, epoch=2)
    assert [len(b) for b in epoch_batches(10, 3, 0, 0)] == [3, 3, 3, 1]  # last batch kept
    topped = epoch_batches(10, 3, 0, 0, min_batch=2)  # BatchNorm recipes: last batch of 1 topped up
    assert [len(b) for b in topped] == [3, 3, 3, 2] and topped[-1][1] == topped[0][0]
    assert sorted({i for b in topped for i in b}) == list(range(10))


def test_metrics_log_rewrite_on_resume_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "metrics.csv"
    log = MetricsLog(path, None)
    log.write(1, 4, {"loss": 0.5})
    log.write(2, 8, {"loss": 0.25})
    before = path.read_text()

    def disk_full(self, rows):
        raise OSError("disk full")

    monkeypatch.setattr(csv.DictWriter, "writerows", disk_full)  # the header is written, the kept rows are not
    with pytest.raises(OSError, match="disk full"):
        MetricsLog(path, resume_step=4)
    assert path.read_text() == before and [p.name for p in tmp_path.iterdir()] == ["metrics.csv"]


def test_training_writes_final_checkpoint_and_metrics(tmp_path):
    assert _run(tmp_path) == 0
    ckpt = torch.load(tmp_path / "final.pt", weights_only=False)
    assert ckpt["epoch"] == 3 and ckpt["step"] == 12 and ckpt["config"]["experiment"] == "toy"
    assert set(ckpt) >= {"config", "epoch", "step", "model", "optimizers", "rng"}
    # periodic checkpoints and the live log; the run lock is gone once training ends
    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == [f"epoch_0000{i}.pt" for i in (1, 2, 3)] + [
        "metrics.csv"]
    assert (tmp_path / "metrics.csv").read_bytes() == (tmp_path / "checkpoints" / "metrics.csv").read_bytes()
    losses = [float(v) for _, _, n, v in _rows(tmp_path / "metrics.csv") if n == "train_loss"]
    assert len(losses) == 12


@pytest.mark.parametrize("kill_at", [6, 8])  # mid-epoch, and the last batch of epoch 2
def test_sigterm_then_resume_equals_uninterrupted(tmp_path, kill_at):
    assert _run(tmp_path / "a") == 0

    class Killed(ToyRecipe):
        pass

    Killed.kill_at = kill_at
    assert _run(tmp_path / "b", Killed) == EXIT_INTERRUPTED
    assert not (tmp_path / "b" / "final.pt").exists()
    assert (tmp_path / "b" / "checkpoints" / "interrupt.pt").exists()
    assert _run(tmp_path / "b") == 0  # the retried job resumes
    a = torch.load(tmp_path / "a" / "final.pt", weights_only=False)
    b = torch.load(tmp_path / "b" / "final.pt", weights_only=False)
    assert a["step"] == b["step"] == 12
    for k in a["model"]:
        assert torch.equal(a["model"][k], b["model"][k]), k
    assert torch.equal(a["rng"][0]["torch"], b["rng"][0]["torch"])
    assert _rows(tmp_path / "a" / "metrics.csv") == _rows(tmp_path / "b" / "metrics.csv")


def test_max_iters_stops_mid_epoch_and_keep_epochs(tmp_path):
    assert _run(tmp_path, max_iters=5, keep_epochs=[1]) == 0
    ckpt = torch.load(tmp_path / "final.pt", weights_only=False)
    assert (ckpt["epoch"], ckpt["step"]) == (1, 5)
    assert (tmp_path / "keep" / "epoch_00001.pt").exists()


def test_keep_every_keeps_each_multiple_beside_keep_epochs(tmp_path):
    assert _run(tmp_path, epochs=5, keep_every=2, keep_epochs=[5]) == 0  # Fig. 5.8-5.10: FVD every N epochs
    assert sorted(p.name for p in (tmp_path / "keep").glob("*.pt")) == [
        "epoch_00002.pt", "epoch_00004.pt", "epoch_00005.pt"]
    cfg = TrainConfig.from_dict({"epochs": 40, "keep_every": 10, "keep_epochs": [5]})
    assert [e for e in range(0, 60) if keeps(cfg, e)] == [5, 10, 20, 30, 40]  # never past the last epoch
    with pytest.raises(ValueError, match="train.keep_every"):
        TrainConfig.from_dict({"keep_every": -1})


def test_eval_hook_rows_land_in_metrics(tmp_path, monkeypatch):
    def fake_metric(model, run_cfg, epoch, device):
        return {"toy_metric": float(epoch), "rand": torch.rand(()).item()}  # must not shift training RNG

    monkeypatch.setitem(hooks.EVAL_HOOKS, "toy", fake_metric)
    assert _run(tmp_path / "a", eval_every=1, eval_hooks=["toy"]) == 0
    rows = [(e, n, v) for e, _, n, v in _rows(tmp_path / "a" / "metrics.csv") if n == "toy_metric"]
    assert [(e, float(v)) for e, _, v in rows] == [("1", 1.0), ("2", 2.0), ("3", 3.0)]
    assert _run(tmp_path / "c", epochs=5, eval_every=1, eval_hooks=["toy@2"]) == 0  # per-hook period
    rows = [e for e, _, n, _ in _rows(tmp_path / "c" / "metrics.csv") if n == "toy_metric"]
    assert rows == ["2", "4", "5"]  # epochs 2 and 4, and the end of training
    assert _run(tmp_path / "b") == 0
    a = torch.load(tmp_path / "a" / "final.pt", weights_only=False)["model"]
    b = torch.load(tmp_path / "b" / "final.pt", weights_only=False)["model"]
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_config_errors_name_the_source():
    with pytest.raises(ValueError, match="my.yaml.*unknown train keys"):
        TrainConfig.from_dict({"batchsize": 3}, "my.yaml")
    with pytest.raises(ValueError, match="train.loss"):
        TrainConfig.from_dict({"loss": "l2"}, "my.yaml")
    cfg = TrainConfig.from_dict({"betas": [0.5, 0.9], "keep_epochs": [100]})
    assert cfg.betas == (0.5, 0.9) and cfg.keep_epochs == (100,)


def test_cli_help(capsys):
    from longvid.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["train", "--help"])
    assert exc.value.code == 0
    assert "--config" in capsys.readouterr().out


def test_metric_hooks_delegate_to_longvid_metrics(monkeypatch):
    import longvid.metrics.hooks as mh

    made = []

    def fake_make(metrics):
        made.append(metrics)
        return lambda model, run_cfg, epoch, device: {m: float(epoch) for m in metrics}

    monkeypatch.setattr(mh, "make_eval_hook", fake_make)
    hook = hooks.metric_hook(("vis", "vis_hy"))
    assert hook(None, {}, 3, "cpu") == {"vis": 3.0, "vis_hy": 3.0}
    assert hook(None, {}, 4, "cpu") == {"vis": 4.0, "vis_hy": 4.0} and made == [("vis", "vis_hy")]  # built once
    assert {"recon_l1", "vfid", "fvd_16f", "vis"} <= set(hooks.EVAL_HOOKS)
