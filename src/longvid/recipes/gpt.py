"""R3 stage 2: training the GPT on latent sequences of a frozen improved R2 (Sec. 5.4.3–5.4.4, Eq. 5.3).

Inputs (``longvid train --latents FILE --r2 CKPT``): the latent-sequence file of the training videos
(``longvid.data.latentseq``, stage 1) and the R2 checkpoint that encoded them. The R2 is rebuilt from its
checkpoint, checked against the run config (``model:`` + ``recall:`` blocks, so an r3 experiment says which R2
it extends) and against the latent file (``meta.r2_checkpoint_sha256``), frozen, and stored in every R3 checkpoint.

Training: items in the input format of ``gpt.format`` (``longvid.data.latentset``, Eq. 5.5–5.7), a batch trimmed to
its longest valid item; output t regresses latent t + 1 with Smooth L1 (Eq. 5.3; beta ``gpt.beta``, the mean over
the elements of every target token: padding and discrete positions carry no target). AdamW with the run's
``train.lr`` / ``train.betas`` (5e-5, (0.9, 0.95) in config.yaml, Sec. 5.4.4) and ``gpt.weight_decay`` on the
weight matrices only (not biases, LayerNorms or embeddings, as GPT-2 / nanoGPT). bf16 autocast on CUDA.
"""

from __future__ import annotations

from pathlib import Path

from longvid.recipes.base import Recipe


def load_r2(path, meta: dict | None, run_cfg: dict):
    """The frozen R2 of checkpoint `path` (a `recall` family checkpoint matching the run's `model:` / `recall:`
    blocks and, given the latent file's `meta`, its `r2_checkpoint_sha256`) -> RecallModel in eval mode."""
    from longvid import families
    from longvid.data.store import file_sha256
    from longvid.train.checkpoint import load_checkpoint
    from longvid.train.rebuild import rebuild_model

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no R2 checkpoint; train the R2 the r3 experiment extends first (--r2)")
    if meta is not None and meta.get("r2_checkpoint_sha256") != file_sha256(path):
        raise ValueError(f"{path}: sha256 {file_sha256(path)[:12]}... is not the R2 that encoded the latent file "
                         f"(meta.r2_checkpoint_sha256 {str(meta.get('r2_checkpoint_sha256'))[:12]}...); re-encode "
                         "the training videos with this R2, or pass the R2 checkpoint that made the file")
    ckpt = load_checkpoint(path)
    args = ckpt.get("model_args") or {}
    if args.get("family") != "recall":
        raise ValueError(f"{path}: a {args.get('family')!r} checkpoint; R3 extends an (improved) R2, family recall")
    wanted = families.model_args(run_cfg)
    differ = [f"{s}.{k}" for s in ("model", "recall") for k in sorted(set(args[s]) | set(wanted[s]))
              if args[s].get(k) != wanted[s].get(k)]
    if differ:
        raise ValueError(f"{path}: the R2 was built with {', '.join(differ[:6])} other than the r3 run config's; "
                         "base the r3 experiment on the R2's experiment (same model: and recall: blocks)")
    return rebuild_model(ckpt, str(path))


class GPTRecipe(Recipe):
    """Next-latent Smooth L1 regression of the GPT; the R2 stays frozen."""

    inputs = ("latents", "r2")  # files `longvid train` must be given (--latents, --r2)

    @classmethod
    def build_model(cls, run_cfg: dict):
        """R3 with an untrained R2 (parameter counts, benchmarks); training loads the R2 in `prepare`."""
        from longvid import families

        return families.build_model(families.model_args(run_cfg))

    @classmethod
    def prepare(cls, run_cfg: dict, inputs: dict, log=print):
        """(R3 model with the frozen R2 of `inputs["r2"]`, dataset of `inputs["latents"]`)."""
        from longvid.data.latentseq import read_sequences
        from longvid.data.latentset import LatentSequenceDataset
        from longvid.models.r3 import R3Model
        from longvid.models.sections import GPTConfig

        data = read_sequences(inputs["latents"])
        r2 = load_r2(inputs["r2"], data.meta, run_cfg)
        model = R3Model(r2, GPTConfig.from_run(run_cfg))
        if data.token_size != model.gpt.latent:
            raise ValueError(f"{inputs['latents']}: tokens of size {data.token_size}, the R2's latent size is "
                             f"{model.gpt.latent}; re-encode with this R2")
        dataset = LatentSequenceDataset(data, model.gcfg, int(run_cfg.get("seed", 0)), str(inputs["latents"]))
        if dataset.dropped:
            log(f"[train] {inputs['latents']}: {dataset.dropped} sequence(s) of one token left out (no next token)")
        return model, dataset

    def __init__(self, model, cfg, ctx):
        import torch

        super().__init__(model, cfg, ctx)
        params = [p for p in model.gpt.parameters() if p.requires_grad]
        decay = [p for n, p in model.gpt.named_parameters() if p.dim() >= 2 and not n.startswith(("pos.", "discrete."))]
        rest = [p for p in params if all(p is not q for q in decay)]
        self.groups = {"gpt": params}
        self.optimizers = {"gpt": torch.optim.AdamW(
            [{"params": decay, "weight_decay": model.gcfg.weight_decay}, {"params": rest, "weight_decay": 0.0}],
            lr=cfg.lr, betas=tuple(cfg.betas))}

    def step(self, batch: dict) -> dict[str, float]:
        loss = self.loss(batch)
        self.update_parts(("gpt",), loss)
        return {"loss_gpt": loss.item()}

    def loss(self, batch: dict):
        """Eq. 5.3 on one batch: Smooth L1 between latent t + 1 and output t over every target position."""
        import torch.nn.functional as F

        length = int(batch["valid"].any(0).nonzero().max()) + 1  # the batch's longest valid item
        z, ids, valid, target = (batch[k][:, :length] for k in ("z", "ids", "valid", "target"))
        with self.ctx.autocast():
            pred = self.model.gpt(z, ids, valid)  # (B, L, D): output t predicts z[t + 1]
        hit = target[:, :-1]
        return F.smooth_l1_loss(pred[:, :-1][hit].float(), z[:, 1:][hit].float(), beta=self.model.gcfg.beta)
