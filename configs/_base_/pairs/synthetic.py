# The embedded synthetic two-domain pair (tools/make_synthetic.py writes it;
# tools/train.py writes it on first use from `synthetic_data`).
data_root = 'data/synthetic'
synthetic_data = dict(out_dir=data_root, seed=0, size=256, n_train=16, n_val=8)
crop_size = (192, 192)
heatmap_kernel = 61
points_file = 'target/train/points_15pct.json'
# simulated 15 % points of the target training slices (written on first use)
simulated_points = [
    dict(
        label_dir=data_root + '/target/train/labels',
        out_file=data_root + '/' + points_file,
        ratio=0.15,
        seed=20)
]

source_train = dict(
    type='EMSliceDataset',
    data_root=data_root,
    img_path='source/train/images',
    ann_path='source/train/labels',
    pipeline=[
        dict(type='EMTrainPipeline', kind='labels', crop_size=crop_size)
    ])
target_train_labeled = dict(
    type='EMSliceDataset',
    data_root=data_root,
    img_path='target/train/images',
    ann_path='target/train/labels',
    pipeline=[
        dict(type='EMTrainPipeline', kind='labels', crop_size=crop_size)
    ])
target_train_points = dict(
    type='EMSliceDataset',
    data_root=data_root,
    img_path='target/train/images',
    points_file=points_file,
    pipeline=[
        dict(type='EMTrainPipeline', kind='points', crop_size=crop_size)
    ])
target_train_images = dict(
    type='EMSliceDataset',
    data_root=data_root,
    img_path='target/train/images',
    pipeline=[dict(type='EMTrainPipeline', kind='image', crop_size=crop_size)])
target_val = dict(
    type='EMSliceDataset',
    data_root=data_root,
    img_path='target/val/images',
    ann_path='target/val/labels',
    pipeline=[dict(type='EMTestPipeline')])

val_dataloader = dict(
    batch_size=1,
    num_workers=1,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=target_val)
test_dataloader = val_dataloader
val_evaluator = dict(type='EMSegMetric')
test_evaluator = val_evaluator

# Self-training (IPL-CFCL): the target slices the round hook pseudo-labels
# (with the points, for the weakly supervised setting), the training view of
# the current round's pseudo-labels, and the selector geometry in pixels of
# the working scale (the paper's values at full resolution).
target_pseudo_source = dict(
    type='EMSliceDataset',
    data_root=data_root,
    img_path='target/train/images',
    points_file=points_file,
    pipeline=[dict(type='EMTestPipeline', with_labels=False)])
target_train_pseudo = dict(
    type='EMSliceDataset',
    data_root=data_root,
    img_path='target/train/images',
    pipeline=[
        dict(type='EMTrainPipeline', kind='pseudo', crop_size=crop_size)
    ])
selector_geometry = dict(
    kernel_size=heatmap_kernel,
    blob_kernel=(11, 13),
    ring_kernel=(31, 33),
    det_bg_point_kernel=61)
