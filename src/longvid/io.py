"""Video files <-> uint8 frame arrays (``T×H×W×C``, RGB), with PyAV.

Frames are returned in **presentation order**: some real recordings hand frames to the caller with timestamps
out of order (decode order, broken muxers); :func:`iter_frames` therefore passes the decoded frames through a
small reorder buffer keyed by ``pts`` and :func:`read_video` sorts the whole video by ``pts``. A file that cannot be
opened or decoded, or that holds fewer frames than its container declares (truncated), raises
:class:`VideoReadError` naming the file. Writers are atomic (temporary file in the same folder + ``os.replace``:
:func:`longvid.fsutil.atomic_path`; :class:`VideoWriter` encodes block by block and moves the file on ``close()``).
"""

from __future__ import annotations

import heapq
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from longvid.fsutil import atomic_path
from longvid.fsutil import atomic_write_bytes as atomic_write_bytes  # re-exported: data writers import it here

REORDER_WINDOW = 16  # frames held back to restore presentation order while streaming


class VideoReadError(RuntimeError):
    """A video file could not be decoded; the message names the file and the cause."""


def reorder_by_pts(pairs: Iterable[tuple[int | None, np.ndarray]], window: int = REORDER_WINDOW) -> Iterator:
    """Yield ``(pts, frame)`` in ascending ``pts`` from a stream that is out of order by < ``window`` frames.

    Frames without a timestamp (``pts is None``) keep their arrival position (their index is used as pts).
    """
    heap: list[tuple[int, int, np.ndarray]] = []
    for i, (pts, frame) in enumerate(pairs):
        key = i if pts is None else int(pts)
        heapq.heappush(heap, (key, i, frame))
        if len(heap) > window:
            key, _, out = heapq.heappop(heap)
            yield key, out
    while heap:
        key, _, out = heapq.heappop(heap)
        yield key, out


def _open(path: Path):
    import av

    if not path.is_file():
        raise VideoReadError(f"{path}: no such video file")
    try:
        container = av.open(str(path))
    except Exception as err:  # av.error.* (InvalidData, EOF, ...)
        raise VideoReadError(f"{path}: cannot open video ({err}); the file is corrupt or not a video") from err
    if not container.streams.video:
        container.close()
        raise VideoReadError(f"{path}: the file has no video stream")
    return container


def iter_frames(path: str | os.PathLike) -> Iterator[np.ndarray]:
    """Yield the frames of ``path`` as uint8 ``H×W×3`` RGB arrays in presentation order."""
    path = Path(path)
    container = _open(path)
    stream = container.streams.video[0]
    declared = int(stream.frames or 0)

    def decoded():
        for frame in container.decode(stream):
            yield frame.pts, frame.to_ndarray(format="rgb24")

    count = 0
    try:
        for _, frame in reorder_by_pts(decoded()):
            count += 1
            yield frame
    except VideoReadError:
        raise
    except Exception as err:
        raise VideoReadError(f"{path}: decoding failed after {count} frames ({err}); the file is corrupt") from err
    finally:
        container.close()
    if count == 0:
        raise VideoReadError(f"{path}: no frame could be decoded; the file is empty, truncated or corrupt")
    if declared and count < declared:
        raise VideoReadError(
            f"{path}: truncated: the container declares {declared} frames but only {count} decode; "
            "download or extract the file again")


def read_video(path: str | os.PathLike) -> np.ndarray:
    """Read a whole video: uint8 array ``(T, H, W, 3)``, frames sorted by presentation time."""
    frames = list(iter_frames(path))
    return np.stack(frames)


def read_pts(path: str | os.PathLike) -> list[int]:
    """Presentation timestamps of the decoded frames, in the order :func:`iter_frames` yields them."""
    path = Path(path)
    container = _open(path)
    try:
        stream = container.streams.video[0]
        pairs = ((f.pts, None) for f in container.decode(stream))
        return [pts for pts, _ in reorder_by_pts(pairs)]
    finally:
        container.close()


def video_codec(suffix: str) -> str:
    """Codec for a container: H.264 (libx264) in .mp4 when PyAV's FFmpeg has it, MPEG-4 part 2 otherwise."""
    import av

    if suffix.lower() in (".mp4", ".mkv", ".mov") and "libx264" in av.codecs_available:
        return "libx264"
    return "mpeg4"


class VideoWriter:
    """A video file written block by block (memory flat in the length), moved into place by :meth:`close`.

    The container comes from the suffix, the codec from :func:`video_codec` unless given; ``quality`` is the libx264
    CRF (or mapped to an MPEG-4 qscale); width and height must be even (yuv420p). Until ``close()`` the frames live
    in a hidden temporary file beside ``path``; :meth:`abort` removes it.
    """

    def __init__(self, path: str | os.PathLike, width: int, height: int, fps: float = 25.0,
                 codec: str | None = None, quality: int = 18):
        import av
        from fractions import Fraction

        self.path = Path(path)
        if height % 2 or width % 2:
            raise ValueError(f"{self.path}: yuv420p needs even frame sizes, got {width}x{height}; crop or pad first")
        self.codec, self.size = codec or video_codec(self.path.suffix), (height, width)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp{self.path.suffix}")
        self.container = av.open(str(self.tmp), mode="w")
        stream = self.container.add_stream(self.codec, rate=Fraction(fps).limit_denominator(1001))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        if self.codec == "libx264":
            stream.options = {"crf": str(quality), "preset": "veryfast"}
        else:
            stream.bit_rate = 8_000_000  # near-lossless cap; qmax bounds the quantiser
            stream.options = {"qmin": "1", "qmax": str(max(2, min(31, quality // 4)))}
        self.stream, self.frames = stream, 0

    def write(self, frames: np.ndarray) -> None:
        """Append uint8 ``(n, H, W, 3)`` frames."""
        import av

        frames = np.asarray(frames)
        if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8 or frames.shape[1:3] != self.size:
            raise ValueError(f"{self.path}: frames must be uint8 (n, {self.size[0]}, {self.size[1]}, 3), got "
                             f"{frames.dtype} {frames.shape}")
        for frame in frames:
            for packet in self.stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")):
                self.container.mux(packet)
        self.frames += len(frames)

    def close(self) -> Path:
        """Flush the encoder, close the file and move it into place."""
        try:
            for packet in self.stream.encode():
                self.container.mux(packet)
            self.container.close()
            os.replace(self.tmp, self.path)
        except BaseException:
            self.abort()
            raise
        return self.path

    def abort(self) -> None:
        """Drop the unfinished file."""
        try:
            self.container.close()
        except Exception:  # noqa: BLE001 - the file is being thrown away
            pass
        if self.tmp.exists():
            os.unlink(self.tmp)


def write_video(path: str | os.PathLike, frames: np.ndarray, fps: float = 25.0, codec: str | None = None,
                quality: int = 18) -> Path:
    """Write uint8 ``(T, H, W, 3)`` frames to ``path`` (container from the suffix) atomically (:class:`VideoWriter`)."""
    path = Path(path)
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise ValueError(f"{path}: frames must be uint8 (T, H, W, 3), got {frames.dtype} {frames.shape}")
    writer = VideoWriter(path, frames.shape[2], frames.shape[1], fps=fps, codec=codec, quality=quality)
    try:
        writer.write(frames)
    except BaseException:
        writer.abort()
        raise
    return writer.close()


def save_npy(path: str | os.PathLike, array: np.ndarray) -> Path:
    """Save ``array`` as ``.npy`` atomically (memory-mappable with ``np.load(path, mmap_mode="r")``)."""
    with atomic_path(path, suffix=".npy") as tmp:  # np.save appends .npy to a name without it
        np.save(tmp, np.ascontiguousarray(array))
    return Path(path)


def probe(path: str | os.PathLike) -> dict:
    """Container facts of a video: ``fps`` (float), ``frames`` (declared, 0 if unknown), ``width``, ``height``."""
    path = Path(path)
    container = _open(path)
    try:
        stream = container.streams.video[0]
        rate = stream.average_rate or stream.guessed_rate or 0
        return {"fps": float(rate), "frames": int(stream.frames or 0), "width": stream.codec_context.width,
                "height": stream.codec_context.height}
    finally:
        container.close()
