# Ablation: no segmentation -> detection teaching: the target detection
# targets are Gaussians at the annotated points only (not at the centroids
# of every pseudo-label instance). Detection still guides the IPL.
_base_ = ['./ipl-cfcl_unet-s4-c16_2x2-2k_vnc3-lucchi-cpu-256x256.py']
train_dataloader = dict(
    dataset=dict(
        target=dict(
            points_file=_base_.points_file,
            unknown_points='ignore',
            pipeline=[
                dict(
                    type='EMTrainPipeline',
                    kind='pseudo',
                    heatmap_source='points',
                    crop_size=_base_.crop_size,
                    scale=_base_.scale,
                    heatmap_kernel=_base_.heatmap_kernel)
            ])))
