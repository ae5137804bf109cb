"""AR2 generation of 4096 frames stays within the memory of 128 (fresh processes, peak RSS; tiny model, CPU).

Tolerance as tests/recall/test_recall_memory.py: half the size of the finished uint8 video (24 MiB at 64x64); a
loop that kept its clips or frames would exceed it (4096 float frames = 192 MiB). Latent mode `sample` (one
candidate): VDrej's N candidates are per window and do not change the memory-vs-length argument.
"""

from __future__ import annotations

import pytest

from longvid.bench.ar2 import generate_trial
from longvid.bench.recall import isolated


@pytest.mark.slow
def test_ar2_generation_memory_does_not_grow_with_length():
    no_fsa = {"use_fsa": False}  # CPU time only
    small = isolated(generate_trial, 128, 64, True, "cpu", 1, "sample", 1, no_fsa)
    big = isolated(generate_trial, 4096, 64, True, "cpu", 1, "sample", 1, no_fsa)
    assert (small["frames"], big["frames"]) == (128, 4096)
    video_mib = 4096 * 64 * 64 * 3 / 2**20
    assert big["peak_mem_mb"] <= small["peak_mem_mb"] + 0.5 * video_mib, (small, big)
