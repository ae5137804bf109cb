"""Shared fixtures of the metrics tests: the real I3D, converted once per test session into a temp dir."""

import pytest
import torch


@pytest.fixture(scope="session")
def i3d_weights(tmp_path_factory):
    from longvid.metrics.i3d import converted_weights

    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    return converted_weights(tmp_path_factory.mktemp("weights") / "i3d_kinetics400.pt")


@pytest.fixture(scope="session")
def i3d_detector(i3d_weights):
    from longvid.metrics.detectors import Detector, DetectorConfig

    return Detector(DetectorConfig(name="i3d", weights=str(i3d_weights), batch_size=8))
