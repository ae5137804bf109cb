# Config validation and input functions; no rules here.
import json
import os

from longvid import config as lvconfig
from longvid.data.config import DEFAULT_STRIDES, index_of, segment_file
from longvid.metrics.evaluate import real_feature_file, real_feature_files
from longvid.report import kinds as table_kinds
from longvid.report.kinds.memory import probe_settings

lvconfig.use_running_interpreter()

# errors name the file that set the bad key: the Snakefile's configfile, a --configfile or --config
CFG = lvconfig.validate(
    dict(config),
    source="config (config.yaml and --configfile overrides)",
    files=lvconfig.snakemake_files(
        workflow.configfiles,
        workflow.overwrite_configfiles,
        workflow.config_settings.config,
    ),
)
table_kinds.check_tables(CFG, source="config (config.yaml and --configfile overrides)")
SMOKE = CFG["run_type"] == "smoke"


wildcard_constraints:
    dataset="[a-z0-9]+",
    experiment="[a-z0-9_]+",
    sampler="[a-z0-9]+",
    table="table_[0-9]+_[0-9]+",
    figure="figure_[0-9]+_[0-9]+",
    epoch="final|[0-9]+",
    res="64|128",
    length="[0-9]+",
    index="[0-9]+f(_s[0-9]+)?",
    label="action|actor",
    detector="[a-z0-9_]+",


def run_of(experiment):
    return lvconfig.resolve_experiment(CFG, experiment)


def videos_of(experiment):
    data = run_of(experiment)["data"]
    return f"resources/videos/{data['dataset']}/{data['resolution']}/videos.csv"


def segments_of(experiment):
    """The clip index a run's items come from (the recall models' 24f pairs at their stride), else None."""
    return index_of(run_of(experiment)["data"])


def get_segment_args(wildcards):
    """`24f` -> the length at its default stride; `24f_s8` -> 24-frame windows at stride 8 (data.config)."""
    length, _, stride = wildcards.index.partition("f")
    stride = stride.removeprefix("_s") or DEFAULT_STRIDES[int(length)]
    return f"--length {length} --stride {stride}"


# --- training and sampling ------------------------------------------------------------------------------------


def get_run_json(wildcards):
    return json.dumps(run_of(wildcards.experiment), sort_keys=True)


# The named inputs of a recipe that trains from the run it extends (`Recipe.inputs`, `longvid train --<name>`): R3's
# frozen R2 checkpoint and the latent sequences that R2 made of the training videos (workflow/rules/latents.smk).
UPSTREAM_FILES = {
    "r2": "results/runs/{upstream}/final.pt",
    "latents": "results/latents/{upstream}/train.npz",
}


def upstream_files(experiment):
    """{input name: file} of the run `experiment` extends (`longvid.experiments.upstream`), for its recipe."""
    names = lvconfig.recipe_inputs(run_of(experiment)["family"])
    up = lvconfig.upstream(CFG, experiment) if names else None
    return {name: UPSTREAM_FILES[name].format(upstream=up) for name in names}


def get_train_upstream_args(wildcards, input):
    return " ".join(
        f"--{name} {input[name]}" for name in upstream_files(wildcards.experiment)
    )


def get_train_inputs(wildcards):
    """The stored videos, what the run's metric hooks read (real features, the IS classifier) and the outputs of
    the run it extends (R3: the R2's checkpoint and latent sequences)."""
    run = run_of(wildcards.experiment)
    data, hooks = run["data"], [
        h.split("@")[0] for h in run["train"].get("eval_hooks", [])
    ]
    ds, res = data["dataset"], data["resolution"]
    inputs = {"videos": videos_of(wildcards.experiment)} | upstream_files(
        wildcards.experiment
    )
    if segments_of(wildcards.experiment):
        inputs["segments"] = segments_of(wildcards.experiment)
    if (
        "vfid" in hooks
    ):  # the hook's video FID: real clips at the run's own training steps
        inputs["fid_features"] = real_feature_file(
            CFG["evaluation"]["fid_detector"], ds, res, 16, steps=data["steps"]
        )
    if "fvd_16f" in hooks:
        inputs["fvd_features"] = real_feature_file(
            CFG["evaluation"]["detector"], ds, res, 16
        )
    if "vis" in hooks:
        inputs["classifier"] = (
            f"resources/classifiers/{ds}_{res}_{data.get('label', 'action')}.pt"
        )
    return inputs


def get_latents_videos(wildcards):
    """The stored videos an R2 (experiment) was trained on: the videos its latent sequences encode."""
    return videos_of(wildcards.experiment)


def get_train_runtime(wildcards):
    return 20 if SMOKE else 7 * 24 * 60


def get_sample_checkpoint(wildcards):
    """The final checkpoint, or one the run keeps (`train.keep_epochs`; written beside final.pt)."""
    if wildcards.epoch == "final":
        return f"results/runs/{wildcards.experiment}/final.pt"
    return (
        f"results/runs/{wildcards.experiment}/keep/epoch_{int(wildcards.epoch):05d}.pt"
    )


def get_sample_args(wildcards):
    spec = CFG["samplers"][wildcards.sampler]
    count = spec.get("count", CFG["evaluation"]["generated_clips"])
    args = f"--mode {spec['mode']} --count {count}"
    if "frames" in spec:
        args += f" --frames {spec['frames']}"
    if "latent" in spec:
        args += f" --latent {spec['latent']}"
    for key in ("candidates", "chunk"):  # VDrej's options (latent: vdrej)
        if key in spec:
            args += f" --{key} {spec[key]}"
    if get_sample_videos(wildcards):
        args += f" --videos {os.path.dirname(videos_of(wildcards.experiment))}"
    if get_sample_segments(wildcards):
        args += f" --segments {get_sample_segments(wildcards)}"
    return args


# --- evaluation -----------------------------------------------------------------------------------------------

EVALUATIONS = lvconfig.evaluations(CFG)


def metrics_of(wildcards):
    return EVALUATIONS[(wildcards.experiment, wildcards.sampler, wildcards.epoch)]


def get_eval_metrics(wildcards):
    return ",".join(metrics_of(wildcards))


def along_min_frames(wildcards):
    """Fig. 4.9: fvd_along_16f's real clips come from videos at least as long as the generated ones."""
    if "fvd_along_16f" not in metrics_of(wildcards):
        return 0
    # a sampler without frames writes clip-length samples
    return CFG["samplers"][wildcards.sampler].get("frames", 0)


def get_eval_along_arg(wildcards):
    return f"--along-min-frames {along_min_frames(wildcards)}"


def vfid_steps(wildcards):
    """Video FID's real clips: the dataset's training step range (one reference set per table column)."""
    return CFG["datasets"][run_of(wildcards.experiment)["data"]["dataset"]]["steps"]


def real_clips_overrides(dataset):
    """{clip length: real clips} of a dataset's `real_clips` (`16f: 12`), over evaluation.real_clips."""
    own = CFG["datasets"][dataset].get("real_clips") or {}
    return {int(key.removesuffix("f")): count for key, count in own.items()}


def get_real_clips(wildcards):
    """Clips of one real-feature file: its dataset's count for that clip length, else evaluation.real_clips."""
    return real_clips_overrides(wildcards.dataset).get(
        int(wildcards.length), CFG["evaluation"]["real_clips"]
    )


def get_eval_real_args(wildcards):
    """The real store, clip counts, seed and vfid steps every real-feature file is checked against."""
    lo, hi = vfid_steps(wildcards)
    dataset = run_of(wildcards.experiment)["data"]["dataset"]
    counts = "".join(
        f" --real-count-of {length}={count}"
        for length, count in sorted(real_clips_overrides(dataset).items())
    )
    return (
        f"--videos {os.path.dirname(videos_of(wildcards.experiment))}"
        f" --real-count {CFG['evaluation']['real_clips']}{counts} --seed {CFG['seed']} --vfid-steps {lo},{hi}"
    )


def get_eval_inputs(wildcards):
    run = run_of(wildcards.experiment)
    data = run["data"]
    ds, res = data["dataset"], data["resolution"]
    ev = CFG["evaluation"]
    inputs = {
        "samples": f"results/samples/{wildcards.experiment}/{wildcards.sampler}/{wildcards.epoch}",
        "videos": videos_of(wildcards.experiment),
        "real": real_feature_files(
            metrics_of(wildcards),
            ds,
            res,
            ev["detector"],
            ev["fid_detector"],
            along_min_frames(wildcards),
            vfid_steps=vfid_steps(wildcards),
        ),
    }
    for label in lvconfig.classifier_labels(metrics_of(wildcards)):
        inputs[f"classifier_{label}"] = f"resources/classifiers/{ds}_{res}_{label}.pt"
    return inputs


def get_classifier_args(wildcards, input):
    return " ".join(
        f"--classifier {key.split('_', 1)[1]}={path}"
        for key, path in input.items()
        if key.startswith("classifier_")
    )


# --- tables, figures, targets ---------------------------------------------------------------------------------


def table_files(table):
    return [f"results/tables/{table}.{ext}" for ext in ("csv", "md", "tex")]


def get_table_files():
    return [f for t in CFG["tables"] for f in table_files(t)]


def get_data_table_files():
    return [f for t in table_kinds.tables_of_kind(CFG, "data") for f in table_files(t)]


def figure_files(figure):
    return [f"results/figures/{figure}.{ext}" for ext in ("png", "pdf")]


def get_figure_files():
    return [f for fig in CFG["figures"] for f in figure_files(fig)]


def get_ablation_files(name):
    group = CFG["ablations"][name]
    return [f for t in group.get("tables", []) for f in table_files(t)] + [
        f for fig in group.get("figures", []) for f in figure_files(fig)
    ]


def get_table_inputs(wildcards):
    """The files of the table's kind (longvid.report.kinds: metric JSONs, dataset stats, params.csv, probe)."""
    return table_kinds.table_inputs(CFG, wildcards.table)


def get_table_spec(wildcards):
    """The table's config entry plus its id and run type, as JSON for `longvid build-table`."""
    return json.dumps(table_kinds.table_spec(CFG, wildcards.table), sort_keys=True)


def get_figure_spec(wildcards):
    spec = dict(
        CFG["figures"][wildcards.figure],
        figure=wildcards.figure,
        run_type=CFG["run_type"],
    )
    if spec["kind"] in ("frames", "along", "crops"):
        spec["panels"] = [list(p) for p in lvconfig.figure_panels(spec)]
    if spec["kind"] == "checkpoints":
        spec["lines"] = [list(p) for p in lvconfig.figure_panels(spec)]
    if "epochs" in spec:  # a range {first, every, last} becomes its list of epochs
        spec["epochs"] = lvconfig.figure_epochs(spec)
    return json.dumps(spec, sort_keys=True)


def get_train_segments_arg(wildcards, input):
    return f"--segments {input.segments}" if "segments" in input.keys() else ""


def get_figure_inputs(wildcards):
    spec = CFG["figures"][wildcards.figure]
    if spec["kind"] == "along":
        return [
            f"results/metrics/{exp}/{sampler}/final.json"
            for exp, sampler in lvconfig.figure_panels(spec)
        ]
    if spec["kind"] == "checkpoints":
        return [
            f"results/metrics/{exp}/{sampler}/{epoch}.json"
            for exp, sampler in lvconfig.figure_panels(spec)
            for epoch in lvconfig.figure_epochs(spec)
        ]
    if spec["kind"] == "curves":
        return sorted(
            f"results/runs/{exp}_{ds}_64/metrics.csv"
            for exp in spec["experiments"]
            for ds in spec["datasets"]
        )
    epochs = lvconfig.figure_epochs(spec)
    return [
        f"results/samples/{exp}/{sampler}/{epoch}"
        for exp, sampler in lvconfig.figure_panels(spec)
        for epoch in epochs
    ]


def get_stats_options(wildcards):
    """Taichi: the whole Tai-Chi-HD row of Table 4.4 comes from its metadata file, beside the subset we store."""
    if wildcards.dataset == "taichi":
        return "--taichi-metadata resources/downloads/taichi/taichi-metadata.csv"
    return ""


def get_dataset_stats_inputs(wildcards):
    """The store at the dataset's smallest resolution, its 16f (Table 4.4) and 24f (Table 5.4) indices and every
    other index its runs train on at that resolution (Chapter 4's 24f_s8, counted in Table 4.1's notes).
    """
    ds = wildcards.dataset
    res = min(CFG["datasets"][ds]["resolutions"])
    runs = [segments_of(name) for name in CFG["experiments"]]
    own = f"resources/segments/{ds}/{res}/"
    defaults = [segment_file(ds, res, 16), segment_file(ds, res, 24)]
    return {
        "videos": f"resources/videos/{ds}/{res}/videos.csv",
        "segments": defaults
        + sorted({p for p in runs if p and p.startswith(own) and p not in defaults}),
    }


def get_download_source(wildcards):
    return CFG["datasets"][wildcards.dataset]["source"]


def get_dataset_options(wildcards):
    """Options shared by download and preprocess: the seed, and the Taichi subset of Table 4.1."""
    subset = CFG["datasets"][wildcards.dataset].get("subset")
    opts = f"--seed {CFG['seed']}"
    if subset:
        opts += f" --taichi-subjects {subset['subjects']} --taichi-min-frames {subset['min_frames']}"
        opts += f" --taichi-max-frames {subset['max_frames']}"
    return opts


def get_classifier_params(wildcards):
    spec = CFG["evaluation"]["classifier"]
    return " ".join(f"--{k.replace('_', '-')} {v}" for k, v in sorted(spec.items()))


def get_sample_videos(wildcards):
    """Samplers that encode real clips read the experiment's stored videos (not noise, forced, ar2: Alg. 10)."""
    if CFG["samplers"][wildcards.sampler]["mode"] in ("noise", "forced", "ar2"):
        return []
    return videos_of(wildcards.experiment)


def get_sample_segments(wildcards):
    """Short-clip samplers of a run trained on fixed windows read its clip index (the recall models' 24f pairs)."""
    mode = CFG["samplers"][wildcards.sampler]["mode"]
    if mode in ("latent", "swap", "sum") and segments_of(wildcards.experiment):
        return segments_of(wildcards.experiment)
    return []


def get_bench_options(wildcards):
    return "--quick" if SMOKE else ""


def get_probe_options(wildcards):
    """The settings of every memory table (Table 3.7), probed in one job."""
    settings = " ".join(probe_settings(CFG))
    return f"--settings {settings}{' --quick' if SMOKE else ''}"


def get_plan_spec(wildcards):
    runs = {name: run_of(name) for name in CFG["experiments"]}
    return json.dumps({"run_type": CFG["run_type"], "runs": runs}, sort_keys=True)


# --- learning check (workflow/rules/learning.smk, docs/learning.md)
def get_learning_videos(wildcards):
    spec = CFG["learning"]
    return f"resources/videos/{spec['dataset']}/{spec['resolution']}/videos.csv"


def get_learning_seeds(wildcards):
    return " ".join(str(s) for s in CFG["learning"]["seeds"])


def get_learning_settings(wildcards):
    """The learning: block as JSON for `longvid learning --settings` (families and seeds travel separately)."""
    spec = {k: v for k, v in CFG["learning"].items() if k not in ("families", "seeds")}
    return json.dumps(spec, sort_keys=True)
