"""`ModelConfig` of the EncGAN3 family and the `VARIANTS` registry of named presets (CLI choices).

One config describes EncGAN3 (Ch. 3), G³AN (no Encoder), the stream / F-SA ablations (Tables 3.4–3.5), the
R2 family (content encoder reads the reference frame x_r, Sec. 4.4) and improved R2 (`g_mode: 3d`, Sec. 5.2.1,
Table 5.6). Sizes the thesis does not state were fixed by matching Table 5.3's parameter counts
(docs/architecture.md).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

# G³ block widths / g_ch: G³AN's 512, 512, 256, 128, 64 at 64×64; the 128×128 block continues the halving (32)
GENERATOR_MULTS = {64: (8, 8, 4, 2, 1), 128: (8, 8, 4, 2, 1, 0.5)}


@dataclass(frozen=True)
class ModelConfig:
    resolution: int = 64  # frame size H = W: 64 or 128 (Sec. 3.4.2 scaling rule)
    frames: int = 16  # clip length T (T_c = 15, indices 0…15)
    channels: int = 3  # RGB
    dim_zc: int = 128  # content latent size (not stated in the thesis; G³AN appearance code 128)
    dim_zm: int = 10  # motion latent size per 16-frame clip (Sec. 4.5.3, G³AN)
    g_mode: str = "1p2d"  # video stream of the G³ blocks: 1p2d (EncGAN3, R2) | 2p1d | 3d (improved R2, Table 5.6)
    g_ch: int = 64  # generator base width; block widths g_ch * generator_mults
    g_mults: tuple[float, ...] | None = None  # G³ block width multipliers; None = GENERATOR_MULTS[resolution]
    fsa_after: int = 4  # F-SA on the video stream output of this G³ block (1-based, Sec. 3.4.2)
    d_ch: int = 64  # discriminator base width (G³AN)
    id_max_mult: int = 8  # image discriminator widths d_ch * 2^i capped at d_ch * id_max_mult
    vd_max_mult: int = 16  # video discriminator widths capped at d_ch * vd_max_mult (matters at 128×128)
    leaky_slope: float = 0.2  # LeakyReLU slope of D (not stated; G³AN)
    e_ch: int = 8  # encoder conv base width: e_ch * (1, 1, 2, 2, 4, 4[, 8, 8])
    e_fc: int = 160  # encoder fc width (embedding and hidden fc sets)
    encoder_fc_bn: bool = True  # BatchNorm in the encoder's fc sets (Sec. 3.4.2); false allows batch-1 training
    use_encoder: bool = True  # False = G³AN (no Encoder, noise path only)
    use_content_stream: bool = True  # spatial / content stream G_S (G_C in Table 3.4)
    use_temporal_stream: bool = True  # temporal / motion stream G_T
    use_fsa: bool = True  # factorised self-attention module (Tables 3.4, 3.5)
    content_index: int = 0  # frame the content encoder reads: 0 = x_0 (EncGAN3), 8 = x_r (R2 family)

    def __post_init__(self):
        if self.g_mults is not None:
            object.__setattr__(self, "g_mults", tuple(float(m) for m in self.g_mults))
        errors = []
        if self.resolution not in GENERATOR_MULTS:
            errors.append(f"resolution must be one of {sorted(GENERATOR_MULTS)}, got {self.resolution}")
        if self.g_mode not in ("1p2d", "2p1d", "3d"):
            errors.append(f"g_mode must be 1p2d, 2p1d or 3d, got {self.g_mode!r}")
        if self.frames < 2:
            errors.append(f"frames must be >= 2, got {self.frames}")
        if not 0 <= self.content_index < self.frames:
            errors.append(f"content_index must be in [0, frames), got {self.content_index}")
        if self.use_fsa and not 1 <= self.fsa_after <= len(self.generator_mults or ()):
            errors.append(f"fsa_after must name a G³ block (1…{len(self.generator_mults or ())}), got {self.fsa_after}")
        if errors:
            raise ValueError("invalid ModelConfig: " + "; ".join(errors))

    @property
    def generator_mults(self) -> tuple[float, ...]:
        """G³ block width multipliers (explicit `g_mults` or the resolution's default)."""
        return self.g_mults if self.g_mults is not None else GENERATOR_MULTS.get(self.resolution, ())

    @property
    def generator_widths(self) -> tuple[int, ...]:
        """Output width of every G³ block: max(1, round(g_ch * mult))."""
        return tuple(max(1, round(self.g_ch * m)) for m in self.generator_mults)

    @classmethod
    def from_dict(cls, values: dict, where: str = "model config") -> "ModelConfig":
        """Build from a mapping (e.g. the `model:` section of a run config); unknown keys or wrong types raise."""
        from longvid.runconfig import load_section

        return load_section(cls, values, section="model", source=where)

    def to_dict(self) -> dict:
        """Plain dict (lists instead of tuples) for YAML / checkpoints."""
        d = dataclasses.asdict(self)
        if d["g_mults"] is not None:
            d["g_mults"] = list(d["g_mults"])
        return d

    def replace(self, **changes) -> "ModelConfig":
        return dataclasses.replace(self, **changes)


_ENCGAN3_64 = ModelConfig()
_ENCGAN3_128 = ModelConfig(resolution=128)
_R2_128 = _ENCGAN3_128.replace(content_index=8)

VARIANTS: dict[str, ModelConfig] = {
    # Ch. 3: EncGAN3 and its baseline G³AN, 64×64 and 128×128
    "encgan3_64": _ENCGAN3_64,
    "encgan3_128": _ENCGAN3_128,
    "g3an_64": _ENCGAN3_64.replace(use_encoder=False),
    "g3an_128": _ENCGAN3_128.replace(use_encoder=False),
    # Table 3.4 / 3.5 ablations (64×64)
    "encgan3_64_no_content_stream": _ENCGAN3_64.replace(use_content_stream=False),
    "encgan3_64_no_temporal_stream": _ENCGAN3_64.replace(use_temporal_stream=False),
    "encgan3_64_no_streams": _ENCGAN3_64.replace(use_content_stream=False, use_temporal_stream=False),
    "encgan3_64_no_fsa": _ENCGAN3_64.replace(use_fsa=False),
    "g3an_64_no_fsa": _ENCGAN3_64.replace(use_encoder=False, use_fsa=False),
    # Ch. 4: R2 family (content encoder on x_r, r = 8), 64×64 ablations and 128×128
    "r2_64": _ENCGAN3_64.replace(content_index=8),
    "r2_128": _R2_128,
    # Ch. 5: improved R2 (3D video stream, Sec. 5.2.1) = the R2 of AR2 / R3 (Table 5.3); 1p2d = Table 5.6 row
    "improved_r2_128": _R2_128.replace(g_mode="3d", dim_zc=512, dim_zm=256),
    "improved_r2_128_1p2d": _R2_128.replace(dim_zc=512, dim_zm=256),
}


def model_config(model: dict | None, *, source: str = "run config", require_preset: bool = False):
    """The run's ModelConfig: `preset` (a key of longvid.models.VARIANTS) overridden by the other keys."""
    from longvid.runconfig import RunConfigError, load_section

    raw = dict(model or {})
    preset = raw.pop("preset", None)
    if preset is None and not require_preset:
        return load_section(ModelConfig, raw, section="model", source=source)
    if preset not in VARIANTS:
        raise RunConfigError("model.preset", preset, "is not a model preset",
                             f"choose one of {', '.join(sorted(VARIANTS))}", source)
    base = VARIANTS[preset].to_dict()
    load_section(ModelConfig, raw, section="model", source=source)  # names and types of the overrides
    return load_section(ModelConfig, base | raw, section="model", source=source)
