"""tools/benchmarks/tta_gain.py --checkpoint: it scores the named file of
each run dir and skips a run without it, and the final checkpoint without
the flag."""
import os.path as osp
import sys

sys.path.insert(
    0, osp.join(osp.dirname(__file__), '..', '..', 'tools', 'benchmarks'))
from tta_gain import chosen_checkpoint  # noqa: E402


def test_the_named_checkpoint_or_the_final_one(tmp_path):
    (tmp_path / 'iter_400.pth').write_bytes(b'final')
    (tmp_path / 'last_checkpoint').write_text(
        str(tmp_path / 'elsewhere' / 'iter_400.pth'))
    (tmp_path / 'weight_average.pth').write_bytes(b'average')
    assert chosen_checkpoint(str(tmp_path),
                             None) == str(tmp_path / 'iter_400.pth')
    assert chosen_checkpoint(str(tmp_path), 'weight_average.pth') == str(
        tmp_path / 'weight_average.pth')
    assert chosen_checkpoint(str(tmp_path), 'missing.pth') is None
    assert chosen_checkpoint(str(tmp_path / 'no_run'), None) is None
