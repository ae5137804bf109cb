"""The workflow config: schema errors name the key, experiments expand as documented, every run config is fully
checked at load (naming experiment, key and file), cells match the thesis."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from longvid import config as lvconfig

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def full():
    return lvconfig.load(ROOT / "config.yaml")


def test_full_and_smoke_configs_validate(full):
    smoke = lvconfig.load(ROOT / "config.yaml", ROOT / "tests/smoke/config.yaml")
    assert full["run_type"] == "full" and smoke["run_type"] == "smoke"
    assert set(full["experiments"]) == set(smoke["experiments"])  # smoke overrides sizes only


@pytest.mark.parametrize(
    "path, value, needle",
    [
        (("evaluation", "real_clips"), "many", "evaluation.real_clips"),
        (("datasets", "kth", "resolutions"), [96], "datasets.kth.resolutions"),
        (("experiments", "encgan3_kth_64", "sett"), {}, "experiments.encgan3_kth_64"),
        (("experiments", "Bad-Name"), {}, "experiments"),
        (("bogus_key",), 1, "bogus_key"),
    ],
)
def test_wrong_key_or_type_names_the_key(full, path, value, needle):
    cfg = copy.deepcopy(full)
    node = cfg
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(lvconfig.ConfigError) as err:
        lvconfig.validate(cfg, source="test.yaml")
    assert needle in str(err.value) and "test.yaml" in str(err.value)


def test_cross_references_are_checked(full):
    cfg = copy.deepcopy(full)
    cfg["experiments"]["encgan3_kth_64"]["set"]["data.dataset"] = "nosuch"
    with pytest.raises(lvconfig.ConfigError, match="nosuch"):
        lvconfig.validate(cfg)
    cfg = copy.deepcopy(full)
    cfg["ablations"]["ablation_components"]["tables"] = ["table_9_9"]
    with pytest.raises(lvconfig.ConfigError, match="table_9_9"):
        lvconfig.validate(cfg)
    cfg = copy.deepcopy(full)  # Fig. 3.5: a crop enlarges one of its figure's panels, inside the frame
    cfg["figures"]["figure_3_5"]["crops"][0]["panel"] = "encgan3_kth_64"
    with pytest.raises(lvconfig.ConfigError, match="figure_3_5.crops: panel 'encgan3_kth_64'"):
        lvconfig.validate(cfg)
    cfg = copy.deepcopy(full)
    cfg["figures"]["figure_3_5"]["crops"][0]["box"] = [0.5, 0.5, 0.6, 0.2]
    with pytest.raises(lvconfig.ConfigError, match=r"figure_3_5.crops: box \[0.5, 0.5, 0.6, 0.2\]"):
        lvconfig.validate(cfg)


def test_figure_and_table_epochs_must_be_kept_checkpoints(full):
    """Fig. 5.8-5.10 sample kept checkpoints every 10 epochs (train.keep_every); an epoch the run does not keep is
    refused at load, naming the figure, the experiment and the fix."""
    assert lvconfig.figure_epochs({"epochs": {"first": 3000, "every": 10, "last": 4060}})[:2] == ["3000", "3010"]
    assert lvconfig.figure_epochs({"epochs": {"every": 10, "last": 4060}})[-1] == "4060"
    assert len(lvconfig.figure_epochs(full["figures"]["figure_5_8"])) == 406
    assert lvconfig.figure_epochs({}) == ["final"]
    assert lvconfig.figure_epochs({"epochs": [100, "final"]}) == ["100", "final"]
    cfg = copy.deepcopy(full)
    cfg["figures"]["figure_5_10"]["epochs"] = {"every": 15, "last": 45}
    with pytest.raises(lvconfig.ConfigError, match=r"figures.figure_5_10: epoch 15 of improved_r2_taichi_128 is not a "
                                                   r"kept checkpoint .*keep_every 10.*train.keep_epochs"):
        lvconfig.validate(cfg)
    cfg = copy.deepcopy(full)
    cfg["figures"]["figure_5_10"]["epochs"] = [4070]  # past train.epochs
    with pytest.raises(lvconfig.ConfigError, match="epoch 4070"):
        lvconfig.validate(cfg)
    cfg = copy.deepcopy(full)
    cfg["tables"]["table_5_6"]["rows"][1]["epoch"] = 100  # the 1p2d run keeps none
    with pytest.raises(lvconfig.ConfigError, match="tables.table_5_6: epoch 100 of improved_r2_taichi_128_1p2d"):
        lvconfig.validate(cfg)


def test_checkpoint_curves_evaluate_every_point(full):
    evals = lvconfig.evaluations(full)
    for exp, sampler in [("improved_r2_taichi_128_mean", "recall128mean"),
                         ("improved_r2_taichi_128_noise", "recall128vdrej")]:
        assert evals[(exp, sampler, "3970")] == ["fvd2048_128f", "fvd2048_16f"]
    assert evals[("improved_r2_taichi_128", "recall128vdrej", "final")] == ["fvd2048_128f", "fvd2048_16f", "fvd_ratio"]
    # Table 4.5's samples also give Table 5.5's R2 row its ratio
    assert evals[("recall_sky_128", "recall136", "final")] == ["fvd2048_128f", "fvd2048_16f", "fvd_ratio"]


def test_experiment_resolution_chain(full):
    run = lvconfig.resolve_experiment(full, "g3an_uva_64_nofsa")
    # defaults <- encgan3_uva_64 <- g3an_uva_64 <- own set
    assert run["data"] == {"resolution": 64, "length": 16, "sampling": "step", "dataset": "uva", "steps": [2, 3], "label": "actor"}
    assert run["model"] == {"preset": "g3an_64", "use_fsa": False}
    assert run["train"]["batch_size"] == 25 and run["train"]["epochs"] == 5000 and run["train"]["lr"] == 0.0002
    smoke = lvconfig.load(ROOT / "config.yaml", ROOT / "tests/smoke/config.yaml")
    srun = lvconfig.resolve_experiment(smoke, "g3an_uva_64_nofsa")
    assert srun["run_type"] == "smoke" and srun["train"]["epochs"] == 1 and srun["model"]["g_ch"] == 4
    assert srun["model"]["preset"] == "g3an_64" and srun["model"]["use_fsa"] is False


def test_base_cycle_is_an_error(full):
    cfg = copy.deepcopy(full)
    cfg["experiments"]["a"] = {"base": "b"}
    cfg["experiments"]["b"] = {"base": "a"}
    with pytest.raises(lvconfig.ConfigError, match="cycle"):
        lvconfig.resolve_experiment(cfg, "a")


def test_expanded_model_is_a_valid_model_config(full):
    from longvid.models import ModelConfig

    for name in full["experiments"]:
        run = lvconfig.expand_model(lvconfig.resolve_experiment(full, name))
        cfg = ModelConfig.from_dict(run["model"], where=name)
        assert cfg.resolution == run["data"]["resolution"]


def test_table_cells_fill_templates_and_exist_in_thesis(full):
    from longvid.report.tables import thesis_lookup

    cells = lvconfig.table_cells(full, "table_3_2")
    assert len(cells) == 8
    enc_kth = [c for c in cells if c.row == "EncGAN3" and c.column == "KTH FID"][0]
    assert (enc_kth.experiment, enc_kth.sampler, enc_kth.metric) == ("encgan3_kth_64", "latent", "vfid")
    assert thesis_lookup("table_3_2", enc_kth.row, enc_kth.column) == 66.62
    # every configured cell has a thesis value, except those the thesis prints as "-" (Table 3.4 no F-SA IS,
    # Table 4.2 / 4.7 R_3VD at 136 frames) or leaves out (Table 4.8 step 4 beyond 32 frames; Table 4.6 (b) has no
    # G3AN row, while the grid's G3AN row also gets IS cells)
    missing = [
        (c.table, c.row, c.column)
        for t, spec in full["tables"].items()
        if spec["kind"] == "metrics"
        for c in lvconfig.table_cells(full, t)
        if thesis_lookup(t, c.row, c.column) is None
    ]
    assert missing == [("table_3_4", "no F-SA", f"{d} IS (actor)") for d in ("UvA", "Weizmann", "KTH")] + [
        ("table_4_2", "136", "R_3VD")
    ] + [("table_4_6", "G3AN", f"{d} {m}") for d in ("UvA", "Weizmann", "KTH", "UCF101")
         for m in ("IS", "H(y)", "H(y|x)")] + [("table_4_7", "R_3VD", "136")] + [
        ("table_4_8", "step 4", str(n)) for n in (64, 96, 100, 128, 136)]


def test_evaluations_collect_metrics_and_classifiers(full):
    evals = lvconfig.evaluations(full)
    assert evals[("encgan3_uva_64", "latent", "final")] == ["vfid", "vis_actor", "vis_hy_actor", "vis_hyx_actor"]
    assert lvconfig.classifier_labels(evals[("encgan3_kth_64", "latent", "final")]) == ["action", "actor"]


def test_smoke_config_overrides_sizes_only():
    smoke = yaml.safe_load((ROOT / "tests/smoke/config.yaml").read_text())
    assert set(smoke) <= {"run_type", "threads", "datasets", "evaluation", "size_overrides", "figures", "tables",
                          "samplers"}
    full = yaml.safe_load((ROOT / "config.yaml").read_text())["tables"]
    for name, table in smoke.get("tables", {}).items():  # FVD length lists shrink; other tables keep a subset
        for key, part in table.items():
            assert all(cell["metric"].startswith("fvd_len_") for cell in part) or all(
                cell in full[name][key] for cell in part), (name, key)
    for sampler in smoke.get("samplers", {}).values():
        assert set(sampler) <= {"frames", "count", "candidates"}
    for key in smoke["size_overrides"]:
        assert key.split(".")[1] in {"max_items", "fsa_after", "dim_zc", "g_ch", "d_ch", "e_ch", "e_fc", "batch_size", "epochs",
                                     "ckpt_every", "eval_every", "eval_count", "keep_epochs", "keep_every",
                                     "n_layer", "n_head"}, key  # n_layer, n_head: R3's GPT (gpt.*)


def test_expansion_gives_the_experiments_of_before():
    """foreach templates, refinements, `own` and defaults resolve every experiment exactly as the explicit
    config.yaml did (fixture frozen from it before the rewrite)."""
    frozen = json.loads((ROOT / "tests/fixtures/config/resolved_runs.json").read_text())
    for key, files in {"full": ["config.yaml"], "smoke": ["config.yaml", "tests/smoke/config.yaml"]}.items():
        cfg = lvconfig.load(*(ROOT / f for f in files))
        assert {n: lvconfig.resolve_experiment(cfg, n) for n in cfg["experiments"]} == frozen[key], key


def test_config_declares_no_repeated_hooks():
    text = (ROOT / "config.yaml").read_text()
    assert text.count("eval_hooks: [recon_l1]") == 1  # once, in defaults


BAD_VALUES = [  # (dotted key, YAML value, words the message must hold)
    ("train.epochs", '"ten"', ["must be an integer", "'ten'"]),
    ("train.epochz", "5", ["unknown train keys", "did you mean train.epochs"]),
    ("train.batch_size", "-4", ["must be >= 1", "-4"]),
    ("model.preset", "nope_64", ["is not a model preset", "encgan3_64"]),
    ("train.epochs", "1.5", ["must be an integer", "1.5"]),
]


@pytest.mark.parametrize("key, value, words", BAD_VALUES)
def test_bad_run_value_names_experiment_key_and_file(tmp_path, key, value, words):
    override = tmp_path / "my_override.yaml"
    override.write_text(f"experiments:\n  encgan3_kth_64:\n    set: {{{key}: {value}}}\n")
    with pytest.raises(lvconfig.ConfigError) as err:
        lvconfig.load(ROOT / "config.yaml", override)
    msg = str(err.value)
    for needle in ["experiment encgan3_kth_64", key, str(override), *words]:
        assert needle in msg, (needle, msg)


def test_bad_default_names_the_file_that_set_it(tmp_path):
    """A key set in several files is attributed to the last one; an untouched key to config.yaml."""
    first, second = tmp_path / "first.yaml", tmp_path / "second.yaml"
    first.write_text("defaults:\n  train: {epochs: 1.5, lr: 0}\n")
    second.write_text("defaults:\n  train: {epochs: 7}\n")
    with pytest.raises(lvconfig.ConfigError) as err:
        lvconfig.load(ROOT / "config.yaml", first, second)
    msg = str(err.value)
    assert f"{first}: train.lr: must be > 0" in msg and "defaults.train.lr" in msg and "epochs" not in msg
    cfg = yaml.safe_load((ROOT / "config.yaml").read_text())
    cfg["experiments"]["encgan3_{dataset}_64"]["set"]["data.label"] = "actress"
    with pytest.raises(lvconfig.ConfigError) as err:
        lvconfig.validate(cfg, files=[("config.yaml", cfg)])
    # the template is named, with the experiments it makes (UvA's refinement sets its own label)
    assert "config.yaml: data.label" in str(err.value) and "experiments.encgan3_{dataset}_64.set" in str(err.value)
    assert "encgan3_kth_64" in str(err.value) and "encgan3_uva_64," not in str(err.value)


def test_schema_error_names_the_file(tmp_path):
    override = tmp_path / "fam.yaml"
    override.write_text("defaults:\n  family: nosuch\n")
    with pytest.raises(lvconfig.ConfigError, match=f"{override}: defaults.family: 'nosuch' is not one of"):
        lvconfig.load(ROOT / "config.yaml", override)


def test_family_enum_and_sections_come_from_the_registry(full):
    from longvid import families

    schema = lvconfig.schema()
    assert schema["$defs"]["family"]["enum"] == list(families.FAMILIES)
    assert lvconfig.SECTIONS == ("data", "model", "train", "recall", "lencgan", "gpt")
    cfg = copy.deepcopy(yaml.safe_load((ROOT / "config.yaml").read_text()))
    cfg["experiments"]["recall_taichi_64_v1"]["family"] = "nosuch"
    with pytest.raises(lvconfig.ConfigError, match="experiments.recall_taichi_64_v1.family"):
        lvconfig.validate(cfg)


def test_r3_reads_its_r2_blocks_and_its_gpt_block(full):
    """Family r3 = an R2 experiment's model: / recall: blocks + gpt:; a bad gpt value fails at parse time."""
    cfg = copy.deepcopy(yaml.safe_load((ROOT / "config.yaml").read_text()))
    cfg["experiments"]["r3_test"] = {"base": "recall_taichi_128", "family": "r3",
                                     "set": {"gpt.format": "padzs", "gpt.n_head": 4, "train.lr": 0.00005}}
    run = lvconfig.resolve_experiment(lvconfig.validate(cfg), "r3_test")
    assert run["family"] == "r3" and run["gpt"] == {"format": "padzs", "n_head": 4} and "recall" in run
    cfg["experiments"]["r3_test"]["set"]["gpt.format"] = "pad1"
    with pytest.raises(lvconfig.ConfigError, match="gpt.format"):
        lvconfig.validate(cfg)
    cfg["experiments"]["r3_test"]["set"] = {"gpt.n_head": 7}  # does not divide 2 (128 + 10) = 276
    with pytest.raises(lvconfig.ConfigError, match="r3_test.set.gpt.n_head.*choose gpt.n_head dividing it"):
        lvconfig.validate(cfg)


def test_foreach_refinement_and_own():
    from longvid import experiments

    spec = {
        "a_{ds}_{n}": {"foreach": {"ds": ["x", "y"], "n": [1, 2]}, "set": {"data.dataset": "{ds}", "train.epochs": "{n}",
                                                                          "data.groups": ["{ds}_g"]}},
        "a_y_2": {"set": {"train.lr": 0.1}, "own": {"train.eval_hooks": []}},
        "b": {"base": "a_y_2"},
    }
    out, origin = experiments.expand(spec)
    assert list(out) == ["a_x_1", "a_x_2", "a_y_1", "a_y_2", "b"]
    assert out["a_y_2"]["set"] == {"data.dataset": "y", "train.epochs": 2, "data.groups": ["y_g"], "train.lr": 0.1}
    assert origin[("a_y_2", "set", "train.epochs")] == "a_{ds}_{n}" and origin[("a_y_2", "set", "train.lr")] == "a_y_2"
    cfg = {"experiments": out, "datasets": {}, "run_type": "full", "seed": 0}
    assert experiments.resolve(cfg, "a_y_2")["train"]["eval_hooks"] == []
    assert "eval_hooks" not in experiments.resolve(cfg, "b")["train"]  # `own` is not inherited
    with pytest.raises(experiments.ExperimentError, match="not a foreach variable"):
        experiments.expand({"c_{ds}": {"foreach": {"ds": ["x"]}, "base": "{dss}"}})
    with pytest.raises(experiments.ExperimentError, match="produced by both"):
        experiments.expand({"c_{a}": {"foreach": {"a": ["x"]}}, "{b}_x": {"foreach": {"b": ["c"]}}})
    with pytest.raises(experiments.ExperimentError, match="no foreach"):
        experiments.expand({"c_{a}": {}})


def test_origins_last_layer_wins():
    origins = lvconfig.Origins([("a", {"x": {"y": 1, "z": 2}}), ("b", {"x": {"y": 3}}), ("c", {"w": 1})], "default")
    assert origins.file(("x", "y")) == "b" and origins.file(("x", "z")) == "a" and origins.file(("q",)) == "default"
    assert origins.file(("x",)) == "b"


def test_validation_imports_no_torch():
    code = ("import sys; from longvid import config; config.load('config.yaml', 'tests/smoke/config.yaml'); "
            "assert 'torch' not in sys.modules, 'torch imported'")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_snakemake_dry_run_fails_at_parse_time_naming_the_file(tmp_path):
    """`snakemake -n` with a bad override fails before planning, naming experiment, key and the --configfile."""
    override = tmp_path / "override.yaml"
    override.write_text("experiments:\n  g3an_ucf101_64:\n    set: {train.epochs: 1.5}\n")
    (tmp_path / "config.yaml").symlink_to(ROOT / "config.yaml")
    proc = subprocess.run([sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "-d", str(tmp_path), "-n",
                           "all_tables", "--configfile", str(override)], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "common.smk" in out and "Job stats" not in out  # raised while parsing, nothing planned
    assert f"{override}: train.epochs: must be an integer (got 1.5, set at experiments.g3an_ucf101_64" in out
    assert "experiment g3an_ucf101_64" in out


def test_a_run_that_extends_another_gets_its_upstream(full):
    """R3 trains from the R2 it extends (recipe inputs latents + r2): the nearest base of another family."""
    cfg = copy.deepcopy(full)
    gpt = {"gpt.n_layer": 2, "gpt.n_head": 2, "train.lr": 0.00005, "train.betas": [0.9, 0.95]}
    cfg["experiments"]["r3_test"] = {"base": "recall_taichi_128", "family": "r3", "set": gpt}
    cfg["experiments"]["r3_test_padzs"] = {"base": "r3_test", "set": {"gpt.format": "padzs"}}
    cfg = lvconfig.validate(cfg)
    assert lvconfig.recipe_inputs("r3") == ("latents", "r2") and lvconfig.recipe_inputs("recall") == ()
    assert lvconfig.upstream(cfg, "r3_test") == lvconfig.upstream(cfg, "r3_test_padzs") == "recall_taichi_128"
    assert lvconfig.upstream(cfg, "recall_taichi_128") is None  # a recall run built on recall runs extends none
    assert lvconfig.upstream(cfg, "encgan3_uva_64") is None
    cfg["experiments"]["r3_alone"] = {"family": "r3", "set": gpt | {"data.dataset": "taichi", "data.length": 24}}
    with pytest.raises(lvconfig.ConfigError, match="r3_alone: family r3 trains from the outputs of the run it extends"):
        lvconfig.validate(cfg)
