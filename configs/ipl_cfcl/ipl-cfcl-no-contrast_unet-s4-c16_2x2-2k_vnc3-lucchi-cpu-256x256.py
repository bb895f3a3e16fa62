# Ablation: IPL-CFCL without the class-focused contrastive loss.
_base_ = ['./ipl-cfcl_unet-s4-c16_2x2-2k_vnc3-lucchi-cpu-256x256.py']
model = dict(
    loss_weights=dict(stage1=dict(contrast=0.), stage2=dict(contrast=0.)))
