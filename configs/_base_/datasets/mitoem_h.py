# MitoEM-H (Wei et al. 2020; mbSEM, 8 x 8 x 30 nm, 4096 x 4096 slices),
# from the MitoEM challenge, into data/mitoem_h/{images,labels}/im%04d.png:
# binarize the instance labels first (ids > 0 -> 255). Slices im0000-0399
# train, im0400-0499 (the official validation set) test (METHOD_SPEC 12.3).
mitoem_h_root = 'data/mitoem_h'
mitoem_h_train = dict(
    type='EMSliceDataset',
    data_root=mitoem_h_root,
    img_path='images',
    ann_path='labels',
    slice_range=(0, 400))
mitoem_h_test = dict(
    type='EMSliceDataset',
    data_root=mitoem_h_root,
    img_path='images',
    ann_path='labels',
    slice_range=(400, 500))
