"""Shared helpers: every test makes its own videos and images."""
import os
import os.path as osp
import warnings

import cv2
import numpy as np
import pytest

# smile_mm first: its compatibility fixes must precede mmaction.models.
import smile_mm  # noqa: F401

import mmaction  # noqa: E402

warnings.filterwarnings('ignore', message='.*pkg_resources.*')
warnings.filterwarnings('ignore', message='.*MultiScaleDeformableAttention.*')

#: mmaction2 1.1 keeps labels and scores as LabelData (``gt_labels.item``,
#: ``pred_scores.item``); 1.2 as tensors (``gt_label``, ``pred_score``)
MMACTION_LABEL_DATA = mmaction.__version__.startswith('1.1.')


def sample_label(data_sample):
    """The ground-truth label tensor of an ActionDataSample."""
    if MMACTION_LABEL_DATA:
        return data_sample.gt_labels.item
    return data_sample.gt_label


def scored_sample(score, label) -> dict:
    """A prediction as the installed mmaction2's metrics read it."""
    if MMACTION_LABEL_DATA:
        return dict(pred_scores=dict(item=score), gt_labels=dict(item=label))
    return dict(pred_score=score, gt_label=label)


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
