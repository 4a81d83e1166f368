"""Everything SMILE does to a clip before the model sees it."""
from .annotation_list import AnnotationError, read_path_list, read_video_list
from .failure_tolerance import FailureTolerantMixin
from .object_bank import ObjectBank
from .object_motion import AuthorsMotion, ObjectMotion, PaperMotion
from .pipeline_order import check_pipeline_order
from .repetition_count_dataset import RepetitionCountDataset
from .seeded_sampler import SeededSampler, sample_seed
from .static_clip_dataset import StaticClipDataset
from .tolerant_video_dataset import TolerantVideoDataset
from .transforms import (LoadStaticClip, SyntheticMotionOverlay,
                         TubeTrajectoryMaskGenerator, VideoRandAugment)

__all__ = [
    'AnnotationError', 'AuthorsMotion', 'FailureTolerantMixin', 'LoadStaticClip', 'ObjectBank',
    'ObjectMotion', 'PaperMotion', 'RepetitionCountDataset', 'SeededSampler',
    'StaticClipDataset',
    'SyntheticMotionOverlay', 'TolerantVideoDataset',
    'TubeTrajectoryMaskGenerator', 'VideoRandAugment', 'check_pipeline_order',
    'read_path_list', 'read_video_list', 'sample_seed'
]
