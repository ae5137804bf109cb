# Benchmarks (numbers in results/bench/, GPU figures recorded in docs/benchmarks.md) and the cost plan.


rule bench:
    input:
        expand(
            "results/bench/{name}.csv",
            name=[
                "data",
                "train",
                "metrics",
                "chapter5_memory",
                "vdrej_cost",
                "generate",
                "gpt",
            ],
        ),


rule run_benchmark:
    output:
        "results/bench/{name}.csv",
    log:
        "results/logs/run_benchmark/{name}.log",
    wildcard_constraints:
        name="data|train|metrics|recall|chapter5_memory|vdrej_cost|generate|gpt",
    conda:
        "../../envs/longvid.yaml"
    threads: CFG["threads"]["bench"]
    resources:
        mem_mb=16000,
        runtime=60,
        gpu=1,
    params:
        options=get_bench_options,
    shell:
        "python -m longvid bench {wildcards.name} {params.options} --out {output} > {log} 2>&1"


rule probe_memory:
    output:
        "results/probe/memory.csv",
    log:
        "results/logs/probe_memory.log",
    conda:
        "../../envs/longvid.yaml"
    threads: CFG["threads"]["bench"]
    resources:
        mem_mb=32000,
        runtime=60,
        gpu=1,
    params:
        options=get_probe_options,
    shell:
        "python -m longvid bench train --max-batch {params.options} --out {output} > {log} 2>&1"


rule plan:
    input:
        "results/bench/train.csv",
    output:
        "results/plan.csv",
    log:
        "results/logs/plan.log",
    conda:
        "../../envs/longvid.yaml"
    params:
        spec=get_plan_spec,
    shell:
        "python -m longvid plan --spec {params.spec:q} --bench {input} --out {output} 2>&1 | tee {log}"
