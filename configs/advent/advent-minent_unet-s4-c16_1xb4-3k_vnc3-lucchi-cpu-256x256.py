# MinEnt (ADVENT's entropy minimisation): the AdvEnt config with the MinEnt
# method, its segmentor and data preprocessor. One network, so the stock
# train_step with the segmentor's single optimizer and schedule, and the
# default DDP wrapper.
_base_ = ['./advent_unet-s4-c16_1xb4-3k_vnc3-lucchi-cpu-256x256.py']
model = dict(
    _delete_=True,
    type='MinEnt',
    segmentor=_base_.model.segmentor,
    lambda_ent=0.001,
    data_preprocessor=_base_.model.data_preprocessor)
model_wrapper_cfg = dict(
    _delete_=True,
    type='MMDistributedDataParallel',
    broadcast_buffers=False,
    find_unused_parameters=False)
optim_wrapper = dict(_delete_=True, **_base_.optim_wrapper.segmentor)
param_scheduler = _base_.param_scheduler.segmentor
