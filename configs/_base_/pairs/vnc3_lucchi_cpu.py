# VNC III (ssTEM, source) -> Lucchi / EPFL hippocampus (FIB-SEM, target),
# CPU profile: half-resolution training on 256x256 crops, evaluation on
# lucchi/val at full resolution (predictions are resized back).
# Data: ../shared/data (see docs/user_guides/datasets.md); override with
#   --cfg-options data_root=/path/to/data
data_root = '../shared/data'
scale = 0.5
crop_size = (256, 256)
heatmap_kernel = 31  # the paper's 61 px at full resolution, halved
points_file = 'lucchi/points/lucchi_train_15pct_split1.json'

source_train = dict(
    type='EMSliceDataset',
    data_root=data_root,
    img_path='vnc3/stack1/images',
    ann_path='vnc3/stack1/labels',
    pipeline=[
        dict(
            type='EMTrainPipeline',
            kind='labels',
            crop_size=crop_size,
            scale=scale,
            heatmap_kernel=heatmap_kernel)
    ])
target_train_labeled = dict(
    type='EMSliceDataset',
    data_root=data_root,
    img_path='lucchi/train/images',
    ann_path='lucchi/train/labels',
    pipeline=[
        dict(
            type='EMTrainPipeline',
            kind='labels',
            crop_size=crop_size,
            scale=scale,
            heatmap_kernel=heatmap_kernel)
    ])
target_train_points = dict(
    type='EMSliceDataset',
    data_root=data_root,
    img_path='lucchi/train/images',
    points_file=points_file,
    # the published files list all 165 training slices; 40 are here
    unknown_points='ignore',
    pipeline=[
        dict(
            type='EMTrainPipeline',
            kind='points',
            crop_size=crop_size,
            scale=scale,
            heatmap_kernel=heatmap_kernel)
    ])
target_train_images = dict(
    type='EMSliceDataset',
    data_root=data_root,
    img_path='lucchi/train/images',
    pipeline=[
        dict(
            type='EMTrainPipeline',
            kind='image',
            crop_size=crop_size,
            scale=scale,
            heatmap_kernel=heatmap_kernel)
    ])
target_val = dict(
    type='EMSliceDataset',
    data_root=data_root,
    img_path='lucchi/val/images',
    ann_path='lucchi/val/labels',
    pipeline=[dict(type='EMTestPipeline', scale=scale)])

val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=target_val)
test_dataloader = val_dataloader
val_evaluator = dict(type='EMSegMetric')
test_evaluator = val_evaluator

# Self-training (IPL-CFCL): the target slices the round hook pseudo-labels
# (with the points, for the weakly supervised setting), the training view of
# the current round's pseudo-labels, and the selector geometry in pixels of
# the working scale (the paper's full-resolution values halved).
target_pseudo_source = dict(
    type='EMSliceDataset',
    data_root=data_root,
    img_path='lucchi/train/images',
    points_file=points_file,
    unknown_points='ignore',
    pipeline=[dict(type='EMTestPipeline', scale=scale, with_labels=False)])
target_train_pseudo = dict(
    type='EMSliceDataset',
    data_root=data_root,
    img_path='lucchi/train/images',
    pipeline=[
        dict(
            type='EMTrainPipeline',
            kind='pseudo',
            crop_size=crop_size,
            scale=scale,
            heatmap_kernel=heatmap_kernel)
    ])
selector_geometry = dict(
    kernel_size=heatmap_kernel,
    blob_kernel=(5, 7),
    ring_kernel=(15, 17),
    det_bg_point_kernel=31)
