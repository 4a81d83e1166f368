"""The segmented objects SMILE pastes: where they come from (procedural
shapes, RGBA files, image and mask pairs), how they are cached, and how they
move."""
from .object_bank import ObjectBank
from .object_motion import AuthorsMotion, ObjectMotion, PaperMotion

__all__ = ['AuthorsMotion', 'ObjectBank', 'ObjectMotion', 'PaperMotion']
