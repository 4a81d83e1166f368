"""Reading and writing checkpoints and outputs: safely, and whole."""
from .atomic_write import (WHOLE_LOCAL, WholeLocalBackend, write_bytes_whole,
                           write_whole)
from .digest import file_digest
from .safe_load import (TRUST_ENV, UnsafeCheckpointError, authors_globals,
                        mmengine_globals, safe_load)

__all__ = ['TRUST_ENV', 'WHOLE_LOCAL', 'WholeLocalBackend', 'UnsafeCheckpointError', 'authors_globals',
           'file_digest', 'mmengine_globals', 'safe_load', 'write_bytes_whole',
           'write_whole']
