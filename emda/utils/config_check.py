"""Check a config's component names before anything is built.

MMEngine reports an unknown ``type`` as ``KeyError: 'Nope is not in the
emda::model registry'`` from deep inside a nested build: the value, not the
config key that holds it. :func:`check_component_names` walks the config
first and names the key path (``model.segmentor.backbone.type``) and the
closest registered names.
"""
import difflib
from typing import Iterator, List, Tuple

from mmengine.registry import FUNCTIONS, STRATEGIES, Registry


class UnknownComponentError(KeyError):
    """A config ``type`` that no registry holds."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])


def _registries() -> List[Registry]:
    import emda.registry as emda_registry
    found = [
        r for r in vars(emda_registry).values() if isinstance(r, Registry)
    ]
    return found + [FUNCTIONS, STRATEGIES]


def iter_types(node, path: str = '') -> Iterator[Tuple[str, str]]:
    """``(key path, name)`` of every string ``type`` in a config tree."""
    if isinstance(node, dict):
        for key, value in node.items():
            sub = f'{path}.{key}' if path else str(key)
            if key == 'type' and isinstance(value, str):
                yield sub, value
            else:
                yield from iter_types(value, sub)
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from iter_types(value, f'{path}[{i}]')


def _known_names(registries: List[Registry]) -> List[str]:
    names = set()
    for registry in registries:
        while registry is not None:
            names.update(registry.module_dict)
            registry = registry.parent
    return sorted(names)


def check_component_names(cfg) -> None:
    """Raise :class:`UnknownComponentError` listing every ``type`` of
    ``cfg`` that is registered nowhere, each with its key path.

    Call it after ``register_all_modules()`` (and the config's
    ``custom_imports``, which ``Config.fromfile`` imports).
    """
    registries = _registries()
    # a plain name held by a registry or its parents is found by a set
    # lookup; only the rest (scoped names such as ``mmseg.X``, misses) go
    # through ``Registry.get``, which is slow on a miss (about 0.7 s a
    # config when every name was looked up in every registry)
    known = _known_names(registries)
    known_set = set(known)
    unknown = [(path, name) for path, name in iter_types(cfg.to_dict())
               if name not in known_set and not any(
                   r.get(name) is not None for r in registries)]
    if not unknown:
        return
    lines = []
    for path, name in unknown:
        close = difflib.get_close_matches(name, known, n=3)
        hint = f'; did you mean {", ".join(close)}?' if close else ''
        lines.append(f'  {path} = {name!r} is not a registered '
                     f'component{hint}')
    raise UnknownComponentError(
        'unknown component name(s) in the config: ' +
        ', '.join(f'{path}={name!r}'
                  for path, name in unknown) + '\n' + '\n'.join(lines) +
        '\n(check the spelling, or list the module that registers it in '
        'custom_imports)')
