"""The workflow config: schema errors name the key, experiments expand as documented, cells match the thesis."""

from __future__ import annotations

import copy
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
    for table in smoke.get("tables", {}).values():  # only FVD length lists shrink
        assert all(cell["metric"].startswith("fvd_len_") for part in table.values() for cell in part)
    for sampler in smoke.get("samplers", {}).values():
        assert set(sampler) <= {"frames", "count"}
    for key in smoke["size_overrides"]:
        assert key.split(".")[1] in {"max_items", "fsa_after", "dim_zc", "g_ch", "d_ch", "e_ch", "e_fc", "batch_size", "epochs",
                                     "ckpt_every", "eval_every", "eval_count", "keep_epochs"}, key
