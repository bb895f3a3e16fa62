#!/usr/bin/env bash
# Install mmcv 2.1.0 *with ops* (mmseg 1.2.2 needs mmcv._ext).
# Uses the prebuilt wheel in $2 when it matches (torch 2.13.0, CPython 3.11);
# otherwise builds it from the sdist (about 12 minutes on 2 cores).
# Says which path it took; prints no ERROR line on success.
set -euo pipefail
PY=${1:-python}
WHEELS=${2:-../shared/wheels}
if $PY -c "import mmcv, mmcv._ext, sys; sys.exit(mmcv.__version__ != '2.1.0')" 2>/dev/null; then
  echo "mmcv: 2.1.0 with ops already installed"; exit 0
fi
match=$($PY -c "import sys, torch; print(int(torch.__version__.startswith('2.13.0') and sys.version_info[:2] == (3, 11)))")
wheel=$(ls "$WHEELS"/mmcv-2.1.0-*.whl 2>/dev/null | head -n 1 || true)
if [ "$match" = 1 ] && [ -n "$wheel" ]; then
  echo "mmcv: prebuilt wheel found, installing $wheel (seconds)"
  # the wheel file itself; its dependencies (addict, yapf, ...) from the index
  $PY -m pip install -q "$wheel"
else
  if [ -z "$wheel" ]; then
    why="no mmcv-2.1.0 wheel in $WHEELS"
  else
    why="the wheel in $WHEELS needs torch 2.13.0 on CPython 3.11"
  fi
  echo "mmcv: building 2.1.0 with ops from source ($why; about 12 minutes on 2 cores)"
  # mmcv 2.1.0 builds only with setuptools < 70, while torch 2.13 asks for
  # >= 77: downgrade for the build (no conflict warning), then restore
  before=$($PY -c "import setuptools; print(setuptools.__version__)")
  $PY -m pip install -q --no-warn-conflicts "setuptools<70" wheel ninja psutil
  MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-2} $PY -m pip install -q --no-warn-conflicts --no-build-isolation mmcv==2.1.0
  $PY -m pip install -q --no-warn-conflicts "setuptools==$before"
fi
$PY -c "import mmcv._ext; print('mmcv:', __import__('mmcv').__version__, 'with ops ready')"
