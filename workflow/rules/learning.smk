# Learning check (issue 12, docs/learning.md): per model family, one smoke-width training on a smoke dataset,
# scored over its training (FVD, held-out L1, retrieval, latent vs noise); the job fails on a failed verdict.


wildcard_constraints:
    family="[a-z0-9]+",


rule check_learning:
    input:
        videos=get_learning_videos,
    output:
        csv="results/learning/{family}.csv",
        figure="results/learning/{family}.png",
        verdict="results/learning/{family}.json",
    log:
        "results/logs/check_learning/{family}.log",
    benchmark:
        "results/benchmarks/check_learning/{family}.tsv"
    conda:
        "../../envs/longvid.yaml"
    threads: CFG["threads"]["train"]
    resources:
        mem_mb=8000,
        runtime=60,
    params:
        seeds=get_learning_seeds,
        settings=get_learning_settings,
    shell:
        "python -m longvid learning --family {wildcards.family} --videos $(dirname {input.videos})"
        " --seeds {params.seeds} --settings {params.settings:q} --out {output.csv} > {log} 2>&1"
