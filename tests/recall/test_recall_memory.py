"""Sampling 4096 frames with Alg. 7 (streamed) stays within the memory of sampling 128 frames (tiny model, CPU).

Each length runs in a fresh spawned process (`longvid.bench.recall.sample_trial`) and reports its peak resident
set size. Tolerance: the 4096-frame peak may exceed the 128-frame peak by at most half the size of the finished
uint8 video (24 MiB at 64×64); holding the video (or its float frames) in memory would exceed it by 48 MiB or more,
so the test fails for a sampler that does not stream. F-SA is switched off (CPU time only).
"""

from __future__ import annotations

import pytest

from longvid.bench.recall import isolated, sample_trial


@pytest.mark.slow
def test_sampling_memory_does_not_grow_with_length():
    no_fsa = {"use_fsa": False}  # F-SA's 64x64 attention dominates CPU time and does not change the memory argument
    small = isolated(sample_trial, 128, 64, True, "cpu", 1, no_fsa)
    big = isolated(sample_trial, 4096, 64, True, "cpu", 1, no_fsa)
    video_mib = 4096 * 64 * 64 * 3 / 2**20
    assert small["status"] == big["status"] == "ok"
    assert big["peak_mem_mb"] <= small["peak_mem_mb"] + 0.5 * video_mib, (small, big)
