# SourceOnly with the source slices histogram-matched to the target images
# (issue 13's intensity-alignment direction, a baseline of its own): the
# same run as source-only_..._vnc3-lucchi-cpu-256x256.py but for one
# transform, MatchTargetHistogram, right after LoadEMImage in the source
# pipeline (the pair base's source_train_histmatch). It reads the target
# training *images* (what a UDA user has), no target labels.
_base_ = ['./source-only_unet-s4-c16_1xb4-3k_vnc3-lucchi-cpu-256x256.py']
train_dataloader = dict(dataset=dict(source=_base_.source_train_histmatch))
