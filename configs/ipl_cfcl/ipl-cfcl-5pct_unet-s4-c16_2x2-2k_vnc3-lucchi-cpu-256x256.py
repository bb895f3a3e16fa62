# IPL-CFCL with the published 5 % point split of the Lucchi training
# stack (otherwise as ipl-cfcl_unet-s4-c16_2x2-2k_vnc3-lucchi-cpu-256x256.py).
_base_ = ['./ipl-cfcl_unet-s4-c16_2x2-2k_vnc3-lucchi-cpu-256x256.py']
target_pseudo_source = dict(points_file='lucchi/points/lucchi_train_5pct.json')
