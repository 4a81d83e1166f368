from .video_mae_decoder import VideoMAEDecoder

__all__ = ['VideoMAEDecoder']
