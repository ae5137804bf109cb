# R3 stage 1 -> 2 (Sec. 5.4.2-5.4.4): the training videos of a trained (improved) R2 as sequences of latent spaces,
# one token per recall window, frames beyond 1000 discarded. The R2's checkpoint is an input, so a retrained R2
# re-encodes; its sha256 is in the file, and training the GPT refuses another R2.


rule encode_latents:
    input:
        ckpt="results/runs/{experiment}/final.pt",
        videos=get_latents_videos,
    output:
        "results/latents/{experiment}/train.npz",
    log:
        "results/logs/encode_latents/{experiment}.log",
    benchmark:
        "results/benchmarks/encode_latents/{experiment}.tsv"
    conda:
        "../../envs/longvid.yaml"
    threads: CFG["threads"]["sample"]
    resources:
        mem_mb=16000,
        runtime=4 * 60,
        gpu=1,
    shell:
        "python -m longvid encode-latents --checkpoint {input.ckpt} --videos $(dirname {input.videos})"
        " --split train --out {output} > {log} 2>&1"
