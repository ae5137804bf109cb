"""Fixtures of the sampler tests (helpers live in samplekit.py: unique module names across test folders)."""

from __future__ import annotations

import pytest

from samplekit import write_checkpoint, write_videos


@pytest.fixture
def checkpoint(tmp_path):
    return write_checkpoint(tmp_path / "final.pt")


@pytest.fixture
def video_store(tmp_path):
    return write_videos(tmp_path / "videos", frames=18)


@pytest.fixture
def window_store(tmp_path):
    """Videos long enough for a recall run's 24-frame windows, with room for the window start to vary."""
    return write_videos(tmp_path / "windows", frames=30)
