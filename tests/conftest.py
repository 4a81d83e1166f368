"""Shared helpers: every test makes its own videos and images."""
import os
import os.path as osp
import warnings

import cv2
import numpy as np
import pytest

# smile_mm first: its compatibility fixes must precede mmaction.models.
import smile_mm  # noqa: F401

warnings.filterwarnings('ignore', message='.*pkg_resources.*')
warnings.filterwarnings('ignore', message='.*MultiScaleDeformableAttention.*')


def write_video(path: str, frames: np.ndarray, fps: float = 25.0) -> str:
    """Write RGB uint8 frames [T, H, W, 3] to an mp4v video."""
    height, width = frames.shape[1:3]
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), fps,
                             (width, height))
    assert writer.isOpened(), f'cannot write {path}'
    for frame in frames:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()
    return path


def write_rgba(path: str, rgba: np.ndarray) -> str:
    from PIL import Image
    os.makedirs(osp.dirname(path), exist_ok=True)
    Image.fromarray(rgba, 'RGBA').save(path)
    return path


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    """Object bank caches go to the test's own folder."""
    monkeypatch.setenv('SMILE_MM_CACHE', str(tmp_path / 'cache'))
