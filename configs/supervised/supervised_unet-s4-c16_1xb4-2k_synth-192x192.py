_base_ = [
    '../_base_/models/unet_s4_c16.py', '../_base_/methods/supervised.py',
    '../_base_/pairs/synthetic.py', '../_base_/datasets/multi_domain.py',
    '../_base_/schedules/adam_cpu.py', '../_base_/default_runtime.py'
]
model = dict(
    segmentor=_base_.segmentor, data_preprocessor=_base_.data_preprocessor)
train_dataloader = dict(dataset=dict(target=_base_.target_train_labeled))
