"""Fail early, with the fix named, when the OpenMMLab stack is wrong."""
from importlib import metadata

from packaging.version import Version

_FIX = ('Run `make install` (see docs/get_started.md): it installs '
        'torch==2.13.0 (CPU), mmcv==2.1.0 with ops, mmengine==0.10.7 and '
        'mmsegmentation==1.2.2.')


def check_dependencies() -> None:
    """Check mmcv (full, < 2.2), mmengine and mmseg are importable."""
    try:
        mmcv_version = Version(metadata.version('mmcv'))
    except metadata.PackageNotFoundError:
        raise ImportError('emda needs mmcv 2.1.0 with compiled ops, and it '
                          'is not installed (mmcv-lite is not enough). ' +
                          _FIX) from None
    if not Version('2.0.0rc4') <= mmcv_version < Version('2.2.0'):
        raise ImportError(f'mmcv {mmcv_version} is installed but '
                          'mmsegmentation 1.2.2 needs 2.0.0rc4 <= mmcv < '
                          '2.2.0. ' + _FIX)
    for name in ('mmengine', 'mmsegmentation'):
        try:
            metadata.version(name)
        except metadata.PackageNotFoundError:
            raise ImportError(f'emda needs {name}. ' + _FIX) from None
