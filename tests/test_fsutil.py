"""longvid.fsutil: the one temp-file + os.replace writer every output of the package goes through.

The only test of that behaviour (an exception mid-write leaves the old target and no temporary): the writers built
on `atomic_path` / `atomic_dir` (io, train, bench, sample, metrics) are not re-tested for it one by one."""

from __future__ import annotations

import os
import stat

import pytest

from longvid import fsutil


class Boom(RuntimeError):
    pass


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.mark.parametrize("suffix", [".tmp", ".mp4", ".npy"])
def test_atomic_path_keeps_the_suffix_and_replaces_on_success(tmp_path, suffix, umask_022):
    target = tmp_path / "sub" / "out.bin"
    with fsutil.atomic_path(target, suffix=suffix) as tmp:
        assert tmp.parent == target.parent and tmp.name.startswith(".out.bin.") and tmp.name.endswith(suffix)
        assert tmp.exists() and not target.exists()  # the target appears only complete
        tmp.write_bytes(b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644  # like open(path, "w"), not mkstemp's 0600
    assert [p.name for p in target.parent.iterdir()] == ["out.bin"]


@pytest.mark.parametrize("old", [None, b"old"])
def test_exception_mid_write_keeps_the_old_target_and_leaves_no_temp(tmp_path, old):
    target = tmp_path / "out.bin"
    if old is not None:
        target.write_bytes(old)
    with pytest.raises(Boom), fsutil.atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise Boom
    assert (target.read_bytes() if target.exists() else None) == old
    assert [p.name for p in tmp_path.iterdir()] == ([] if old is None else ["out.bin"])


def test_text_and_bytes_writers_return_the_path(tmp_path):
    assert fsutil.atomic_write_text(tmp_path / "a.txt", "é\n").read_text() == "é\n"
    assert fsutil.atomic_write_bytes(tmp_path / "b.bin", b"\0\1").read_bytes() == b"\0\1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.bin"]


def test_atomic_dir_renames_on_success_and_removes_the_folder_on_error(tmp_path, umask_022):
    dest = tmp_path / "x" / "extracted"
    with fsutil.atomic_dir(dest) as tmp:
        (tmp / "a" / "b.txt").parent.mkdir()
        (tmp / "a" / "b.txt").write_text("b")
        assert not dest.exists()
    assert (dest / "a" / "b.txt").read_text() == "b"
    assert stat.S_IMODE(dest.stat().st_mode) == 0o755  # like os.mkdir, not mkdtemp's 0700
    failed = tmp_path / "x" / "failed"
    with pytest.raises(Boom), fsutil.atomic_dir(failed) as tmp:
        (tmp / "half.txt").write_text("half")
        raise Boom
    assert [p.name for p in (tmp_path / "x").iterdir()] == ["extracted"]
