"""Procedural content of the smoke world: learnable structure, rendered with numpy only.

* People (Weizmann, KTH, UCF101, Tai-Chi): a stick figure (head, torso, two arms, two legs) whose *appearance*
  (colour, size, limb thickness) identifies the actor and whose *motion* (a function of time) identifies the
  action; the background colour identifies the scene. Tai-Chi figures move slowly along several incommensurate
  sinusoids, so hundreds of frames never repeat exactly.
* Faces (UvA-NEMO): an ellipse face with eyes and a mouth whose curvature goes neutral → smile → neutral.
* Sky: a smooth random cloud field drifting across a blue gradient while the light slowly changes.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.ndimage import gaussian_filter

ACTOR_LOOKS = (  # (RGB colour, scale, limb thickness in px at 120 px height)
    ((220, 60, 40), 1.00, 3.0),
    ((40, 90, 220), 0.85, 2.0),
    ((60, 170, 60), 1.10, 4.0),
    ((200, 170, 30), 0.95, 2.5),
)


def _segments_mask(yy, xx, segments, thickness):
    """Boolean mask of points within ``thickness`` of any segment ((y0, x0), (y1, x1))."""
    mask = np.zeros(yy.shape, dtype=bool)
    for (y0, x0), (y1, x1) in segments:
        dy, dx = y1 - y0, x1 - x0
        t = np.clip(((yy - y0) * dy + (xx - x0) * dx) / max(dy * dy + dx * dx, 1e-6), 0.0, 1.0)
        mask |= (yy - y0 - t * dy) ** 2 + (xx - x0 - t * dx) ** 2 <= thickness ** 2
    return mask


def pose(action: str, t: float) -> dict:
    """Pose parameters at time ``t`` (frames) for an action: offsets in body heights, angles in radians."""
    w = 2 * math.pi / 16  # one motion period = 16 frames
    p = {"dx": 0.0, "dy": 0.0, "lean": 0.0, "arm_l": 0.3, "arm_r": -0.3, "leg": 0.25}
    if action in ("walk", "walking", "WalkingWithDog", "run", "running", "jogging"):
        speed = {"running": 0.025, "run": 0.025, "jogging": 0.018}.get(action, 0.012)
        swing = math.sin(w * t)
        p.update(dx=-0.3 + speed * (t % 40), leg=0.5 * swing, arm_l=0.4 * swing, arm_r=-0.4 * swing)
    elif action == "bend":
        p.update(lean=0.9 * (1 - math.cos(w * t)) / 2, arm_l=0.2, arm_r=0.2)
    elif action in ("wave1", "wave2", "handwaving"):
        wave = 1.5 + math.sin(2 * w * t)
        p.update(arm_r=-wave, arm_l=0.3 if action == "wave1" else wave)
    elif action in ("jack", "JumpingJack", "handclapping"):
        a = (1 - math.cos(w * t)) / 2
        p.update(arm_l=0.3 + 2.2 * a, arm_r=-(0.3 + 2.2 * a), leg=0.15 + 0.35 * a, dy=-0.08 * a)
    elif action in ("boxing", "BoxingPunchingBag"):
        p.update(arm_l=1.57 * (0.5 + 0.5 * math.sin(w * t)), arm_r=-1.57 * (0.5 + 0.5 * math.sin(w * t + math.pi)))
    elif action == "taichi":
        p.update(dx=0.15 * math.sin(t / 47.0), dy=0.03 * math.sin(t / 29.0), lean=0.15 * math.sin(t / 37.0),
                 arm_l=1.2 + 0.9 * math.sin(t / 23.0), arm_r=-(1.2 + 0.9 * math.sin(t / 19.0 + 1.0)),
                 leg=0.2 + 0.15 * math.sin(t / 31.0))
    else:
        raise ValueError(f"no smoke motion for action {action!r}")
    return p


def render_person(height: int, width: int, n_frames: int, action: str, actor: int, scene: int = 0,
                  phase: float = 0.0) -> np.ndarray:
    """uint8 ``(n_frames, height, width, 3)``: actor ``actor`` doing ``action`` in scene ``scene``."""
    colour, scale, thick = ACTOR_LOOKS[actor % len(ACTOR_LOOKS)]
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.array([(170, 170, 160), (120, 150, 110), (150, 140, 170), (100, 100, 110)][scene % 4], np.float32)
    background = base * (0.8 + 0.2 * yy[..., None] / height)
    body = 0.48 * height * scale  # figure height in px (stays inside the Weizmann 20 px edge crop)
    thickness = thick * height / 120
    frames = np.empty((n_frames, height, width, 3), np.uint8)
    for i in range(n_frames):
        p = pose(action, i + phase)
        hip = (0.62 * height + p["dy"] * body, width / 2 + p["dx"] * width)
        neck = (hip[0] - 0.45 * body * math.cos(p["lean"]), hip[1] + 0.45 * body * math.sin(p["lean"]))
        arm = 0.3 * body
        limbs = [(hip, neck),
                 (neck, (neck[0] + arm * math.cos(p["arm_l"]), neck[1] - arm * math.sin(p["arm_l"]))),
                 (neck, (neck[0] + arm * math.cos(p["arm_r"]), neck[1] - arm * math.sin(p["arm_r"]))),
                 (hip, (hip[0] + 0.4 * body * math.cos(p["leg"]), hip[1] - 0.4 * body * math.sin(p["leg"]))),
                 (hip, (hip[0] + 0.4 * body * math.cos(p["leg"]), hip[1] + 0.4 * body * math.sin(p["leg"])))]
        mask = _segments_mask(yy, xx, limbs, thickness)
        head = (neck[0] - 0.12 * body, neck[1] + 0.05 * body * math.sin(p["lean"]))
        mask |= (yy - head[0]) ** 2 + (xx - head[1]) ** 2 <= (0.09 * body) ** 2
        frame = background.copy()
        frame[mask] = colour
        frames[i] = frame.astype(np.uint8)
    return frames


def render_face(size: int, n_frames: int, actor: int, spontaneous: bool) -> np.ndarray:
    """uint8 ``(n_frames, size, size, 3)``: a face smiling once (spontaneous smiles rise more slowly)."""
    skin = np.array([(230, 190, 160), (190, 140, 110), (150, 100, 70), (240, 210, 180)][actor % 4], np.float32)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    frames = np.empty((n_frames, size, size, 3), np.uint8)
    for i in range(n_frames):
        s = math.sin(math.pi * i / max(n_frames - 1, 1)) ** (2.0 if spontaneous else 0.7)  # smile amount 0..1
        nod = 0.02 * math.sin(2 * math.pi * i / n_frames)
        cy, cx = 0.5 + nod, 0.5
        frame = np.full((size, size, 3), (60, 60, 70), np.float32)
        face = ((yy - cy) / (0.36 + 0.03 * (actor % 3))) ** 2 + ((xx - cx) / 0.28) ** 2 <= 1
        frame[face] = skin
        for ex in (cx - 0.1, cx + 0.1):
            frame[(yy - (cy - 0.08)) ** 2 + (xx - ex) ** 2 <= 0.03 ** 2] = (30, 30, 30)
        mouth_y = cy + 0.15 - 0.25 * s * (xx - cx) ** 2 * 10
        mouth = (np.abs(yy - mouth_y) <= 0.012 + 0.01 * s) & (np.abs(xx - cx) <= 0.09 + 0.04 * s)
        frame[mouth] = (150, 30, 40)
        frames[i] = frame.astype(np.uint8)
    return frames


def render_sky(height: int, width: int, n_frames: int, seed: int) -> np.ndarray:
    """uint8 ``(n_frames, height, width, 3)``: drifting cloud texture over a blue gradient, slowly changing light."""
    rng = np.random.default_rng(seed)
    field = gaussian_filter(rng.standard_normal((height * 2, width * 3)), sigma=height / 8, mode="wrap")
    field = (field - field.mean()) / (field.std() + 1e-8)
    vy, vx = rng.uniform(0.05, 0.2), rng.uniform(0.4, 1.0)
    yy = np.arange(height, dtype=np.float32)[:, None, None] / height
    sky = np.array((70, 120, 210), np.float32) * (0.75 + 0.25 * yy) + np.array((40, 40, 20), np.float32) * yy
    frames = np.empty((n_frames, height, width, 3), np.uint8)
    for i in range(n_frames):
        oy, ox = int(vy * i) % height, int(vx * i) % (2 * width)
        clouds = np.clip(field[oy:oy + height, ox:ox + width] * 0.6 + 0.2, 0, 1)[..., None]
        light = 0.85 + 0.15 * math.sin(2 * math.pi * i / 200 + seed)
        frames[i] = np.clip((sky * (1 - clouds) + 245 * clouds) * light, 0, 255).astype(np.uint8)
    return frames
