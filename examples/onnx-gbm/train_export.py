#!/usr/bin/env python3
"""Python side of examples/onnx-gbm: train a small CNN on MNIST digits 0-4 with PyTorch, export it to ONNX.

The network sees pixels/255 in NCHW, as bitspike feeds an imported encoder. The features at the
default cut (the input of the final Linear) are what GBM binarizes and models in bitspike.

  python3 -m venv ~/venv-onnx && ~/venv-onnx/bin/pip install torch numpy onnx
  bitspike data download mnist            # IDX files under $BITSPIKE_DATA/mnist
  ~/venv-onnx/bin/python examples/onnx-gbm/train_export.py --data-dir "$BITSPIKE_DATA" --out mnist_cnn_0to4.onnx
"""
import argparse
import gzip
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(path):
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big') for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def find(d, base):
    for name in (base, base + '.gz'):
        if os.path.exists(os.path.join(d, name)):
            return os.path.join(d, name)
    raise SystemExit(f'{base}(.gz) not found in {d}: run `bitspike data download mnist`')


class Cnn(nn.Module):
    def __init__(self, classes=5):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.AdaptiveAvgPool2d(1))
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.features(x), 1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data-dir', default=os.environ.get('BITSPIKE_DATA', 'data'))
    ap.add_argument('--out', default='mnist_cnn_0to4.onnx')
    ap.add_argument('--epochs', type=int, default=2)
    a = ap.parse_args()
    d = os.path.join(a.data_dir, 'mnist')
    x = read_idx(find(d, 'train-images-idx3-ubyte')).astype(np.float32) / 255
    y = read_idx(find(d, 'train-labels-idx1-ubyte')).astype(np.int64)
    keep = y < 5  # the base classes: bitspike learns 5-9 later, without these images
    x, y = torch.from_numpy(x[keep][:, None]), torch.from_numpy(y[keep])
    torch.manual_seed(0)
    net = Cnn()
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    for epoch in range(a.epochs):
        perm = torch.randperm(len(y))
        net.train()
        for i in range(0, len(y), 128):
            idx = perm[i:i + 128]
            loss = F.cross_entropy(net(x[idx]), y[idx])
            opt.zero_grad(); loss.backward(); opt.step()
        net.eval()
        with torch.no_grad():
            acc = (net(x[:5000]).argmax(1) == y[:5000]).float().mean().item()
        print(f'epoch {epoch + 1}: loss {loss.item():.3f}, train accuracy (first 5000) {acc:.3f}')
    torch.onnx.export(net.eval(), (x[:1],), a.out, opset_version=17, input_names=['input'], output_names=['logits'],
                      dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}}, dynamo=False)
    print(f'wrote {a.out}')


if __name__ == '__main__':
    main()
