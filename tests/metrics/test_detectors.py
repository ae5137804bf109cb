"""G3AN's ResNeXt-101 (shape, parameter count, published checkpoint layout) and the detector registry / CLI."""

import numpy as np
import pytest
import torch

from longvid.cli import main
from longvid.metrics.detectors import Detector, DetectorConfig
from longvid.metrics.resnext import ResNeXt101, load_resnext101


def test_resnext101_shape_and_parameter_count():
    model = ResNeXt101().eval()
    assert sum(p.numel() for p in model.parameters()) == 48_340_816  # Hara et al.: 48.3 M
    with torch.no_grad():
        logits, pool = model(torch.zeros(1, 3, 16, 32, 32))
    assert logits.shape == (1, 400) and pool.shape == (1, 2048)


def test_resnext101_loads_the_published_dataparallel_layout(tmp_path):
    """Layout only: a file in the `resnext-101-kinetics.pth` format ({"state_dict": {"module.…"}}) round-trips."""
    src = ResNeXt101()
    path = tmp_path / "resnext-101-kinetics.pth"
    torch.save({"arch": "resnext-101", "state_dict": {f"module.{k}": v for k, v in src.state_dict().items()}}, path)
    loaded = load_resnext101(path)
    assert torch.equal(loaded.fc.weight, src.fc.weight) and not loaded.training


def test_resnext101_rejects_other_checkpoints(tmp_path):
    path = tmp_path / "other.pth"
    torch.save({"state_dict": {"module.conv1.weight": torch.zeros(1)}}, path)
    with pytest.raises(ValueError, match="not a Kinetics ResNeXt-101"):
        load_resnext101(path)


def test_missing_weights_name_the_path(tmp_path):
    where = tmp_path / "resnext-101-kinetics.pth"
    with pytest.raises(FileNotFoundError, match=str(where)):
        Detector(DetectorConfig(name="resnext101", weights=str(where)))


def test_detector_input_checks(i3d_weights):
    det = Detector(DetectorConfig(name="i3d", weights=str(i3d_weights)))
    assert det.protocol()["dim"] == 400 and det.protocol()["resize"] == "original"
    with pytest.raises(ValueError, match="uint8 clips"):
        det(np.zeros((2, 16, 64, 64), np.uint8))
    with pytest.raises(ValueError, match="only supported on CUDA"):
        Detector(DetectorConfig(name="i3d", weights=str(i3d_weights), bf16=True))


@pytest.mark.parametrize("command", ["cache-real-features", "evaluate", "train-classifier", "convert-i3d"])
def test_cli_help(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0 and "--out" in capsys.readouterr().out
