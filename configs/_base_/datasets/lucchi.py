# Lucchi / EPFL hippocampus (FIB-SEM, 5 x 5 x 5 nm) as slices under
# <data_root>/lucchi/ (see docs/user_guides/datasets.md): train/ (40 training
# slices) and val/, {images,labels}/ each (labels 0/255), and the published
# point files in points/ (they list all 165 training slices; those not here
# are ignored). A pair sets data_root and the pipelines.
lucchi_train_images = dict(
    type='EMSliceDataset', data_root='data', img_path='lucchi/train/images')
lucchi_train = dict(lucchi_train_images, ann_path='lucchi/train/labels')
lucchi_train_points = dict(
    lucchi_train_images,
    points_file='lucchi/points/lucchi_train_15pct_split1.json',
    unknown_points='ignore')
lucchi_val = dict(
    type='EMSliceDataset',
    data_root='data',
    img_path='lucchi/val/images',
    ann_path='lucchi/val/labels')
