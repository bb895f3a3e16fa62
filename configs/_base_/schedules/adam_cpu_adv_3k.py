# adam_cpu_adv.py stretched to 3k iterations like adam_cpu_3k.py (VNC III ->
# Lucchi CPU profile): both polynomial decays end at 3000, validation every
# 500.
_base_ = ['./adam_cpu_adv.py']
param_scheduler = dict(
    segmentor=[dict(_base_.param_scheduler.segmentor[0], end=3000)],
    discriminator=[dict(_base_.param_scheduler.discriminator[0], end=3000)])
train_cfg = dict(max_iters=3000, val_interval=500)
