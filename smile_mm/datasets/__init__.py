"""Everything SMILE does to a clip before the model sees it."""
from .failure_tolerance import FailureTolerantMixin
from .object_bank import ObjectBank
from .object_motion import AuthorsMotion, ObjectMotion, PaperMotion
from .pipeline_order import check_pipeline_order
from .seeded_sampler import SeededSampler, sample_seed
from .static_clip_dataset import StaticClipDataset
from .tolerant_video_dataset import TolerantVideoDataset
from .transforms import (LoadStaticClip, SyntheticMotionOverlay,
                         TubeTrajectoryMaskGenerator)

__all__ = [
    'AuthorsMotion', 'FailureTolerantMixin', 'LoadStaticClip', 'ObjectBank',
    'ObjectMotion', 'PaperMotion', 'SeededSampler', 'StaticClipDataset',
    'SyntheticMotionOverlay', 'TolerantVideoDataset',
    'TubeTrajectoryMaskGenerator', 'check_pipeline_order', 'sample_seed'
]
