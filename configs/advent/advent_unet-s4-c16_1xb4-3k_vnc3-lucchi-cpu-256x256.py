# CPU profile: half-resolution 256x256 crops, batch 4, 3k iterations.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/pairs/vnc3_lucchi_cpu.py',
    '../_base_/models/unet_s4_c16.py', '../_base_/methods/advent.py'
]
model = dict(
    segmentor=_base_.segmentor, data_preprocessor=_base_.data_preprocessor)
train_dataloader = dict(
    dataset=dict(
        source=_base_.source_train, target=_base_.target_train_images))
param_scheduler = dict(
    segmentor=[
        dict(
            type='PolyLR',
            eta_min=1e-5,
            power=0.9,
            begin=0,
            end=3000,
            by_epoch=False)
    ],
    discriminator=[
        dict(
            type='PolyLR',
            eta_min=1e-6,
            power=0.9,
            begin=0,
            end=3000,
            by_epoch=False)
    ])
train_cfg = dict(max_iters=3000, val_interval=500)
