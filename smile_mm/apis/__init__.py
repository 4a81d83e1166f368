"""Using trained encoders outside the training loop."""
from .inference import (config_test_pipeline, data_preprocessor, load_config,
                        load_encoder, prepare_frame, read_clip, to_clip)

__all__ = ['config_test_pipeline', 'data_preprocessor', 'load_config',
           'load_encoder', 'prepare_frame', 'read_clip', 'to_clip']
