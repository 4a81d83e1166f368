from .pos_embed import (GRID_KEY, UnknownGridError, describe_grid,
                        grid_candidates, record_grid, recorded_grid,
                        resize_pos_embed, source_grid)
from .token_index import split_by_mask, take_tokens

__all__ = [
    'GRID_KEY', 'UnknownGridError', 'describe_grid', 'grid_candidates',
    'record_grid', 'recorded_grid', 'resize_pos_embed', 'source_grid',
    'split_by_mask', 'take_tokens'
]
