"""The training eval hook: generated clips scored against cached real features, without touching global RNG;
its clips are the `noise` sampler's videos (one generation path for hooks and samplers)."""

import numpy as np
import torch

from longvid.metrics.classifier_train import TrainClassifierConfig, train_classifier
from longvid.metrics.hooks import generate_uint8, make_eval_hook

from metrics_store import write_video_store


class ToyModel(torch.nn.Module):
    """Stands in for an EncGAN3 (contracts.md): latents → (B, 16, 3, 32, 32) in [-1, 1]."""

    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(4, 16 * 3 * 32 * 32)

    def sample_prior(self, generators, device=None):
        return (torch.cat([torch.randn(1, 2, generator=g) for g in generators]),
                torch.cat([torch.randn(1, 2, generator=g) for g in generators]))

    def generate(self, zc, zm):
        return torch.tanh(self.lin(torch.cat([zc, zm], 1))).view(-1, 16, 3, 32, 32)


def test_generation_is_per_clip_seeded():
    torch.manual_seed(0)
    model = ToyModel()
    a = generate_uint8(model, 3, seed=5, device="cpu")
    state = torch.get_rng_state()
    b = generate_uint8(model, 2, seed=5, device="cpu")
    assert torch.equal(state, torch.get_rng_state())  # global stream untouched
    assert a.shape == (3, 16, 32, 32, 3) and a.dtype == np.uint8
    np.testing.assert_array_equal(a[:2], b)
    np.testing.assert_array_equal(a, generate_uint8(model, 3, seed=5, device="cpu", batch=2))  # batch-independent
    assert not np.array_equal(a, generate_uint8(model, 3, seed=6, device="cpu"))


def test_hook_clips_are_the_noise_samplers_videos_for_a_recall_model(tmp_path):
    """A recall model generates through RecallModel.generate (Eq. 4.2-4.3 rebuild) in the hook as in the sampler."""
    from longvid import families
    from longvid.cli import main
    from longvid.sample.stream import load_model
    from longvid.train.rebuild import model_args

    run = {"experiment": "tiny_recall", "family": "recall", "run_type": "smoke", "seed": 0, "data": {"length": 24},
           "model": {"preset": "r2_64", "g_ch": 4, "d_ch": 4, "e_ch": 2, "e_fc": 8, "dim_zc": 8, "dim_zm": 4}}
    torch.manual_seed(0)
    net = families.build_model(families.model_args(run))
    torch.save({"config": run, "model_args": model_args("recall", net), "epoch": 0, "step": 0,
                "model": net.state_dict()}, tmp_path / "r.pt")
    assert main(["sample", "--checkpoint", str(tmp_path / "r.pt"), "--sampler", "noise", "--count", "3", "--seed",
                 "5", "--out", str(tmp_path / "s"), "--mp4", "0", "--batch-size", "2", "--device", "cpu"]) == 0
    model, _, _ = load_model(tmp_path / "r.pt", torch.device("cpu"))
    calls, generate = [], model.generate
    model.generate = lambda *z: calls.append(len(z[0])) or generate(*z)  # G's raw frames equal the rebuild ~1e-7
    hook = generate_uint8(model, 3, seed=5, device="cpu")
    assert sum(calls) == 3
    sampled = np.stack([np.load(tmp_path / "s" / "videos" / f"{i:05d}.npy") for i in range(3)])
    assert hook.shape == (3, 16, 64, 64, 3)
    np.testing.assert_array_equal(hook, sampled)


def test_hook_computes_vfid_and_vis(tmp_path, i3d_weights):
    store = write_video_store(tmp_path, [16, 18, 20], labels=["a", "b", "a"])
    clf = tmp_path / "clf" / "toy_32_action.pt"
    train_classifier(store, TrainClassifierConfig(epochs=1, width=4, batch_size=4, holdout=0), clf, log=lambda *_: None)
    hook = make_eval_hook(("vfid", "vis", "vis_hy"), count=2, features_root=str(tmp_path / "features"),
                          classifier=str(tmp_path / "clf" / "{dataset}_{res}_{label}.pt"), is_splits=1,
                          weights=str(i3d_weights), real_count=4)
    run_cfg = {"data": {"dataset": "toy", "resolution": 32, "label": "action"}, "runtime": {"videos": str(store)}}
    values = hook(ToyModel().eval(), run_cfg, epoch=1, device="cpu")
    assert set(values) == {"vfid", "vis", "vis_hy"} and values["vfid"] > 0 and 1 <= values["vis"] <= 2
    assert (tmp_path / "features" / "i3d_pool" / "toy" / "32" / "16f.npz").is_file()
    from longvid.metrics.features import load_features

    _, meta = load_features(tmp_path / "features" / "i3d_pool" / "toy" / "32" / "16f.npz")
    assert (meta["real_set"]["clips"], meta["real_set"]["videos"]) == (4, 3)
