# Real-data features for FVD / video FID, and the per-dataset classifiers of video IS (Sec. 3.4.3).
# Every real set holds evaluation.real_clips clips spread over the eligible videos (docs/metrics.md "Real set").


rule cache_real_features:
    input:
        "resources/videos/{dataset}/{res}/videos.csv",
    output:
        "resources/features/{detector}/{dataset}/{res}/{length}f.npz",
    log:
        "results/logs/cache_real_features/{detector}_{dataset}_{res}_{length}f.log",
    benchmark:
        "results/benchmarks/cache_real_features/{detector}_{dataset}_{res}_{length}f.tsv"
    conda:
        "../../envs/longvid.yaml"
    threads: CFG["threads"]["features"]
    resources:
        mem_mb=16000,
        runtime=6 * 60,
        gpu=1,
    params:
        clips=get_real_clips,
        seed=CFG["seed"],
    shell:
        "python -m longvid cache-real-features --videos resources/videos/{wildcards.dataset}/{wildcards.res}"
        " --detector {wildcards.detector} --length {wildcards.length} --count {params.clips} --seed {params.seed}"
        " --batch-size 16 --out {output} > {log} 2>&1"


# Fig. 4.9: real clips of long videos only (Taichi over 400 frames, Sky over 1024), for fvd_along_16f.
rule cache_long_real_features:
    input:
        "resources/videos/{dataset}/{res}/videos.csv",
    output:
        "resources/features/{detector}/{dataset}/{res}/{length}f_min{min_frames}.npz",
    log:
        "results/logs/cache_real_features/{detector}_{dataset}_{res}_{length}f_min{min_frames}.log",
    benchmark:
        "results/benchmarks/cache_real_features/{detector}_{dataset}_{res}_{length}f_min{min_frames}.tsv"
    wildcard_constraints:
        min_frames="[1-9][0-9]*",
    conda:
        "../../envs/longvid.yaml"
    threads: CFG["threads"]["features"]
    resources:
        mem_mb=16000,
        runtime=6 * 60,
        gpu=1,
    params:
        clips=get_real_clips,
        seed=CFG["seed"],
    shell:
        "python -m longvid cache-real-features --videos resources/videos/{wildcards.dataset}/{wildcards.res}"
        " --detector {wildcards.detector} --length {wildcards.length} --min-frames {wildcards.min_frames}"
        " --count {params.clips} --seed {params.seed} --batch-size 16 --out {output} > {log} 2>&1"


# Chapter 3's video FID: real clips drawn with the dataset's training step range (steps LO..HI).
rule cache_stepped_real_features:
    input:
        "resources/videos/{dataset}/{res}/videos.csv",
    output:
        "resources/features/{detector}/{dataset}/{res}/{length}f_s{lo}-{hi}.npz",
    log:
        "results/logs/cache_real_features/{detector}_{dataset}_{res}_{length}f_s{lo}-{hi}.log",
    benchmark:
        "results/benchmarks/cache_real_features/{detector}_{dataset}_{res}_{length}f_s{lo}-{hi}.tsv"
    wildcard_constraints:
        lo="[1-9][0-9]*",
        hi="[1-9][0-9]*",
    conda:
        "../../envs/longvid.yaml"
    threads: CFG["threads"]["features"]
    resources:
        mem_mb=16000,
        runtime=6 * 60,
        gpu=1,
    params:
        clips=get_real_clips,
        seed=CFG["seed"],
    shell:
        "python -m longvid cache-real-features --videos resources/videos/{wildcards.dataset}/{wildcards.res}"
        " --detector {wildcards.detector} --length {wildcards.length} --steps {wildcards.lo},{wildcards.hi}"
        " --count {params.clips} --seed {params.seed} --batch-size 16 --out {output} > {log} 2>&1"


rule train_classifier:
    input:
        "resources/videos/{dataset}/{res}/videos.csv",
    output:
        "resources/classifiers/{dataset}_{res}_{label}.pt",
    log:
        "results/logs/train_classifier/{dataset}_{res}_{label}.log",
    benchmark:
        "results/benchmarks/train_classifier/{dataset}_{res}_{label}.tsv"
    conda:
        "../../envs/longvid.yaml"
    threads: CFG["threads"]["classifier"]
    resources:
        mem_mb=16000,
        runtime=12 * 60,
        gpu=1,
    params:
        options=get_classifier_params,
        seed=CFG["seed"],
    shell:
        "python -m longvid train-classifier --videos resources/videos/{wildcards.dataset}/{wildcards.res}"
        " --label {wildcards.label} {params.options} --seed {params.seed} --out {output} > {log} 2>&1"


rule evaluate_model:
    input:
        unpack(get_eval_inputs),
    output:
        "results/metrics/{experiment}/{sampler}/{epoch}.json",
    log:
        "results/logs/evaluate_model/{experiment}_{sampler}_{epoch}.log",
    benchmark:
        "results/benchmarks/evaluate_model/{experiment}_{sampler}_{epoch}.tsv"
    conda:
        "../../envs/longvid.yaml"
    threads: CFG["threads"]["evaluate"]
    resources:
        mem_mb=16000,
        runtime=4 * 60,
        gpu=1,
    params:
        metrics=get_eval_metrics,
        classifiers=get_classifier_args,
        splits=CFG["evaluation"]["is_splits"],
        detectors=f"--fvd-detector {CFG['evaluation']['detector']} --fid-detector {CFG['evaluation']['fid_detector']}",
        along=get_eval_along_arg,
        real=get_eval_real_args,
    shell:
        "python -m longvid evaluate --samples {input.samples} --real-features {input.real}"
        " --metrics {params.metrics} {params.classifiers} --is-splits {params.splits} {params.detectors}"
        " {params.along} {params.real}"
        " --batch-size 16 --out {output} > {log} 2>&1"
