# SourceOnly with the source slices histogram-matched to the target images
# (issue 13's intensity-alignment direction, a baseline of its own): the
# same run as source-only_..._vnc3-lucchi-cpu-256x256.py but for one
# transform, MatchTargetHistogram, right after LoadEMImage in the source
# pipeline. It reads the target training *images* (what a UDA user has),
# no target labels.
_base_ = ['./source-only_unet-s4-c16_1xb4-3k_vnc3-lucchi-cpu-256x256.py']
match_target = dict(
    type='MatchTargetHistogram',
    reference_dir=_base_.data_root + '/' + _base_.lucchi_train.img_path)
source_pipeline = [
    _base_.labels_train_pipeline[0], match_target,
    *_base_.labels_train_pipeline[1:]
]
train_dataloader = dict(
    dataset=dict(source=dict(_base_.source_train, pipeline=source_pipeline)))
