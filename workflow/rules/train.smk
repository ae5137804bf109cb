# Training (Alg. 1 and the later recipes) and sampling (Alg. 2 and the long-video samplers).


rule resolve_experiment:
    output:
        "results/runs/{experiment}/config.yaml",
    log:
        "results/logs/resolve_experiment/{experiment}.log",
    conda:
        "../../envs/longvid.yaml"
    params:
        run=get_run_json,
    shell:
        "python -m longvid resolve --run-json {params.run:q} --out {output} > {log} 2>&1"


rule train_model:
    input:
        unpack(get_train_inputs),
        cfg="results/runs/{experiment}/config.yaml",
    output:
        ckpt="results/runs/{experiment}/final.pt",
        metrics="results/runs/{experiment}/metrics.csv",
    log:
        "results/logs/train_model/{experiment}.log",
    benchmark:
        "results/benchmarks/train_model/{experiment}.tsv"
    conda:
        "../../envs/longvid.yaml"
    threads: CFG["threads"]["train"]
    resources:
        mem_mb=32000,
        runtime=get_train_runtime,
        gpu=1,
    params:
        segments=get_train_segments_arg,
        upstream=get_train_upstream_args,
    # exec: the trainer is the job's process, so a stop signal sent to the job reaches it (never an orphan)
    shell:
        "exec python -m longvid train --config {input.cfg} --videos $(dirname {input.videos})"
        " {params.segments} {params.upstream} --out {output.ckpt} --metrics {output.metrics} > {log} 2>&1"


rule sample_model:
    input:
        final="results/runs/{experiment}/final.pt",
        videos=get_sample_videos,
        segments=get_sample_segments,
    output:
        directory("results/samples/{experiment}/{sampler}/{epoch}"),
    log:
        "results/logs/sample_model/{experiment}_{sampler}_{epoch}.log",
    benchmark:
        "results/benchmarks/sample_model/{experiment}_{sampler}_{epoch}.tsv"
    conda:
        "../../envs/longvid.yaml"
    threads: CFG["threads"]["sample"]
    resources:
        mem_mb=16000,
        runtime=4 * 60,
        gpu=1,
    params:
        ckpt=get_sample_checkpoint,
        args=get_sample_args,
        seed=CFG["seed"],
    shell:
        "python -m longvid sample --checkpoint {params.ckpt} {params.args} --seed {params.seed}"
        " --out {output} > {log} 2>&1"
