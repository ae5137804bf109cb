"""Checks of the SLURM profiles that need no cluster (docs/slurm.md).

* ``profiles/slurm/config.yaml`` is the user-facing profile: valid YAML, ``executor: slurm``, site placeholders for
  partition and account, retries (a job killed at its time limit is resubmitted and resumes from its checkpoint),
  and no value that only the CI cluster needs (partition ``debug``, account ``ci``, fast status polling).
* ``snakemake --profile slurm`` resolves that profile from the repository root (snakemake 9 looks a profile *name*
  up in the working directory, so the root holds a link ``slurm -> profiles/slurm``).
* ``profiles/slurm-ci/config.yaml`` layered on top (``--profile slurm --profile profiles/slurm-ci``) gives the CI
  cluster's values, while the user profile alone keeps the placeholders.
* The CI scripts parse and reject bad arguments before they start any daemon.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PROFILE = ROOT / "profiles" / "slurm" / "config.yaml"
CI_PROFILE = ROOT / "profiles" / "slurm-ci" / "config.yaml"
SNAKEMAKE = Path(sys.executable).parent / "snakemake"
CI_ONLY_KEYS = {"slurm-init-seconds-before-status-checks", "slurm-status-command", "slurm-keep-successful-logs"}


def _load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict), f"{path} must hold a YAML mapping"
    return data


def test_user_profile_is_for_a_real_cluster():
    prof = _load(PROFILE)
    assert prof["executor"] == "slurm"
    assert not CI_ONLY_KEYS & set(prof), f"CI-only keys in the user profile: {CI_ONLY_KEYS & set(prof)}"
    res = prof["default-resources"]
    assert res["slurm_partition"] != "debug" and res["slurm_account"] != "ci"
    assert res["slurm_partition"].startswith("SITE_") and res["slurm_account"].startswith("SITE_")
    assert isinstance(res["runtime"], int) and res["runtime"] >= 60  # minutes: real training jobs
    assert "cpus_per_task" not in res  # would override every rule's `threads`
    assert prof["retries"] >= 1  # time-limit kills are resubmitted and resume from the checkpoint
    assert prof["rerun-incomplete"] is True and prof["latency-wait"] >= 30
    assert prof["jobs"] >= 2


def test_ci_profile_overrides_only_the_cluster_values():
    user, ci = _load(PROFILE), _load(CI_PROFILE)
    assert ci["default-resources"]["slurm_partition"] == "debug"
    assert ci["default-resources"]["slurm_account"] == "ci"
    assert ci["slurm-init-seconds-before-status-checks"] == 1
    # a later --profile replaces whole top-level keys: the CI block must name every resource the user's names
    assert set(user["default-resources"]) <= set(ci["default-resources"])
    assert "executor" not in ci  # the executor comes from the user profile under test


def test_profile_name_resolves_from_repo_root(monkeypatch):
    from snakemake.cli import get_profile_dir

    monkeypatch.chdir(ROOT)
    found = get_profile_dir("slurm")
    assert found is not None, "snakemake --profile slurm does not find a profile from the repository root"
    assert Path(found[1]).resolve() == PROFILE.resolve()


def _dry_run(tmp_path: Path, *profiles: str) -> str:
    (tmp_path / "Snakefile").write_text(
        'rule gpu_step:\n    output: "gpu.txt"\n    resources: gpu=1\n    shell: "touch {output}"\n'
    )
    args = [str(SNAKEMAKE)]
    for p in profiles:
        args += ["--profile", p]
    args += ["--dry-run", "-s", str(tmp_path / "Snakefile"), "-d", str(tmp_path), "gpu_step"]
    env = {k: v for k, v in os.environ.items() if k != "SNAKEMAKE_PROFILE"}
    out = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout + out.stderr


@pytest.mark.skipif(not SNAKEMAKE.exists(), reason="snakemake is not installed beside this python")
def test_snakemake_accepts_the_layered_profiles(tmp_path):
    """One snakemake start (~2-10 s): every key of both profiles is a valid option; the CI values win."""
    out = _dry_run(tmp_path, "slurm", "profiles/slurm-ci")
    assert "Using profiles slurm and profiles/slurm-ci" in out, out
    assert re.search(r"slurm_partition=debug, slurm_account=ci\b.*gpu=1", out), out


@pytest.mark.parametrize("script", ["tools/slurm-ci.sh", "tools/ci-slurm-slice.sh"])
def test_scripts_parse(script):
    subprocess.run(["bash", "-n", str(ROOT / script)], check=True)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["tools/slurm-ci.sh", "sideways"], 2, "usage"),
        (["tools/ci-slurm-slice.sh"], 2, "no TARGET"),
        (["tools/ci-slurm-slice.sh", "--timeout", "soon", "all"], 1, "--timeout must be"),
        (["tools/ci-slurm-slice.sh", "--configfile", "missing.yaml", "all"], 1, "missing.yaml not found"),
        (["tools/ci-slurm-slice.sh", "--frobnicate", "all"], 1, "unknown option"),
    ],
)
def test_scripts_reject_bad_arguments_before_starting_anything(args, code, message):
    out = subprocess.run(["bash", *args], cwd=ROOT, capture_output=True, text=True, timeout=20)
    assert out.returncode == code and message in out.stderr, out.stderr
