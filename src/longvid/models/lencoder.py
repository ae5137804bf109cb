"""LEncGAN's recurrent two-stream Encoder (Sec. 4.2, Fig. 4.1, Alg. 3–5) and the `LEncGAN` model.

* Content stream: CoEnc (EncGAN3's conv trunk, fc set of width `hidden`) on *every* frame of the clip, then
  CoLSTM (one layer, input = hidden = 512, Sec. 4.2.4). Motion stream: MoEnc on the T−1 difference maps (Eq. 3.3),
  then MoLSTM, which replaces Mofc (Sec. 4.2.1).
* Latent space = the final LSTM cell state c_t of each stream (Alg. 3 lines 12 / 18, `z_c ← c_t`). "sample(z_c)"
  needs a mean and a variance: as in EncGAN3 one fc layer maps c_t to the mean and one to the log-variance
  (the thesis is silent on how a cell state is sampled — our reading).
* States across clips (Alg. 4 lines 14–15): the first clip of a video starts from zero states; a later clip starts
  from the previous clip's states, **detached** (no gradient reaches the previous clip).
* Switches of the Fig. 4.5–4.6 studies (`LEncGANConfig`): what is inherited (`state` = (h, c) as in Alg. 4,
  `cell` = c only, `output` = the LSTM output h only, `none`), from where (`last` frame as in Alg. 4 or the
  `middle` frame x_7, the "mid-state" of Sec. 4.5.1) and `recurrent: fc` (EncGAN3's stateless fc encoder,
  the LSTM-vs-FC comparison that led to R_Enc). `recon_target` (Fig. 4.4) is read by the LEncGAN recipe.
"""

from __future__ import annotations

import torch
from torch import nn

from .encoder import Encoder, conv_trunk, difference_maps
from .model import EncGAN3
from .sections import INHERIT, INHERIT_AT, RECON_TARGETS, RECURRENT, LEncGANConfig  # noqa: F401 (re-exported)


def keep_state(h: torch.Tensor, c: torch.Tensor, inherit: str):
    """The detached (h, c) the next clip starts from (Alg. 4 lines 14–15); zeros for the parts not inherited."""
    if inherit == "none":
        return None
    h, c = h.detach(), c.detach()
    if inherit == "cell":
        h = torch.zeros_like(h)
    elif inherit == "output":
        c = torch.zeros_like(c)
    return h, c


class LSTMStream(nn.Module):
    """Conv trunk per input → one-layer LSTM → (mu, logvar) of the final cell state; carries a detached state."""

    def __init__(self, cfg, pooled: bool, dim_z: int, lcfg: LEncGANConfig):
        super().__init__()
        self.lcfg = lcfg
        self.trunk = conv_trunk(cfg.replace(e_fc=lcfg.hidden), pooled)
        self.lstm = nn.LSTM(lcfg.hidden, lcfg.hidden, num_layers=1, batch_first=True)
        self.mu = nn.Linear(lcfg.hidden, dim_z)
        self.logvar = nn.Linear(lcfg.hidden, dim_z)

    def forward(self, inputs: torch.Tensor, state, split: int):
        """inputs (B, N, C, H, W), state None or (h, c) each (1, B, hidden); split = inputs before the carried
        state (N for `last`). Returns mu, logvar (B, dim_z) and the carry state for the next clip."""
        b, n = inputs.shape[:2]
        emb = self.trunk(inputs.flatten(0, 1)).view(b, n, -1)  # (B, N, hidden)
        _, (h, c) = self.lstm(emb[:, :split], state)  # (1, B, hidden) each
        carry = keep_state(h, c, self.lcfg.inherit)
        if split < n:
            _, (h, c) = self.lstm(emb[:, split:], (h, c))
        z = c[0]  # (B, hidden): the final cell state is the latent space (Alg. 3 line 12)
        return self.mu(z), self.logvar(z), carry


class LSTMEncoder(nn.Module):
    """Enc(clip, inherited states) -> (mu_c, logvar_c, mu_m, logvar_m); clip (B, T, C, H, W) in [-1, 1].

    Stateful between calls: `reset()` before the first clip of a batch of videos (zero states, Alg. 3), `advance()`
    after a clip to make its (detached) carry state the next clip's initial state (Alg. 4).
    """

    def __init__(self, cfg, lcfg: LEncGANConfig):
        super().__init__()
        self.lcfg = lcfg
        self.content = LSTMStream(cfg, pooled=False, dim_z=cfg.dim_zc, lcfg=lcfg)
        self.motion = LSTMStream(cfg, pooled=True, dim_z=cfg.dim_zm, lcfg=lcfg)
        self.state, self.next_state = None, None

    def reset(self) -> None:
        self.state, self.next_state = None, None

    def advance(self) -> None:
        self.state = self.next_state

    def forward(self, video: torch.Tensor, content_index: int | None = None):
        """`content_index` is accepted for interface parity with EncGAN3's Encoder and ignored (all frames)."""
        t, mid = video.shape[1], self.lcfg.middle
        at_middle = self.lcfg.inherit_at == "middle"
        s_c, s_m = self.state if self.state is not None else (None, None)
        mu_c, lv_c, carry_c = self.content(video, s_c, mid + 1 if at_middle else t)  # frames x_0..x_7 | all
        mu_m, lv_m, carry_m = self.motion(difference_maps(video), s_m, mid if at_middle else t - 1)  # v_1..v_7
        self.next_state = None if carry_c is None else (carry_c, carry_m)
        return mu_c, lv_c, mu_m, lv_m


class StatelessEncoder(Encoder):
    """`recurrent: fc`: EncGAN3's fc encoder with no-op state methods (nothing is inherited)."""

    def reset(self) -> None:
        pass

    def advance(self) -> None:
        pass


class LEncGAN(EncGAN3):
    """EncGAN3 with LEncGAN's recurrent encoder (G and D unchanged, Sec. 4.2.1).

    Generating a long video (Alg. 5): `start_video()`, then per consecutive clip `encode(clip)` (from the state
    the previous clip left), `next_clip()` (that clip's state becomes the next one's) and `generate(z_c, z_m)`.
    """

    def __init__(self, cfg, lcfg: LEncGANConfig):
        super().__init__(cfg.replace(use_encoder=False))  # G, D_I, D_V exactly as EncGAN3
        self.cfg = cfg
        self.lcfg = lcfg
        self.encoder = LSTMEncoder(cfg, lcfg) if lcfg.recurrent == "lstm" else StatelessEncoder(cfg)

    @property
    def clip(self) -> int:
        """Frames of one generated (and encoded) clip."""
        return self.lcfg.clip

    def start_video(self) -> None:
        """Zero states: the next `encode` reads the first clip of a batch of videos (Alg. 3, Alg. 5 line 3)."""
        self.encoder.reset()

    def next_clip(self) -> None:
        """The last encoded clip's (detached) state becomes the next clip's initial state (Alg. 4, Alg. 5 line 7)."""
        self.encoder.advance()


def build_lencgan(cfg, lcfg: LEncGANConfig) -> LEncGAN:
    """Construct LEncGAN from the model config and the `lencgan:` switches."""
    if not cfg.use_encoder:
        raise ValueError("LEncGAN needs the encoder: model.use_encoder must be true")
    if cfg.frames != lcfg.clip:
        raise ValueError(f"model.frames={cfg.frames} must equal lencgan.clip={lcfg.clip} (the generated clip)")
    return LEncGAN(cfg, lcfg)
