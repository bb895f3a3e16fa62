# CPU profile: half-resolution 256x256 crops, batch 4, 3k iterations.
_base_ = [
    '../_base_/models/unet_s4_c16.py', '../_base_/methods/source_only.py',
    '../_base_/pairs/vnc3_lucchi_cpu.py', '../_base_/datasets/multi_domain.py',
    '../_base_/schedules/adam_cpu_3k.py', '../_base_/default_runtime.py'
]
model = dict(
    segmentor=_base_.segmentor, data_preprocessor=_base_.data_preprocessor)
train_dataloader = dict(dataset=dict(source=_base_.source_train))
