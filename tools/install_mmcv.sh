#!/usr/bin/env bash
# Install mmcv 2.1.0 *with ops* (mmseg 1.2.2 needs mmcv._ext).
# Uses the prebuilt wheel in $2 when it matches (torch 2.13.0, CPython 3.11);
# otherwise builds it from the sdist (about 20 minutes on 2 cores).
set -euo pipefail
PY=${1:-python}
WHEELS=${2:-../shared/wheels}
if $PY -c "import mmcv, mmcv._ext, sys; sys.exit(mmcv.__version__ != '2.1.0')" 2>/dev/null; then
  echo "mmcv 2.1.0 with ops already installed"; exit 0
fi
match=$($PY -c "import sys, torch; print(int(torch.__version__.startswith('2.13.0') and sys.version_info[:2] == (3, 11)))")
if [ -d "$WHEELS" ] && [ "$match" = 1 ] && ls "$WHEELS"/mmcv-2.1.0-*.whl >/dev/null 2>&1; then
  echo "installing mmcv 2.1.0 from $WHEELS"
  $PY -m pip install -q --no-index --find-links "$WHEELS" mmcv==2.1.0 || \
    $PY -m pip install -q --find-links "$WHEELS" mmcv==2.1.0
else
  echo "building mmcv 2.1.0 with ops from source (about 20 minutes on 2 cores)"
  $PY -m pip install -q "setuptools<70" wheel ninja psutil
  MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-2} $PY -m pip install --no-build-isolation mmcv==2.1.0
fi
$PY -c "import mmcv._ext; print('mmcv', __import__('mmcv').__version__, 'with ops')"
