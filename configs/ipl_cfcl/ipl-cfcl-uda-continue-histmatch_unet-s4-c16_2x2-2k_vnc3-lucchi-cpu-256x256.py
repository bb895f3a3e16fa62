# IPL-CFCL, UDA variant (0 target points), VNC III -> Lucchi, CPU profile,
# with the two changes of the 15 % "continue" + histogram matching variant:
# rounds continue from the current weights with Adam at its pretraining LR,
# and the source slices are histogram-matched to the target training images.
# The UDA counterpart of that variant: its pretraining is the same (source
# only), its rounds differ only by the missing points. No target labels
# decide anything; the final checkpoint is the label-free choice.
_base_ = ['./ipl-cfcl-uda_unet-s4-c16_2x2-2k_vnc3-lucchi-cpu-256x256.py']
param_scheduler = None
custom_hooks = [dict(_base_.custom_hooks[0], init_from='current')]
train_dataloader = dict(dataset=dict(source=_base_.source_train_histmatch))
