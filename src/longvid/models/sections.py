"""The run-config blocks of the families with their own options, torch-free: `recall:` (REncGAN / R2, Sec.
4.4–4.5), `lencgan:` (LEncGAN, Sec. 4.2) and `gpt:` (R3's GPT, Sec. 5.4). All are loaded by
`longvid.runconfig.load_section` (unknown keys, types) and check their ranges here; `longvid.families` names which
family reads which block.
"""

from __future__ import annotations

from dataclasses import dataclass

LOSSES = ("v1", "v2", "v3", "v4")  # recall.loss (Table 4.3)
LATENTS = ("sample", "mean")  # recall.latent: codes G is trained on (Fig. 5.8 "train: sample" / "train: mean")
RECURRENT = ("lstm", "fc")
INHERIT = ("state", "cell", "output", "none")
INHERIT_AT = ("last", "middle")
RECON_TARGETS = ("none", "first", "middle")
GPT_FORMATS = ("pad0", "padzs", "disc+cont")  # gpt.format: Eq. 5.5 / 5.6 / 5.7 (Table 5.9)


@dataclass(frozen=True)
class RecallConfig:
    """The run config's `recall:` block (defaults = REncGAN, Sec. 4.4; also read by the `ar2` family, Sec. 5.3)."""

    loss: str = "v4"  # v1 | v2 | v3 | v4 (Table 4.3); v5 is undefined in the thesis and refused
    r_enc: bool = True  # R_Enc: content frame x_r + frames rebuilt around it (Eq. 4.2–4.3); off = x_0, plain frames
    r3vd: bool = True  # R_3VD: stitched clip scored by D_V (Eq. 4.7); off = Eq. 4.6 (Tables 4.2 / 4.7 rows)
    overlap: int = 8  # T_o, frames shared by consecutive clips; clip shift r = clip - overlap (8)
    clip: int = 16  # frames per clip (T_c = 15)
    latent: str = "sample"  # training codes: sample z = mu + sigma * eps | mean z = mu (Sec. 5.5.3, Fig. 5.8)
    noise: bool | None = None  # EncGAN3's noise branch x~ = G(z~): None = the variant's own (v1-v3 on, v4 off);
    # true with v4 = improved R2 with the noise-generation loss (Table 5.7 "yes", Fig. 5.10)

    def __post_init__(self):
        if self.loss == "v5":
            raise ValueError("recall.loss: v5 is not defined in the thesis (Sec. 4.5.3 only names it; PROTOCOL §8.6) "
                             f"- choose one of {LOSSES}")
        if self.loss not in LOSSES:
            raise ValueError(f"recall.loss={self.loss!r}; choose one of {LOSSES}")
        if not 1 <= self.overlap < self.clip:
            raise ValueError(f"recall.overlap must be in [1, clip), got {self.overlap}")
        if self.latent not in LATENTS:
            raise ValueError(f"recall.latent={self.latent!r}; choose one of {LATENTS}")
        if self.noise is False and self.loss != "v4":
            raise ValueError(f"recall.loss {self.loss} is EncGAN3's schedule, which has the noise branch; "
                             "recall.noise: false needs recall.loss: v4")

    @property
    def shift(self) -> int:
        """Frames between the starts of consecutive clips (r = 8 for 16-frame clips with 8 overlapping)."""
        return self.clip - self.overlap

    @property
    def noise_branch(self) -> bool:
        """Whether training generates x~ = G(z~), z~ ~ N(0, I), as a fake for D and an adversarial term for G."""
        return self.loss != "v4" if self.noise is None else self.noise

    @property
    def window(self) -> int:
        """Frames of one training item: the two overlapping clips (24)."""
        return self.clip + self.shift

    @classmethod
    def from_run(cls, run_cfg: dict, source: str = "run config") -> "RecallConfig":
        from longvid.runconfig import load_section

        return load_section(cls, run_cfg.get("recall"), section="recall", source=source)


@dataclass(frozen=True)
class LEncGANConfig:
    """The run config's `lencgan:` block (defaults = Alg. 3–4 as printed)."""

    recurrent: str = "lstm"  # lstm (LEncGAN) | fc (stateless EncGAN3 encoder, Fig. 4.6 comparison)
    hidden: int = 512  # LSTM input and hidden size (Sec. 4.2.4)
    inherit: str = "state"  # what the next clip inherits: state (h, c; Alg. 4) | cell | output (h) | none (Fig. 4.5)
    inherit_at: str = "last"  # last frame of the clip (Alg. 4) | middle frame x_7 ("mid-state", Sec. 4.5.1)
    recon_target: str = "none"  # extra image reconstruction term on none | first x_0 | middle x_7 (Fig. 4.4)
    clip: int = 16  # frames per clip (T_c = 15); a training video is cut into consecutive clips

    def __post_init__(self):
        for name, allowed in (("recurrent", RECURRENT), ("inherit", INHERIT), ("inherit_at", INHERIT_AT),
                              ("recon_target", RECON_TARGETS)):
            if getattr(self, name) not in allowed:
                raise ValueError(f"lencgan.{name}={getattr(self, name)!r}; choose one of {allowed}")
        if self.recurrent == "fc" and self.inherit != "none":
            raise ValueError("lencgan.recurrent: fc has no state to inherit; set lencgan.inherit: none")
        if self.hidden < 1 or self.clip < 2:
            raise ValueError("lencgan.hidden must be >= 1 and lencgan.clip >= 2")

    @property
    def middle(self) -> int:
        """Index of the middle frame (x_7 for 16-frame clips, Sec. 4.5.1)."""
        return (self.clip - 1) // 2

    @classmethod
    def from_run(cls, run_cfg: dict, source: str = "run config") -> "LEncGANConfig":
        from longvid.runconfig import load_section

        return load_section(cls, run_cfg.get("lencgan"), section="lencgan", source=source)


@dataclass(frozen=True)
class GPTConfig:
    """The run config's `gpt:` block: R3's GPT over the latent sequences of a frozen R2 (Sec. 5.4.4, Table 5.9–5.10).

    Defaults = the thesis' GPT (1.36 B parameters, Table 5.3). The frozen R2 is the run's `model:` + `recall:`
    blocks (family `r3` reads both, docs/chapter5.md "R3").
    """

    n_layer: int = 48  # transformer blocks (Sec. 5.4.4)
    n_head: int = 24  # attention heads per block (Sec. 5.4.4)
    token: int | None = None  # token size = transformer width; None = the R2's latent size 2(dim_zc + dim_zm) = 1536
    # (pad0 / padzs have no tokenizer, Sec. 5.4.2); disc+cont's linear tokenizer sets it (Table 5.10: 1536/512/256)
    format: str = "pad0"  # pad0 | padzs | disc+cont (Eq. 5.5 / 5.6 / 5.7, Table 5.9)
    classes: int = 1  # class tokens of disc+cont (Eq. 5.7 `cls`); latent-file labels must be < classes
    max_frames: int = 1000  # frames of a training video read at most (Sec. 5.4.4, Sky); longer ones are cut
    clip: int = 16  # frames one latent token encodes (the R2's recall.clip)
    shift: int = 8  # frames between consecutive clips of a sequence (the R2's clip shift r)
    mlp_ratio: int = 4  # hidden width of a block's two fc layers / width (GPT-2's 4x; fits Table 5.3's 1.36 B)
    dropout: float = 0.0  # attention / residual dropout (not stated; 0 as nanoGPT for regression)
    beta: float = 1.0  # Smooth L1 beta of Eq. 5.3 (PyTorch default)
    weight_decay: float = 0.01  # AdamW decoupled weight decay on matrices (not stated; PyTorch's default)

    def __post_init__(self):
        if self.format not in GPT_FORMATS:
            raise ValueError(f"gpt.format={self.format!r}; choose one of {GPT_FORMATS}")
        if self.n_layer < 1 or self.n_head < 1 or self.mlp_ratio < 1 or self.classes < 1:
            raise ValueError("gpt.n_layer, n_head, mlp_ratio and classes must be >= 1")
        if self.token is not None and (self.token < 1 or self.token % self.n_head):
            raise ValueError(f"gpt.token={self.token} must be a positive multiple of gpt.n_head={self.n_head}")
        if not 1 <= self.shift <= self.clip <= self.max_frames:
            raise ValueError("gpt needs 1 <= shift <= clip <= max_frames")
        if not 0 <= self.dropout < 1 or self.beta <= 0 or self.weight_decay < 0:
            raise ValueError("gpt.dropout must be in [0, 1), gpt.beta > 0 and gpt.weight_decay >= 0")

    def check_model(self, model) -> tuple[str, str, str] | None:
        """(key, problem, fix) when this GPT cannot sit on the R2 `model` (a ModelConfig), else None."""
        latent = 2 * (model.dim_zc + model.dim_zm)
        if self.format != "disc+cont" and self.token not in (None, latent):
            return ("token", f"format {self.format} has no tokenizer: the token is the R2's latent of size {latent}",
                    "set gpt.token: null (or gpt.format: disc+cont)")
        width = self.token or latent
        if width % self.n_head:
            return ("n_head", f"does not divide the token size {width} (2 (model.dim_zc + model.dim_zm) without "
                    "a tokenizer)", "choose gpt.n_head dividing it")
        return None

    @property
    def max_tokens(self) -> int:
        """Latent tokens of the longest sequence: clips of `clip` frames every `shift` frames in `max_frames`."""
        return (self.max_frames - self.clip) // self.shift + 1

    @property
    def positions(self) -> int:
        """Positions of the GPT's input: max_tokens, + 3 discrete tokens (cls, two lengths) for disc+cont (Eq. 5.7)."""
        return self.max_tokens + (3 if self.format == "disc+cont" else 0)

    @classmethod
    def from_run(cls, run_cfg: dict, source: str = "run config") -> "GPTConfig":
        from longvid.runconfig import load_section

        return load_section(cls, run_cfg.get("gpt"), section="gpt", source=source)
