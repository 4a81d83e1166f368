"""Reading and writing checkpoints and outputs: safely, and whole."""
from .safe_load import (TRUST_ENV, UnsafeCheckpointError, authors_globals,
                        mmengine_globals, safe_load)

__all__ = ['TRUST_ENV', 'UnsafeCheckpointError', 'authors_globals',
           'mmengine_globals', 'safe_load']
