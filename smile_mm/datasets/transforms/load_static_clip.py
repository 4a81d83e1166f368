"""LoadStaticClip: one image repeated T times (no natural video needed)."""
from __future__ import annotations

from typing import Dict, Sequence

import cv2
import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

BACKGROUNDS = ('black', 'noise', 'image', 'video_frame')


@TRANSFORMS.register_module()
class LoadStaticClip(BaseTransform):
    """Make a clip of ``clip_len`` copies of one background image.

    The backgrounds of the paper's section 5 (Tables 7 and 12), onto which
    :class:`SyntheticMotionOverlay` pastes moving objects.

    Required keys: ``background`` (one of :data:`BACKGROUNDS`); ``filename``
    for ``'image'`` and ``'video_frame'``; ``frame_size`` ((H, W)) for
    ``'black'`` and ``'noise'``; optional ``noise_cell`` (1, the default:
    white noise; larger: smooth noise drawn on cells of that many pixels).

    Added keys: ``imgs`` ([T, H, W, 3] uint8 as a list of separate frames),
    ``clip_len``, ``num_clips`` (1), ``frame_inds``, ``total_frames``,
    ``original_shape``, ``img_shape``, and ``background_frame`` (the frame
    index used, for video frames).

    Args:
        clip_len: Frames per clip.
        frame_index: Which frame of a video: ``'random'`` or ``'middle'``.
    """

    def __init__(self, clip_len: int = 16, frame_index: str = 'random'):
        if clip_len < 1:
            raise ValueError(f'clip_len must be positive, got {clip_len}')
        if frame_index not in ('random', 'middle'):
            raise ValueError(f"frame_index must be 'random' or 'middle', got "
                             f'{frame_index!r}')
        self.clip_len = clip_len
        self.frame_index = frame_index

    @staticmethod
    def _size(results: Dict) -> Sequence[int]:
        size = results.get('frame_size')
        if size is None or len(size) != 2:
            raise ValueError(f"black and noise backgrounds need frame_size="
                             f"(H, W), got {size!r}")
        return int(size[0]), int(size[1])

    @staticmethod
    def _noise(size: Sequence[int], cell: int) -> np.ndarray:
        """Uniform noise; with ``cell > 1`` drawn on a grid of cells this
        many pixels wide and interpolated (smooth noise)."""
        if cell <= 1:
            return np.random.randint(0, 256, tuple(size) + (3, ), np.uint8)
        grid = tuple(max(2, -(-side // cell) + 1) for side in size)
        coarse = np.random.randint(0, 256, grid + (3, ), np.uint8)
        return cv2.resize(coarse, (size[1], size[0]),
                          interpolation=cv2.INTER_CUBIC)

    def _read_video_frame(self, results: Dict) -> np.ndarray:
        import decord
        reader = decord.VideoReader(results['filename'], num_threads=1)
        total = len(reader)
        if total == 0:
            raise ValueError(f"{results['filename']} has no frames")
        index = (total // 2 if self.frame_index == 'middle' else
                 int(np.random.randint(total)))
        results['background_frame'] = index
        return reader[index].asnumpy()

    def transform(self, results: Dict) -> Dict:
        background = results.get('background')
        if background == 'black':
            image = np.zeros(self._size(results) + (3, ), np.uint8)
        elif background == 'noise':
            image = self._noise(self._size(results),
                                int(results.get('noise_cell', 1)))
        elif background == 'image':
            image = cv2.imread(results['filename'], cv2.IMREAD_COLOR)
            if image is None:
                raise OSError(f"cannot read image {results['filename']}")
            image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        elif background == 'video_frame':
            image = self._read_video_frame(results)
        else:
            raise ValueError(f'background {background!r} is unknown; choose '
                             f'one of {BACKGROUNDS}')
        clip = np.repeat(image[None], self.clip_len, axis=0)
        # separate frames: in-place ops stay safe
        results.update(imgs=list(clip), clip_len=self.clip_len, num_clips=1,
                       frame_inds=np.arange(self.clip_len),
                       total_frames=self.clip_len,
                       original_shape=image.shape[:2],
                       img_shape=image.shape[:2])
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(clip_len={self.clip_len}, '
                f'frame_index={self.frame_index!r})')
