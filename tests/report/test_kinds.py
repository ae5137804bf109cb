"""The table-kind registry, the config schema and config.yaml agree; the workflow asks only the registry."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from longvid import config as lvconfig
from longvid.report import kinds, thesis
from longvid.report.kinds import data as data_kind
from longvid.report.kinds.memory import probe_settings

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())


@pytest.fixture(scope="module", params=[("config.yaml",), ("config.yaml", "tests/smoke/config.yaml")], ids=["full", "smoke"])
def cfg(request):
    return lvconfig.load(*(ROOT / p for p in request.param))


def test_schema_kinds_are_the_registry_keys():
    tables = SCHEMA["properties"]["tables"]["additionalProperties"]
    assert tables["properties"]["kind"]["enum"] == list(kinds.TABLE_KINDS)
    branches = {b["if"]["properties"]["kind"]["const"]: b["then"]["$ref"] for b in tables["allOf"]}
    assert branches == {k: f"#/$defs/table_{k}" for k in kinds.TABLE_KINDS}
    for kind in kinds.TABLE_KINDS:
        assert SCHEMA["$defs"][f"table_{kind}"]["properties"]["kind"] == {"const": kind}
    assert SCHEMA["$defs"]["table_data"]["properties"]["layout"]["enum"] == list(data_kind.LAYOUTS)


def test_every_table_is_declared_once_with_a_thesis_title(cfg):
    titles = thesis.table_titles()
    for table, spec in cfg["tables"].items():
        assert table.removeprefix("table_") in titles, table
        assert spec["kind"] in kinds.TABLE_KINDS
        assert kinds.table_inputs(cfg, table), table
        assert kinds.table_spec(cfg, table) == {**spec, "table": table, "run_type": cfg["run_type"]}
    assert kinds.tables_of_kind(cfg, "data") == ["table_3_1", "table_4_1", "table_4_4", "table_5_4"]
    assert kinds.table_inputs(cfg, "table_5_3") == ["results/tables/params.csv"]
    assert kinds.table_inputs(cfg, "table_5_4") == ["results/data/taichi_stats.json", "results/data/sky_stats.json"]
    assert probe_settings(cfg) == ["64x16", "128x16", "64x20"]


def test_table_titles_come_from_the_data_file():
    meta = yaml.safe_load((ROOT / "src/longvid/report/thesis_tables.yaml").read_text())
    assert thesis.table_titles() == {t: spec["title"] for t, spec in meta["tables"].items()}
    assert not hasattr(thesis, "TABLE_TITLES")  # no second copy


def test_bad_table_entries_fail_naming_the_table(cfg):
    bad = {**cfg, "tables": {**cfg["tables"], "table_3_1": {"kind": "data", "layout": "videos", "datasets": ["nope"]}}}
    with pytest.raises(ValueError, match=r"tables.table_3_1 \(data\): datasets \['nope'\] are not declared"):
        kinds.check_tables(bad)
    with pytest.raises(KeyError, match="no table kind 'cost'"):
        kinds.tables_of_kind(cfg, "cost")
    with pytest.raises(lvconfig.ConfigError, match="tables.table_5_3: 'variant' is a required property"):
        lvconfig.validate({**cfg, "tables": {"table_5_3": {"kind": "params", "rows": []}}})


def test_workflow_names_no_table():
    """Tables are declared in config.yaml only: the rules ask the registry, never a table id."""
    for path in [ROOT / "Snakefile", *sorted((ROOT / "workflow/rules").glob("*.smk"))]:
        ids = set(re.findall(r"table_\d+_\d+", path.read_text()))
        assert not ids, f"{path.relative_to(ROOT)} names {sorted(ids)}; declare the table in config.yaml instead"
