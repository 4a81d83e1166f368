"""Using trained encoders outside the training loop."""
from .inference import load_encoder, prepare_frame, read_clip, to_clip

__all__ = ['load_encoder', 'prepare_frame', 'read_clip', 'to_clip']
