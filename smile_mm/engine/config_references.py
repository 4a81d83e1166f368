"""Config references: one setting, written once, read wherever it is used.

mmengine substitutes ``{{_base_.size}}`` when it parses a config file, so a
child config or ``--cfg-options size=112`` that sets ``size`` later reaches
nothing that had already read it. smile_mm's configs write such settings as
references instead, strings that name another entry of the same config:

* ``'${size}'`` is replaced by the value of the top-level entry ``size``,
  with its type (an int stays an int, a list a list);
* ``'${model.cls_head.num_classes}'`` follows a dotted path (list items by
  their index);
* ``'${data_root}/train.txt'`` puts the value into a longer string;
* ``'2 * ${stage_epochs} + ${warmup}'``, numbers and references to numbers
  under ``+ - * / //`` and parentheses, is computed (``int`` stays ``int``
  except through ``/``);
* ``'$${HOME}'`` is the literal text ``${HOME}``.

They are resolved when the runner is built (:class:`SMILERunner`), after
child configs and ``--cfg-options`` are merged; a cycle or a reference to a
missing entry is an error that names it.

OmegaConf is not used: its containers turn mmengine's tuples (which
mmaction2's transforms check for) into lists and cannot hold built objects.
"""
from __future__ import annotations

import ast
import operator
import re
from typing import Any, List, Mapping, Optional, Sequence

from mmengine.config import Config, ConfigDict

#: ``${path}`` not preceded by another ``$`` (``$${path}`` is literal text)
_REFERENCE = re.compile(r'(?<!\$)\$\{([A-Za-z_][\w.]*)\}')
_WHOLE = re.compile(r'\$\{([A-Za-z_][\w.]*)\}')
_ESCAPED = re.compile(r'\$(\$\{[A-Za-z_][\w.]*\})')
#: a string that is only references, numbers, operators and parentheses
_ARITHMETIC = re.compile(r'(\$\{[A-Za-z_][\w.]*\}|[\d.eE\s()+\-*/])+')
_OPERATOR = re.compile(r'[+\-*/]')
_OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub,
              ast.Mult: operator.mul, ast.Div: operator.truediv,
              ast.FloorDiv: operator.floordiv, ast.USub: operator.neg,
              ast.UAdd: operator.pos}


def is_reference(value: Any) -> bool:
    """Whether ``value`` is a string that still holds a ``${...}``
    reference."""
    return isinstance(value, str) and _REFERENCE.search(value) is not None


def reference_names(text: str) -> List[str]:
    """The dotted paths that the references in ``text`` name."""
    return _REFERENCE.findall(text)


def resolve_references(cfg: Config) -> Config:
    """A copy of ``cfg`` with every ``${...}`` reference replaced.

    Args:
        cfg: A config whose entries may hold references.

    Returns:
        A new :class:`Config` (same file name) without references and
        without the settings they read.

    Raises:
        ConfigSettingError: A top-level entry of a smile_mm config reaches
            nothing (:func:`~smile_mm.engine.config_settings.check_settings`).
        KeyError: A reference names an entry the config does not have.
        ValueError: References form a cycle.
    """
    from .config_settings import check_settings
    if not isinstance(cfg, Config):
        cfg = Config(dict(cfg))
    root = cfg.to_dict()
    read = check_settings(root, cfg.filename, cfg.text)
    resolved = {key: resolve_value(value, root, key)
                for key, value in root.items()}
    resolved = {key: value for key, value in resolved.items()
                if key not in read}
    return Config(resolved, cfg_text=cfg.text, filename=cfg.filename)


def resolve_value(value: Any, root: Mapping, where: str = '') -> Any:
    """``value`` with every reference replaced by the entry of ``root`` it
    names. Containers are rebuilt (dicts, lists, tuples); every other
    object (a built module, a data loader) is returned as it is."""
    return _Resolver(root).resolve(value, where, [where] if where else [])


class _Resolver:

    def __init__(self, root: Mapping) -> None:
        self.root = root

    def resolve(self, value: Any, where: str, chain: List[str]) -> Any:
        if isinstance(value, str):
            return self._string(value, where, chain)
        if isinstance(value, (dict, ConfigDict)):
            return type(value)({
                key: self.resolve(item, _join(where, key), chain)
                for key, item in value.items()})
        if isinstance(value, (list, tuple)):
            return type(value)(
                self.resolve(item, _join(where, str(index)), chain)
                for index, item in enumerate(value))
        return value

    def _string(self, text: str, where: str, chain: List[str]) -> Any:
        whole = _WHOLE.fullmatch(text)
        if whole:
            return self._lookup(whole.group(1), where, chain)
        if (_ARITHMETIC.fullmatch(text) and _REFERENCE.search(text)
                and _OPERATOR.search(_REFERENCE.sub('', text))):
            computed = self._arithmetic(text, where, chain)
            if computed is not _MISSING:
                return computed

        def substitute(match: 're.Match[str]') -> str:
            value = self._lookup(match.group(1), where, chain)
            if not isinstance(value, (str, int, float)):
                raise ValueError(
                    f'{where}: {text!r} puts ${{{match.group(1)}}} into a '
                    f'string, but it is {type(value).__name__} {value!r}; '
                    'only strings and numbers go into strings')
            return str(value)

        return _ESCAPED.sub(r'\1', _REFERENCE.sub(substitute, text))

    def _arithmetic(self, text: str, where: str, chain: List[str]) -> Any:
        """The value of ``text`` computed, or ``_MISSING`` when a
        reference in it is not a number (then it is put into the string)."""
        values = {}

        def name(match: 're.Match[str]') -> str:
            value = self._lookup(match.group(1), where, chain)
            values[f'_{len(values)}'] = value
            return f' _{len(values) - 1} '

        expression = _REFERENCE.sub(name, text)
        if not all(_is_number(value) for value in values.values()):
            return _MISSING
        try:
            return _evaluate(ast.parse(expression.strip(), mode='eval').body,
                             values)
        except (SyntaxError, ValueError, ZeroDivisionError) as error:
            raise ValueError(f'{where}: cannot compute {text!r}: '
                             f'{error}') from error

    def _lookup(self, path: str, where: str, chain: List[str]) -> Any:
        if path in chain:
            cycle = ' -> '.join(f'${{{name}}}' for name in chain + [path])
            raise ValueError(f'config references form a cycle: {cycle}')
        value: Any = self.root
        parts = path.split('.')
        for depth, part in enumerate(parts):
            if depth and isinstance(value, str) and _WHOLE.fullmatch(value):
                # a path through an entry that refers elsewhere
                value = self.resolve(value, '.'.join(parts[:depth]), chain)
            value = _child(value, part)
            if value is _MISSING:
                raise KeyError(
                    f'{where or "the config"} refers to ${{{path}}}, but the '
                    f'config has no entry {path}: set it in a child config or '
                    f'with --cfg-options {path}=...')
        return self.resolve(value, path, chain + [path])


_MISSING = object()


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _evaluate(node: ast.AST, values: Mapping[str, Any]) -> Any:
    """Numbers and names of ``values`` under + - * / // and signs."""
    if isinstance(node, ast.Constant) and _is_number(node.value):
        return node.value
    if isinstance(node, ast.Name) and node.id in values:
        return values[node.id]
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        return _OPERATORS[type(node.op)](_evaluate(node.left, values),
                                         _evaluate(node.right, values))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _OPERATORS:
        return _OPERATORS[type(node.op)](_evaluate(node.operand, values))
    raise ValueError('only numbers, + - * / // and parentheses are allowed')


def _child(value: Any, part: str) -> Any:
    if isinstance(value, Mapping):
        return value.get(part, _MISSING)
    if isinstance(value, Sequence) and not isinstance(value, str) \
            and part.isdigit() and int(part) < len(value):
        return value[int(part)]
    return _MISSING


def _join(where: str, key: Optional[str]) -> str:
    return f'{where}.{key}' if where else str(key)
