"""Write test predictions as mask PNGs and overlay images."""
import os
import os.path as osp

import cv2
import numpy as np
from mmengine.hooks import Hook

from emda.registry import HOOKS
from emda.utils.atomic_files import (remove_file, write_png_atomic,
                                     write_text_atomic)
from emda.utils.distributed import run_on_main, wait_for_all

#: written last: the predictions are complete
DONE_FILE = 'done'


@HOOKS.register_module()
class SavePredictionsHook(Hook):
    """After each test iteration, save ``<out_dir>/masks/<name>.png``
    (0/255), ``<out_dir>/prob/<name>.png`` (p_fg x 255) and
    ``<out_dir>/overlays/<name>.png`` (prediction in green, missed label in
    red when a label is known) at the image's original resolution.

    Each file is written under a temporary name and renamed; under DDP every
    rank writes the slices of its shard. ``<out_dir>/done`` is removed when
    testing starts and written by rank 0 once every rank has finished, so a
    folder without it is incomplete (e.g. a run stopped by a bad slice).
    """
    priority = 'LOW'

    def __init__(self,
                 out_dir: str,
                 save_prob: bool = True,
                 save_overlay: bool = True):
        self.out_dir = out_dir
        self.save_prob = save_prob
        self.save_overlay = save_overlay

    def before_test(self, runner) -> None:
        for sub in ('masks', 'prob', 'overlays'):
            os.makedirs(osp.join(self.out_dir, sub), exist_ok=True)
        done = osp.join(self.out_dir, DONE_FILE)
        run_on_main(lambda: remove_file(done))

    def after_test(self, runner) -> None:
        wait_for_all()  # every shard is on disk
        run_on_main(lambda: write_text_atomic(
            osp.join(self.out_dir, DONE_FILE), 'ok\n'))

    @staticmethod
    def _name(sample) -> str:
        name = sample.metainfo.get('name') or osp.basename(
            sample.metainfo.get('img_path', 'slice'))
        return osp.splitext(name)[0] + '.png'

    def after_test_iter(self,
                        runner,
                        batch_idx,
                        data_batch=None,
                        outputs=None) -> None:
        from emda.apis.export import overlay_rgb
        from emda.apis.outputs import foreground_probability
        from emda.datasets.em_io import read_slice
        for sample in outputs or []:
            name = self._name(sample)
            pred = sample.pred_sem_seg.data[0].cpu().numpy().astype(np.uint8)
            write_png_atomic(osp.join(self.out_dir, 'masks', name), pred * 255)
            if self.save_prob and 'seg_logits' in sample:
                logits = sample.seg_logits.data.float()
                prob = foreground_probability(logits, 0)[0]
                write_png_atomic(
                    osp.join(self.out_dir, 'prob', name),
                    (prob.cpu().numpy() * 255).round().astype(np.uint8))
            if self.save_overlay:
                img = read_slice(  # display only: any colour file
                    sample.img_path,
                    sample.metainfo.get('img_index'),
                    color='to_gray')
                img = cv2.normalize(
                    img.astype(np.float32), None, 0, 255,
                    cv2.NORM_MINMAX).astype(np.uint8)
                missed = None
                if 'gt_sem_seg' in sample:
                    gt = sample.gt_sem_seg.data[0].cpu().numpy()
                    missed = (gt == 1) & (pred == 0)
                blend = overlay_rgb(img, pred, missed)
                write_png_atomic(
                    osp.join(self.out_dir, 'overlays', name), blend)
