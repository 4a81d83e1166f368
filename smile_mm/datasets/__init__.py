"""Everything SMILE does to a clip before the model sees it."""
from .annotation_list import AnnotationError, read_path_list, read_video_list
from .failure_tolerance import FailureTolerantMixin
from .loading_guard import LoadingStep, UnreadableSample, guard_loading
from .multiple_sampling import MultipleSamplingMixin
from .object_bank import ObjectBank
from .object_motion import AuthorsMotion, ObjectMotion, PaperMotion
from .pipeline_order import check_pipeline_order
from .repetition_count_dataset import RepetitionCountDataset
from .sample_seeds import SampleSeeds, SeededSamplesMixin, sample_seed
from .seeded_dataset import SeededDataset
from .seeded_sampler import SeededSampler
from .static_clip_dataset import StaticClipDataset
from .tolerant_video_dataset import TolerantVideoDataset
from .transforms import (LoadStaticClip, SyntheticMotionOverlay,
                         TubeTrajectoryMaskGenerator, VideoRandAugment)

__all__ = [
    'AnnotationError', 'AuthorsMotion', 'FailureTolerantMixin',
    'LoadStaticClip', 'LoadingStep', 'MultipleSamplingMixin', 'ObjectBank',
    'ObjectMotion', 'PaperMotion', 'RepetitionCountDataset', 'SampleSeeds',
    'SeededDataset', 'SeededSampler', 'SeededSamplesMixin',
    'StaticClipDataset', 'SyntheticMotionOverlay', 'TolerantVideoDataset',
    'TubeTrajectoryMaskGenerator', 'UnreadableSample', 'VideoRandAugment',
    'check_pipeline_order', 'guard_loading', 'read_path_list',
    'read_video_list', 'sample_seed'
]
