"""``TrainConfig``: the ``train:`` block of a resolved run config, and the schedule of the evaluation hooks.

Torch-free: the workflow and the run-config checks import it without the training stack.
"""

from __future__ import annotations

from dataclasses import dataclass

LOSS_VARIANTS = ("frames", "diffmaps_enc", "diffmaps")  # Eq. 3.1+3.4 / Eq. 3.9+3.4 / Eq. 3.9+3.10 (Table 3.6)
ENCODER_MODES = ("auto", "train_test", "train_only", "none")  # Table 3.5 rows; auto = follow model.use_encoder


@dataclass(frozen=True)
class TrainConfig:
    """The ``train:`` block of a resolved run config (defaults = Sec. 3.4.2 for EncGAN3 on UvA)."""

    batch_size: int = 10  # clips per process per iteration (Sec. 3.4.2: 10 for EncGAN3, 25 for G3AN)
    epochs: int = 3000  # passes over the clip set (Sec. 3.4.2: EncGAN3 good after 3,000)
    max_iters: int | None = None  # stop after this many iterations in total (smoke runs); None = epochs only
    lr: float = 2e-4  # Adam learning rate of D, Enc and G (Sec. 3.4.2; Table 3.6 also 4e-5)
    betas: tuple[float, float] = (0.5, 0.999)  # Adam (beta1, beta2) (Sec. 3.4.2)
    loss: str = "frames"  # one of LOSS_VARIANTS (Table 3.6)
    encoder_mode: str = "auto"  # one of ENCODER_MODES; auto = train_test with an encoder, none (G3AN) without
    recon_weight: float = 1.0  # weight of the L1 reconstruction terms (printed weight 1)
    kl_weight: float = 1.0  # weight of each KL term of Eq. 3.1 (printed weight 1)
    adv_weight: float = 1.0  # weight of each adversarial term (printed weight 1)
    kl_reduction: str = "elbo"  # "elbo" = Eq. 3.1's KL : L1 ratio (sum dims / (T*C*H*W)); "mean"; "batchmean"
    ckpt_every: int = 10  # epochs between periodic checkpoints checkpoints/epoch_XXXXX.pt (0 = none)
    keep_epochs: tuple[int, ...] = ()  # epochs whose checkpoint is kept as <out dir>/keep/epoch_XXXXX.pt (Fig. 3.12)
    keep_every: int = 0  # also keep every N-th epoch's checkpoint (Fig. 5.8-5.10: FVD every 10 epochs; 0 = none)
    eval_every: int = 100  # epochs between evaluation hooks (thesis curves: 100; FVD: 10; 0 = only at the end)
    eval_hooks: tuple[str, ...] = ("recon_l1",)  # names in train.hooks.EVAL_HOOKS; "name@N" = every N epochs
    eval_batch: int = 8  # clips in the fixed held-out batch of the recon_l1 hook
    eval_count: int = 64  # generated clips per call of the metric hooks vfid / fvd_16f / vis (longvid.metrics)
    log_every: int = 50  # iterations between progress lines / loss rows in metrics.csv
    amp: bool = True  # bf16 autocast on CUDA (ignored on CPU)
    channels_last: bool = False  # channels-last memory format on CUDA (ignored on CPU)
    num_workers: int = 2  # DataLoader worker processes per rank

    @classmethod
    def from_dict(cls, raw: dict | None, source: str = "config") -> "TrainConfig":
        """Build from the ``train:`` mapping (longvid.runconfig: unknown keys, types, ranges); errors name ``source``."""
        from longvid.runconfig import load_section

        ranges = {"batch_size": ">= 1", "epochs": ">= 1", "max_iters": ">= 1", "lr": "> 0", "recon_weight": ">= 0",
                  "kl_weight": ">= 0", "adv_weight": ">= 0", "ckpt_every": ">= 0", "keep_every": ">= 0",
                  "eval_every": ">= 0",
                  "eval_batch": ">= 1", "eval_count": ">= 2", "log_every": ">= 1", "num_workers": ">= 0"}
        return load_section(cls, raw, section="train", source=source, ranges=ranges)

    def validate(self, source: str = "config") -> None:
        if self.loss not in LOSS_VARIANTS:
            raise ValueError(f"{source}: train.loss={self.loss!r}; choose one of {LOSS_VARIANTS}")
        if self.encoder_mode not in ENCODER_MODES:
            raise ValueError(f"{source}: train.encoder_mode={self.encoder_mode!r}; choose one of {ENCODER_MODES}")
        if self.kl_reduction not in ("elbo", "mean", "batchmean"):
            raise ValueError(f"{source}: train.kl_reduction must be 'elbo', 'mean' or 'batchmean'")
        if self.batch_size < 1 or self.epochs < 1 or (self.max_iters is not None and self.max_iters < 1):
            raise ValueError(f"{source}: train.batch_size, epochs and max_iters must be >= 1")
        if len(self.betas) != 2:
            raise ValueError(f"{source}: train.betas must be two numbers, e.g. [0.5, 0.999]")


def keeps(tcfg: TrainConfig, epoch: int) -> bool:
    """Whether the run keeps its checkpoint of ``epoch`` in keep/ (``keep_epochs`` or a multiple of ``keep_every``)."""
    every = bool(tcfg.keep_every) and epoch % tcfg.keep_every == 0
    return 1 <= epoch <= tcfg.epochs and (epoch in tcfg.keep_epochs or every)


def hook_schedule(tcfg: TrainConfig) -> list[tuple[str, int]]:
    """(hook name, every N epochs) from ``eval_hooks`` entries ``name`` (every ``eval_every``) or ``name@N``."""
    out = []
    for entry in tcfg.eval_hooks:
        name, every = split_hook(entry)
        out.append((name, tcfg.eval_every if every is None else every))
    return out


def split_hook(entry) -> tuple[str, int | None]:
    """``"name"`` -> (name, None) (every ``eval_every``); ``"name@N"`` -> (name, N); a malformed N raises."""
    name, _, every = str(entry).partition("@")
    if every and not every.isdigit():
        raise ValueError(f"train.eval_hooks entry {entry!r}: write name or name@EPOCHS, e.g. fvd_16f@10")
    return name, int(every) if every else None
