# Drosophila VNC III (ssTEM, 4.6 x 4.6 x 45-50 nm), from the GitHub
# repository unidesigner/groundtruth-drosophila-vnc (stack1), converted into
# <data_root>/vnc3/stack1/{images,labels}/zNN.png (labels 0/255, same file
# names; see docs/user_guides/datasets.md). A pair sets data_root and the
# pipeline.
vnc3_train = dict(
    type='EMSliceDataset',
    data_root='data',
    img_path='vnc3/stack1/images',
    ann_path='vnc3/stack1/labels')
