"""The 'smile_mm' registry scope, so that ``smile_mm::path`` config names work.

smile_mm registers its components in mmaction2's registries, so that
``default_scope='mmaction'`` configs, mmaction2's own tools and
``mim train mmaction`` find them. mmengine reads a base config named
``smile_mm::smile/finetune/...py`` from the installed package
(``smile_mm/.mim/configs``) and stamps its parts with ``_scope_='smile_mm'``,
which needs a registry of that scope in every registry tree: here, one
child of each of mmaction2's registries. They hold nothing of their own, so
every name falls through to mmaction2's registry, where smile_mm's
components are. mmengine also needs the package named in its table of
packages whose configs it may read (``MODULE2PACKAGE``).
"""
from __future__ import annotations

from typing import Dict

import mmaction.registry as mmaction_registry
from mmengine.config.utils import MODULE2PACKAGE
from mmengine.registry import Registry

SCOPE = 'smile_mm'


class ScopeOfMMAction(Registry):
    """A registry of scope 'smile_mm' that holds nothing of its own: every
    name goes to its parent, mmaction2's registry (which imports its
    modules on demand as it does for its own configs)."""

    def get(self, key: str):
        scope, name = self.split_scope_key(key)
        return self.parent.get(name if scope == SCOPE else key)


#: mmaction2's registry name (MODELS, DATASETS ...): its 'smile_mm' child
REGISTRIES: Dict[str, Registry] = {
    name: ScopeOfMMAction(parent.name, parent=parent, scope=SCOPE)
    for name, parent in vars(mmaction_registry).items()
    if isinstance(parent, Registry) and parent.scope == 'mmaction'}

MODULE2PACKAGE.setdefault(SCOPE, SCOPE)
