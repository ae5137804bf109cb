"""The Snakemake workflow: the full config plans every target; a smoke slice runs for real, its HTML report holds
the tables' CSVs and renders in headless Chromium."""

from __future__ import annotations

import base64
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake"]


def run(args: list[str], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(SNAKEMAKE + args, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def scratch(tmp: Path) -> list[str]:
    """Run the repository's workflow in an empty folder (no state from earlier runs)."""
    os.symlink(ROOT / "config.yaml", tmp / "config.yaml")
    return ["-s", str(ROOT / "Snakefile"), "-d", str(tmp)]


def test_full_config_plans_every_target(tmp_path):
    ablations = list(yaml.safe_load((ROOT / "config.yaml").read_text())["ablations"])
    targets = ["all_tables", "all_figures", "paper", "data_tables", "bench", "plan", *ablations]
    where = scratch(tmp_path)
    proc = run([*where, "-n", "--quiet", "rules", "--", *targets], tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout + proc.stderr
    rules = ("train_model", "sample_model", "evaluate_model", "cache_real_features", "cache_long_real_features",
             "cache_stepped_real_features", "train_classifier")
    for rule in rules:
        assert rule in out, rule
    # every experiment (foreach templates expanded) is trained by all_tables + all_figures
    from longvid import config as lvconfig

    experiments = lvconfig.load(ROOT / "config.yaml")["experiments"]
    proc = run([*where, "-n", "all_tables", "all_figures"], tmp_path)
    for name in experiments:
        assert f"results/runs/{name}/final.pt" in proc.stdout, name
    # Fig. 4.9: real clips of Taichi videos of 400+ frames, Sky of 1024+ (the frames of the panels' samplers)
    # Chapter 3's video FID: real clips at each dataset's training steps (KTH 1-6, UvA 2-3)
    for features in ("i3d/taichi/128/16f_min400.npz", "i3d/sky/128/16f_min1024.npz",
                     "i3d_pool/kth/64/16f_s1-6.npz", "i3d_pool/uva/64/16f_s2-3.npz"):
        assert f"resources/features/{features}" in proc.stdout, features


def test_smoke_plan_builds_the_chapter_4_index(tmp_path):
    """Chapter 4's recall runs read 24-frame windows at stride 8 (Sec. 4.6.1), Table 5.4 keeps 24f at stride 24,
    Table 4.6's short-video runs step-sample (no index), and Table 4.1's statistics count the Chapter 4 index."""
    proc = run([*scratch(tmp_path), "-n", "-p", "--configfile", str(ROOT / "tests/smoke/config.yaml"), "--", "all_tables"],
               tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    index = "resources/segments/taichi/64/24f_s8.csv"
    assert f"--length 24 --stride 8 --out {index}" in out
    assert "--length 24 --stride 24 --out resources/segments/taichi/64/24f.csv" in out
    for exp in ("recall_taichi_64_v1", "recall_taichi_64_v1_step4"):
        assert re.search(rf"--config results/runs/{exp}/config.yaml --videos \$\(dirname \S+\) --segments {index} ",
                         out), exp
    assert re.search(r"--config results/runs/recall_kth_64/config.yaml --videos \$\(dirname \S+\)\s+--out", out)
    stats = next(line for line in out.splitlines() if "data-stats --dataset taichi" in line)
    assert f"resources/segments/taichi/64/24f.csv {index}" in stats
    assert "results/runs/recall_taichi_64_v1_step4/metrics.csv" in out  # Table 4.8's iteration note reads it


def test_chapter_5_ablations_plan_their_runs_and_generations(tmp_path):
    """`snakemake -n ablation_vdrej` (full config): the Taichi and Sky AR2 runs on Table 5.4's 24f segments and their
    three 1000-frame generations from noise (no real video read); `ablation_latent_usage` samples kept checkpoints."""
    where = scratch(tmp_path)
    proc = run([*where, "-n", "-p", "ablation_vdrej"], tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    for ds in ("taichi", "sky"):
        assert re.search(rf"--config results/runs/ar2_{ds}_128/config.yaml --videos \$\(dirname \S+\) "
                         rf"--segments resources/segments/{ds}/128/24f.csv ", out), ds
        for latent in ("mean", "sample", "vdrej"):
            line = next(x for x in out.splitlines() if f"--out results/samples/ar2_{ds}_128/ar2{latent}/final" in x)
            assert f"--mode ar2 --count 64 --frames 1000 --latent {latent}" in line and "--videos" not in line
            assert ("--candidates 20" in line) == (latent == "vdrej")
    assert "results/runs/improved_r2" not in out and "recall_" not in out
    proc = run([*where, "-n", "-p", "ablation_latent_usage"], tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for exp in ("improved_r2_taichi_128", "improved_r2_taichi_128_mean"):
        for sampler in ("recall128mean", "recall128vdrej"):
            assert f"--checkpoint results/runs/{exp}/keep/epoch_03970.pt " in proc.stdout
            assert f"--out results/metrics/{exp}/{sampler}/3970.json" in proc.stdout


def test_smoke_taichi_16f_real_set_has_several_clips_per_video(tmp_path):
    """datasets.taichi.real_clips: {16f: 12} in the smoke config: the Taichi 16f FVD sets hold 12 clips of the
    8 smoke videos (more clips than videos, issue 14), every other set evaluation.real_clips = 4; evaluate checks
    each file against its own count."""
    proc = run([*scratch(tmp_path), "-n", "-p", "--configfile", str(ROOT / "tests/smoke/config.yaml"), "--", "all_tables"],
               tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    caches = {m.group(2): int(m.group(1)) for m in re.finditer(
        r"cache-real-features --videos \S+ --detector \S+ --length \d+ (?:--steps \S+ )?--count (\d+) --seed 0 "
        r"--batch-size 16 --out resources/features/(\S+)", proc.stdout)}
    assert caches["i3d/taichi/64/16f.npz"] == caches["i3d/taichi/128/16f.npz"] == 12
    assert caches["i3d/taichi/64/32f.npz"] == caches["i3d/taichi/128/128f.npz"] == caches["i3d/sky/128/16f.npz"] == 4
    assert re.search(r"evaluate --samples results/samples/recall_taichi_64_v1/recall136/final .* --real-count 4 "
                     r"--real-count-of 16=12 --seed 0", proc.stdout)
    assert re.search(r"evaluate --samples results/samples/recall_sky_128/recall136/final .* --real-count 4 --seed 0",
                     proc.stdout)


def test_bad_config_fails_naming_the_key(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("evaluation:\n  real_clips: lots\n")
    proc = run([*scratch(tmp_path), "-n", "all_tables", "--configfile", str(bad)], tmp_path)
    assert proc.returncode != 0
    assert "evaluation.real_clips" in proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def smoke_slice(tmp_path_factory):
    """`data_tables` of the smoke world, run for real in a scratch folder, then its HTML report."""
    work = tmp_path_factory.mktemp("smoke")
    common = [*scratch(work), "--cores", "2"]
    smoke = ["--configfile", str(ROOT / "tests/smoke/config.yaml")]
    proc = run([*common, "data_tables", *smoke], work)
    assert proc.returncode == 0, proc.stderr[-4000:]
    proc = run([*common, "--report", "results/report.html", *smoke, "--", "data_tables"], work)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return work


DATA_TABLES = ("table_3_1", "table_4_1", "table_4_4", "table_5_4")


def test_smoke_data_tables_are_labelled_smoke(smoke_slice):
    for table in DATA_TABLES:
        md = (smoke_slice / "results/tables" / f"{table}.md").read_text()
        assert "SMOKE RUN" in md, table
        csv = (smoke_slice / "results/tables" / f"{table}.csv").read_text()
        assert ",smoke," in csv


def report_files(html: str) -> dict[str, bytes]:
    """Path -> bytes of every file a Snakemake HTML report embeds (the data URIs of its `results` object)."""
    found = re.search(r'<script id="results">\s*var results = (\{.*?\});\s*</script>', html, re.S)
    assert found, "no `var results = {...}` in the report: the Snakemake report format changed"
    return {path: base64.b64decode(entry["data_uri"].split("base64,", 1)[1])
            for path, entry in json.loads(found.group(1)).items()}


def md_cells(text: str) -> dict[tuple[str, str], str]:
    """(row, column) -> cell text of a table's pivoted Markdown."""
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in text.splitlines() if line.startswith("|")]
    return {(cells[0], col): cell for cells in rows[2:] for col, cell in zip(rows[0][1:], cells[1:])}


def test_html_report_and_markdown_hold_the_values_of_the_csvs(smoke_slice):
    import pandas as pd

    from longvid.report.tables import _fmt

    embedded = report_files((smoke_slice / "results/report.html").read_text())
    for table in DATA_TABLES:
        path = f"results/tables/{table}.csv"
        assert embedded.get(path) == (smoke_slice / path).read_bytes(), f"{path}: not embedded as written"
        csv = pd.read_csv(io.BytesIO(embedded[path]))
        md = md_cells((smoke_slice / f"results/tables/{table}.md").read_text())
        assert len(csv) and csv["reproduced"].notna().all(), table
        for rec in csv.itertuples():
            assert md[(rec.row, rec.column)].startswith(f"{_fmt(rec.reproduced)} / {_fmt(rec.thesis)}"), (table, rec)


def visible_text(html: str) -> str:
    """The words of a page outside its scripts and styles."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium not installed (tools/setup.sh --dev)")
def test_html_report_renders(smoke_slice, tmp_path):
    """The report's scripts run in a browser: its menu exists only once they have rendered it (the source holds only
    "Loading Snakemake Report..."); the tables' values are checked in the test above."""
    report = smoke_slice / "results/report.html"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=10000"]
    dom = subprocess.run(["chromium", *flags, "--dump-dom", report.as_uri()], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    menu = ("Workflow", "Statistics", "Results")
    assert not any(word in visible_text(report.read_text()) for word in menu)
    assert all(word in visible_text(dom.stdout) for word in menu), visible_text(dom.stdout)[:500]
