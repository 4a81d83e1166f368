"""Reading and writing checkpoints and outputs: safely, and whole."""
from .atomic_write import (WHOLE_LOCAL, WholeLocalBackend, temporary_path,
                           write_bytes_whole, write_whole)
from .record_cache import RecordCache, StaleEntry, file_digest
from .safe_load import (TRUST_ENV, UnsafeCheckpointError, authors_globals,
                        mmengine_globals, safe_load)

__all__ = ['TRUST_ENV', 'WHOLE_LOCAL', 'WholeLocalBackend', 'RecordCache',
           'StaleEntry', 'UnsafeCheckpointError', 'authors_globals',
           'file_digest', 'mmengine_globals', 'safe_load', 'temporary_path',
           'write_bytes_whole', 'write_whole']
