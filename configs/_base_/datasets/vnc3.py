# Drosophila VNC III (ssTEM, 4.6 x 4.6 x 45-50 nm), from the GitHub
# repository unidesigner/groundtruth-drosophila-vnc (stack1), converted into
# data/vnc3/stack1/{images,labels}/zNN.png (labels 0/255, same file names).
vnc3_root = 'data/vnc3'
vnc3_train = dict(
    type='EMSliceDataset',
    data_root=vnc3_root,
    img_path='stack1/images',
    ann_path='stack1/labels')
