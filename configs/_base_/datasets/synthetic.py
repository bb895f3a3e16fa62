# The embedded synthetic two-domain pair's slices (tools/make_synthetic.py
# writes them; tools/train.py writes them on first use from the pair's
# `synthetic_data`): <data_root>/{source,target}/{train,val}/{images,labels}
# and 15 % simulated points of the target training slices.
synthetic_root = 'data/synthetic'
synthetic_source_train = dict(
    type='EMSliceDataset',
    data_root=synthetic_root,
    img_path='source/train/images',
    ann_path='source/train/labels')
synthetic_target_train_images = dict(
    type='EMSliceDataset',
    data_root=synthetic_root,
    img_path='target/train/images')
synthetic_target_train = dict(
    synthetic_target_train_images, ann_path='target/train/labels')
synthetic_target_train_points = dict(
    synthetic_target_train_images,
    points_file='target/train/points_15pct.json')
synthetic_target_val = dict(
    type='EMSliceDataset',
    data_root=synthetic_root,
    img_path='target/val/images',
    ann_path='target/val/labels')
