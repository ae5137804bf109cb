# Acquisition, preprocessing and segmentation of the six datasets (Sec. 3.4.1, 4.5.1, 4.6.1, 5.5).


rule download_dataset:
    output:
        "resources/downloads/{dataset}/manifest.json",
    log:
        "results/logs/download_dataset/{dataset}.log",
    conda:
        "../../envs/longvid.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=24 * 60,
    params:
        source=get_download_source,
        options=get_dataset_options,
    shell:
        "python -m longvid download --dataset {wildcards.dataset} --source {params.source} {params.options}"
        " --out resources/downloads/{wildcards.dataset} > {log} 2>&1"


rule preprocess_videos:
    input:
        "resources/downloads/{dataset}/manifest.json",
    output:
        videos="resources/videos/{dataset}/{res}/videos.csv",
    log:
        "results/logs/preprocess_videos/{dataset}_{res}.log",
    benchmark:
        "results/benchmarks/preprocess_videos/{dataset}_{res}.tsv"
    conda:
        "../../envs/longvid.yaml"
    threads: CFG["threads"]["preprocess"]
    resources:
        mem_mb=8000,
        runtime=12 * 60,
    params:
        options=get_dataset_options,
    shell:
        "python -m longvid preprocess --dataset {wildcards.dataset} --downloads resources/downloads/{wildcards.dataset}"
        " --resolution {wildcards.res} {params.options} --workers {threads} --out resources/videos/{wildcards.dataset}/{wildcards.res} > {log} 2>&1"


rule segment_videos:
    input:
        "resources/videos/{dataset}/{res}/videos.csv",
    output:
        "resources/segments/{dataset}/{res}/{index}.csv",
    log:
        "results/logs/segment_videos/{dataset}_{res}_{index}.log",
    conda:
        "../../envs/longvid.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        window=get_segment_args,
    shell:
        "python -m longvid segment --videos resources/videos/{wildcards.dataset}/{wildcards.res}"
        " {params.window} --out {output} > {log} 2>&1"


rule dataset_stats:
    input:
        unpack(get_dataset_stats_inputs),
    output:
        "results/data/{dataset}_stats.json",
    log:
        "results/logs/dataset_stats/{dataset}.log",
    conda:
        "../../envs/longvid.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        options=get_stats_options,
    shell:
        "python -m longvid data-stats --dataset {wildcards.dataset} --videos $(dirname {input.videos})"
        " --segments {input.segments} {params.options} --out {output} > {log} 2>&1"
