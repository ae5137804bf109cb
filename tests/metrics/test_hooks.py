"""The training eval hook: generated clips scored against cached real features, without touching global RNG."""

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

    def sample_latents(self, b, generator=None):
        return torch.randn(b, 2, generator=generator), torch.randn(b, 2, generator=generator)

    def generator(self, zc, zm):
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
