"""Pipeline transforms: background clips, motion overlay, token masking."""
from .load_static_clip import LoadStaticClip
from .synthetic_motion_overlay import SyntheticMotionOverlay
from .tube_trajectory_mask import TubeTrajectoryMaskGenerator

__all__ = [
    'LoadStaticClip', 'SyntheticMotionOverlay', 'TubeTrajectoryMaskGenerator'
]
