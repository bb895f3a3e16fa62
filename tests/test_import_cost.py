"""``import emda`` (run by every CLI before it parses ``--help``) loads only
its dependency check: no scipy, mmengine, torch or mmseg."""
import subprocess
import sys


def test_import_emda_loads_no_heavy_library():
    proc = subprocess.run(
        [sys.executable, '-X', 'importtime', '-c', 'import emda'],
        capture_output=True,
        text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    imported = {
        line.rsplit('|', 1)[-1].strip().split('.')[0]
        for line in proc.stderr.splitlines() if line.startswith('import time')
    }
    assert 'emda' in imported
    assert not imported & {'scipy', 'mmengine', 'torch', 'mmseg', 'mmcv'}


def test_utils_exports_resolve_on_first_use():
    import emda.utils as utils
    from emda.utils.instances import label_instances
    assert utils.label_instances is label_instances
    assert set(utils.__all__) >= {'register_all_modules', 'label_instances'}
