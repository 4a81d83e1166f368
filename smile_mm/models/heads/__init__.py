from .clip_target_head import CLIPTargetHead
from .repetition_count_head import RepetitionCountHead

__all__ = ['CLIPTargetHead', 'RepetitionCountHead']
