"""Writing files so that a reader never sees half of one: write to a
temporary name beside the target, then rename (atomic on one file system).
Used for everything a run writes that another process or a later resume
reads (pseudo-labels, done markers, metric tables, saved predictions)."""
import os
import os.path as osp
import tempfile

import cv2
import numpy as np


def write_text_atomic(path: str, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    fd, tmp_path = tempfile.mkstemp(
        dir=osp.dirname(path) or '.', prefix=f'.{osp.basename(path)}.')
    try:
        with os.fdopen(fd, 'w', newline='') as f:
            f.write(text)
        os.chmod(tmp_path, 0o644)  # mkstemp creates owner-only files
        os.replace(tmp_path, path)
    except BaseException:
        if osp.exists(tmp_path):
            os.remove(tmp_path)
        raise


def write_png_atomic(path: str, arr: np.ndarray) -> None:
    """``cv2.imwrite`` to a temporary name beside ``path``, then rename."""
    tmp = osp.join(
        osp.dirname(path), f'.{osp.basename(path)}.{os.getpid()}.tmp.png')
    if not cv2.imwrite(tmp, np.ascontiguousarray(arr)):
        raise OSError(f'could not write {path}')
    os.replace(tmp, path)


def remove_file(path: str) -> None:
    """Remove ``path`` if it exists (e.g. a stale ``done`` marker)."""
    if osp.isfile(path):
        os.remove(path)
