"""Annotation lists and file kinds: what a dataset reads before any file."""
from .annotation_list import AnnotationError, read_path_list, read_video_list

__all__ = ['AnnotationError', 'read_path_list', 'read_video_list']
