# Thesis tables and figures, reproduced next to the numbers the thesis reports.


rule build_table:
    input:
        get_table_inputs,
    output:
        csv=report(
            "results/tables/{table}.csv",
            category="Tables",
            caption="../report/table.rst",
        ),
        md="results/tables/{table}.md",
        tex="results/tables/{table}.tex",
    log:
        "results/logs/build_table/{table}.log",
    conda:
        "../../envs/longvid.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        spec=get_table_spec,
    shell:
        "python -m longvid build-table --spec {params.spec:q} --inputs {input}"
        " --out results/tables/{wildcards.table} > {log} 2>&1"


rule build_figure:
    input:
        get_figure_inputs,
    output:
        png=report(
            "results/figures/{figure}.png",
            category="Figures",
            caption="../report/figure.rst",
        ),
        pdf="results/figures/{figure}.pdf",
    log:
        "results/logs/build_figure/{figure}.log",
    conda:
        "../../envs/longvid.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    params:
        spec=get_figure_spec,
    shell:
        "python -m longvid build-figure --spec {params.spec:q} --inputs {input}"
        " --out results/figures/{wildcards.figure} > {log} 2>&1"


rule count_params:
    output:
        "results/tables/params.csv",
    log:
        "results/logs/count_params.log",
    conda:
        "../../envs/longvid.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    shell:
        "python -m longvid params --out {output} > {log} 2>&1"
