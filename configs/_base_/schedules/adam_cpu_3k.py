# The CPU schedule of adam_cpu.py stretched to 3k iterations (VNC III ->
# Lucchi CPU profile), validation every 500.
_base_ = ['./adam_cpu.py']
param_scheduler = [dict(_base_.param_scheduler[0], end=3000)]
train_cfg = dict(max_iters=3000, val_interval=500)
