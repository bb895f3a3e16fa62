# Paper profile (GPU): source/target supervised training as WDA-Net's
# source pretraining recipe (METHOD_SPEC section 7, stage 0): Adam 5e-4,
# weight decay 1e-5, StepLR(5000, 0.9), 50k iterations, validation every 1k.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=5e-4, weight_decay=1e-5))
param_scheduler = [
    dict(type='StepLR', step_size=5000, gamma=0.9, by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=50000, val_interval=1000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
