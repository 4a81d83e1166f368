"""VideoRandAugment: RandAugment with the same operations on every frame."""
from __future__ import annotations

import random
from typing import Dict

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform
from PIL import Image


@TRANSFORMS.register_module()
class VideoRandAugment(BaseTransform):
    """timm's RandAugment, applied identically to all frames of a clip.

    VideoMAE's fine-tuning augmentation, RandAug(9, 0.5) in the paper's
    Table 17. The operations and magnitudes are drawn once per clip (numpy's
    and ``random``'s states are replayed for each frame).

    Args:
        magnitude: Magnitude of the operations (0-10).
        magnitude_std: Standard deviation of the magnitude noise.
        num_layers: Operations per clip.
        increasing: timm's increasing-severity variants of the operations.
    """

    def __init__(self, magnitude: int = 9, magnitude_std: float = 0.5,
                 num_layers: int = 2, increasing: bool = True) -> None:
        from timm.data.auto_augment import rand_augment_transform
        config = f'rand-m{magnitude}-n{num_layers}-mstd{magnitude_std}'
        if increasing:
            config += '-inc1'
        self.config = config
        self.augment = rand_augment_transform(
            config, hparams=dict(img_mean=(124, 116, 104)))

    def transform(self, results: Dict) -> Dict:
        numpy_state, python_state = np.random.get_state(), random.getstate()
        frames = []
        for frame in results['imgs']:
            np.random.set_state(numpy_state)
            random.setstate(python_state)
            frames.append(np.asarray(self.augment(Image.fromarray(frame))))
        results['imgs'] = frames
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}({self.config!r})'
