"""The 'smile_mm' registry scope, so that ``smile_mm::path`` config names work.

smile_mm's components live in mmaction2's registries. mmengine stamps the
parts of a ``smile_mm::`` base config with ``_scope_='smile_mm'``, which
needs a registry of that scope in every registry tree: here, an empty child
of each of mmaction2's registries that hands every name to its parent.
"""
from __future__ import annotations

from typing import Dict

import mmaction.registry as mmaction_registry
from mmengine.config.utils import MODULE2PACKAGE
from mmengine.registry import Registry

SCOPE = 'smile_mm'


class ScopeOfMMAction(Registry):
    """A registry of scope 'smile_mm' that hands every name to its parent,
    mmaction2's registry."""

    def get(self, key: str):
        scope, name = self.split_scope_key(key)
        return self.parent.get(name if scope == SCOPE else key)


#: mmaction2's registry name (MODELS, DATASETS ...): its 'smile_mm' child
REGISTRIES: Dict[str, Registry] = {
    name: ScopeOfMMAction(parent.name, parent=parent, scope=SCOPE)
    for name, parent in vars(mmaction_registry).items()
    if isinstance(parent, Registry) and parent.scope == 'mmaction'}

MODULE2PACKAGE.setdefault(SCOPE, SCOPE)
