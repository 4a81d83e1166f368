"""Pipeline transforms: background clips, motion overlay, token masking,
frame-consistent RandAugment."""
from .load_static_clip import LoadStaticClip
from .synthetic_motion_overlay import SyntheticMotionOverlay
from .tube_trajectory_mask import TubeTrajectoryMaskGenerator
from .video_rand_augment import VideoRandAugment

__all__ = [
    'LoadStaticClip', 'SyntheticMotionOverlay', 'TubeTrajectoryMaskGenerator',
    'VideoRandAugment'
]
