"""The recipe interface used by ``longvid.train.loop.fit`` and the pieces every GAN recipe shares."""

from __future__ import annotations


class Recipe:
    """One model family's training step. Subclasses set ``self.optimizers`` (name -> optimiser)."""

    min_batch = 1  # smallest batch the step accepts; the loop tops up a smaller last batch of an epoch
    inputs: tuple[str, ...] = ()  # files beyond videos / segments it trains from (`longvid train --<name>`)

    def __init__(self, model, cfg, ctx):
        self.model, self.cfg, self.ctx = model, cfg, ctx
        self.optimizers: dict = {}

    @classmethod
    def build_model(cls, run_cfg: dict):
        """Build the family's ``nn.Module`` from the run config's ``model`` block."""
        raise NotImplementedError

    @classmethod
    def prepare(cls, run_cfg: dict, inputs: dict, log=print):
        """(model, dataset) from the named input files of a recipe with ``inputs`` (R3: a latent file, an R2)."""
        raise NotImplementedError

    def step(self, batch: dict) -> dict[str, float]:
        """One training iteration on ``batch`` (``video`` (B, T, C, H, W) in [-1, 1]); returns loss values."""
        raise NotImplementedError

    def state_dict(self) -> dict:
        return {name: opt.state_dict() for name, opt in self.optimizers.items()}

    def load_state_dict(self, state: dict) -> None:
        missing = set(self.optimizers) - set(state)
        if missing:
            raise ValueError(f"checkpoint lacks optimiser states {sorted(missing)}")
        for name, opt in self.optimizers.items():
            opt.load_state_dict(state[name])

    def update_parts(self, names: tuple[str, ...], loss) -> None:
        """Zero the named parts' gradients, backward, average over ranks, step their optimisers (needs
        ``self.groups``: part name -> parameters, from ``model.param_groups()``)."""
        for name in names:
            self.optimizers[name].zero_grad(set_to_none=True)
        loss.backward()
        for name in names:
            self.ctx.sync_grads(self.groups[name])
            self.optimizers[name].step()


def adam(params, cfg):
    """Adam with the run's learning rate and betas (Sec. 3.4.2: lr 2e-4, betas (0.5, 0.999))."""
    import torch

    return torch.optim.Adam(params, lr=cfg.lr, betas=tuple(cfg.betas))
