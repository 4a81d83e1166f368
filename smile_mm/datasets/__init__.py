"""Everything SMILE does to a clip before the model sees it."""
from .lists import AnnotationError, read_path_list, read_video_list
from .objects import AuthorsMotion, ObjectBank, ObjectMotion, PaperMotion
from .repetition_count_dataset import RepetitionCountDataset
from .sample_pipeline import (MultipleClips, SeededSamples, SkipUnreadable,
                              sample_seed, seed_samples)
from .seeded_sampler import SeededSampler
from .static_clip_dataset import StaticClipDataset
from .tolerant_video_dataset import TolerantVideoDataset
from .transforms import (LoadStaticClip, SyntheticMotionOverlay,
                         TubeTrajectoryMaskGenerator, VideoRandAugment)
from .transforms.loading_guard import (LoadingStep, UnreadableSample,
                                       guard_loading)
from .transforms.pipeline_order import check_pipeline_order

__all__ = [
    'AnnotationError', 'AuthorsMotion', 'LoadStaticClip', 'LoadingStep',
    'MultipleClips', 'ObjectBank', 'ObjectMotion', 'PaperMotion',
    'RepetitionCountDataset', 'SeededSampler', 'SeededSamples',
    'SkipUnreadable', 'StaticClipDataset', 'SyntheticMotionOverlay',
    'TolerantVideoDataset', 'TubeTrajectoryMaskGenerator',
    'UnreadableSample', 'VideoRandAugment', 'check_pipeline_order',
    'guard_loading', 'read_path_list', 'read_video_list', 'sample_seed',
    'seed_samples'
]
