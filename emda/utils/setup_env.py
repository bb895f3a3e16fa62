"""Registration of all emda (and mmseg) modules and the torch>=2.6
checkpoint allow-list."""
import datetime
import warnings

from mmengine import DefaultScope


def allow_mmengine_checkpoints() -> None:
    """Let ``torch.load(weights_only=True)`` read MMEngine checkpoints.

    torch >= 2.6 defaults to ``weights_only=True``; MMEngine's resume then
    fails on the ``HistoryBuffer`` objects of the message hub and on numpy
    arrays/scalars in ``meta``. Allow-list exactly those globals, plus the
    builtin ``getattr`` that pickles a buffer's bound statistics methods
    (``HistoryBuffer.statistics_methods``); it can only reach attributes of
    objects the unpickler was already allowed to build.
    """
    import builtins
    import numpy as np
    import torch
    from mmengine.logging import HistoryBuffer
    if not hasattr(torch.serialization, 'add_safe_globals'):
        return
    safe = [HistoryBuffer, np.ndarray, np.dtype, builtins.getattr]
    safe += [type(np.dtype(t)) for t in ('f4', 'f8', 'i4', 'i8', 'u1', 'b')]
    safe += [np.float64, np.float32, np.int64, np.int32]
    try:
        safe.append(np._core.multiarray._reconstruct)
        safe.append(np._core.multiarray.scalar)
    except AttributeError:  # numpy < 2
        safe.append(np.core.multiarray._reconstruct)
        safe.append(np.core.multiarray.scalar)
    torch.serialization.add_safe_globals(safe)


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import mmseg and emda so every registry is filled; optionally make
    ``emda`` the default scope."""
    import mmseg.datasets  # noqa: F401
    import mmseg.engine  # noqa: F401
    import mmseg.evaluation  # noqa: F401
    import mmseg.models  # noqa: F401
    import mmseg.structures  # noqa: F401
    import mmseg.visualization  # noqa: F401

    import emda.datasets  # noqa: F401
    import emda.engine  # noqa: F401
    import emda.evaluation  # noqa: F401
    import emda.models  # noqa: F401
    allow_mmengine_checkpoints()

    if init_default_scope:
        never_created = DefaultScope.get_current_instance() is None \
            or not DefaultScope.check_instance_created('emda')
        if never_created:
            DefaultScope.get_instance('emda', scope_name='emda')
            return
        current = DefaultScope.get_current_instance()
        if current.scope_name != 'emda':
            warnings.warn(f'Default scope was "{current.scope_name}"; '
                          'switching it to "emda".')
            DefaultScope.get_instance(
                f'emda-{datetime.datetime.now()}', scope_name='emda')
