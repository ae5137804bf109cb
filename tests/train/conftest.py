"""Fixtures of the training tests (helpers live in trainkit.py: unique module names across test folders)."""

from __future__ import annotations

import pytest

from trainkit import write_store


@pytest.fixture
def video_store(tmp_path):
    return write_store(tmp_path / "videos")
