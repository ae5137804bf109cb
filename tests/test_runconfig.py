"""`longvid.runconfig.load_section`: the one strict loader (unknown keys, types from annotations, ranges, blame)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from longvid.runcheck import check_run
from longvid.runconfig import RunConfigError, load_section


@dataclass(frozen=True)
class Toy:
    name: str  # required
    count: int = 3
    rate: float = 0.5
    flag: bool = True
    pair: tuple[int, float] = (1, 2.0)
    items: tuple[str, ...] = ()
    limit: int | None = None

    def __post_init__(self):
        if self.count > 100:
            raise ValueError("count must be <= 100")


def load(**raw):
    return load_section(Toy, {"name": "x", **raw}, section="toy", source="toy.yaml", ranges={"rate": "> 0"})


@pytest.mark.parametrize("key, value, words", [
    ("count", 1.5, "an integer"), ("count", "ten", "an integer"), ("count", True, "an integer"),
    ("rate", "0.1", "a number"), ("flag", 1, "true or false"), ("name", 3, "a string"),
    ("pair", [1], "2 values"), ("pair", [1.5, 2], "an integer"), ("items", "abc", "a list"), ("items", [1], "a string"),
    ("limit", 2.0, "an integer or null"),
])
def test_wrong_types_name_the_key_and_value(key, value, words):
    with pytest.raises(RunConfigError) as err:
        load(**{key: value})
    assert err.value.key == f"toy.{key}" and err.value.value == value
    assert str(err.value).startswith(f"toy.yaml: toy.{key}: must be") and words in str(err.value)


def test_conversions():
    toy = load(rate=1, pair=[3, 4], items=["a", "b"], limit=None)
    assert toy.rate == 1.0 and isinstance(toy.rate, float) and toy.pair == (3, 4.0) and toy.items == ("a", "b")
    assert load(limit=7).limit == 7


def test_unknown_missing_range_and_post_init():
    with pytest.raises(RunConfigError, match=r"toy.cuont: unknown toy keys \['cuont'\].*did you mean toy.count"):
        load(cuont=3)
    with pytest.raises(RunConfigError, match="toy.name: is required"):
        load_section(Toy, {}, section="toy")
    with pytest.raises(RunConfigError, match=r"toy.rate: must be > 0 \(got 0"):
        load(rate=0)
    with pytest.raises(RunConfigError, match=r"toy.count: count must be <= 100 \(got 101\)"):
        load(count=101)  # __post_init__'s error, blamed on the key whose removal fixes it
    with pytest.raises(RunConfigError, match="toy: must be a mapping"):
        load_section(Toy, [1], section="toy")


def test_train_config_rejects_fractional_epochs_and_bad_ranges():
    from longvid.train.config import TrainConfig

    with pytest.raises(RunConfigError, match=r"run.yaml: train.epochs: must be an integer \(got 1.5\)"):
        TrainConfig.from_dict({"epochs": 1.5}, "run.yaml")
    for key, value in (("batch_size", -4), ("lr", 0.0), ("epochs", 0)):
        with pytest.raises(RunConfigError, match=f"train.{key}: must be"):
            TrainConfig.from_dict({key: value}, "run.yaml")
    assert TrainConfig.from_dict({"betas": [0.5, 0.9], "lr": 1}).betas == (0.5, 0.9)


RUN = {"experiment": "e", "family": "recall", "seed": 0, "run_type": "smoke",
       "data": {"dataset": "taichi", "resolution": 64, "length": 24, "sampling": "segments", "steps": [1, 1]},
       "model": {"preset": "r2_64"}, "train": {"batch_size": 4}, "recall": {"loss": "v2"}}


def test_check_run_builds_every_section():
    built = check_run(RUN)
    assert built["data"].length == 24 and built["model"].content_index == 8 and built["recall"].loss == "v2"
    with pytest.raises(RunConfigError, match="lencgan: is not a section of family recall"):
        check_run({**RUN, "lencgan": {}})
    with pytest.raises(RunConfigError, match="recall.loss"):
        check_run({**RUN, "recall": {"loss": "v5"}})
    with pytest.raises(RunConfigError, match="model.preset: builds 128px frames but data.resolution is 64"):
        check_run({**RUN, "model": {"preset": "r2_128"}})
    with pytest.raises(RunConfigError, match="train.eval_hooks"):
        check_run({**RUN, "train": {"eval_hooks": ["fvd"]}})
    with pytest.raises(RunConfigError, match="data.resolution: .* not in datasets.taichi.resolutions"):
        check_run(RUN, datasets={"taichi": {"resolutions": [128]}})


def test_segment_stride_is_checked_with_the_key_named():
    built = check_run({**RUN, "data": {**RUN["data"], "segment_stride": 8}})
    assert built["data"].segment_stride == 8
    for data, words in (({"segment_stride": "8"}, "data.segment_stride: must be an integer or null"),
                        ({"segment_stride": 0}, "data.segment_stride: data.segment_stride must be >= 1"),
                        ({"sampling": "step", "segment_stride": 8}, "data.segment_stride: .*only applies to"),
                        ({"length": 32}, "data.* 32-frame segments have no default stride")):
        with pytest.raises(RunConfigError, match=words):
            check_run({**RUN, "data": {**RUN["data"], **data}})
