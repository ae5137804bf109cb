"""Shared fixtures: the smoke world of each dataset, written once per test session into a temporary folder."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def smoke_world(tmp_path_factory):
    """``smoke_world(dataset)`` → downloads folder holding that dataset's smoke archives (written on first use)."""
    from longvid.data.smoke import write_smoke_world

    root = tmp_path_factory.mktemp("smoke_downloads")
    written = {}

    def get(dataset: str):
        if dataset not in written:
            written[dataset] = root / dataset
            write_smoke_world(dataset, written[dataset], seed=0)
        return written[dataset]

    return get


@pytest.fixture(scope="session")
def smoke_store(smoke_world, tmp_path_factory):
    """``smoke_store(dataset, res=32)`` → preprocessed video store of the smoke world (Taichi: 3-subject subset)."""
    from longvid.data import dataset_module
    from longvid.data.store import preprocess

    root = tmp_path_factory.mktemp("smoke_videos")
    done = {}

    def get(dataset: str, res: int = 32):
        key = (dataset, res)
        if key not in done:
            module = dataset_module(dataset)
            options = {"subjects": 4} if dataset == "taichi" else {}
            sources, rejected = module.sources(smoke_world(dataset), seed=0, **options)
            done[key] = root / f"{dataset}_{res}"
            preprocess(sources, done[key], res, getattr(module, "MIN_FRAMES", 16), rejected, log=lambda m: None)
        return done[key]

    return get
