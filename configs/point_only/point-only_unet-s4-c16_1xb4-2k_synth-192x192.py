_base_ = [
    '../_base_/default_runtime.py', '../_base_/pairs/synthetic.py',
    '../_base_/models/unet_s4_c16.py', '../_base_/methods/point_only.py',
    '../_base_/schedules/adam_cpu.py'
]
# Synthetic target mitochondria are 14-21 px wide, about half Lucchi's at
# full resolution: the blob and ring kernels are halved as in the CPU
# profile (blob ~13x19 px, ring ~43x49 px).
model = dict(
    segmentor=_base_.segmentor,
    data_preprocessor=_base_.data_preprocessor,
    blob_kernel=(5, 7),
    ring_kernel=(15, 17))
train_dataloader = dict(dataset=dict(target=_base_.target_train_points))
