# longvid: reproduce "Long Video Generation using the VAE-GAN method" end to end.
# Targets: all_tables, all_figures, paper, data_tables, plan, bench, learning, and one per ablation in config.yaml.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/metrics.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/latents.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/bench.smk"
include: "workflow/rules/learning.smk"


localrules:
    all_tables,
    all_figures,
    paper,
    data_tables,
    plan,
    learning,
    resolve_experiment,
    segment_videos,
    dataset_stats,
    count_params,
    build_table,
    build_figure,


rule all_tables:
    input:
        get_table_files(),


rule all_figures:
    input:
        get_figure_files(),


rule paper:
    input:
        get_table_files(),
        get_figure_files(),


rule data_tables:
    input:
        get_data_table_files(),


rule learning:
    input:
        expand("results/learning/{family}.csv", family=CFG["learning"]["families"]),


for _ablation in config["ablations"]:

    rule:
        name:
            _ablation
        input:
            get_ablation_files(_ablation),
        localrule: True
