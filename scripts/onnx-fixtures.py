#!/usr/bin/env python3
"""Builds the ONNX test fixtures under test/fixtures/onnx/ (committed; the tests never run Python).

Each fixture is a small network exported to ONNX (opset 17) with its input and onnxruntime's output
on that input, so bitspike's import is checked against an independent runtime:

  resnet18      reduced-width ResNet-18 (ImageNet layout: 7x7 stem, max pool, 4 stages of 2 basic
                blocks), exported with BatchNormalization nodes kept (bitspike folds them into the
                convs at load); also the features at the default cut (input of the last Gemm)
  mobilenet     MobileNetV2-style inverted residual blocks (1x1 expand, depthwise 3x3, ReLU6,
                squeeze-excitation with HardSigmoid, HardSwish), weights in an external-data file
  cifar_resnet  CIFAR ResNet (ResNet-20 layout, 3 stages x 3 blocks, option-A shortcuts: strided
                slicing + channel zero padding), BatchNorm folded by PyTorch's exporter
  all_ops       a graph written with onnx.helper that uses every supported operator and the
                awkward attributes (auto_pad SAME_UPPER, dilation, groups, asymmetric pads,
                ceil_mode, count_include_pad=0, Gemm alpha/beta, a Shape/Gather/Unsqueeze chain)
  mnist_cnn     a small CNN for 28x28x1 images (random weights, fixed seed), the frozen encoder of
                the CIL test (model.kind "onnx")

Regenerate (needs PyTorch, onnx, onnxruntime, numpy in a local venv kept outside the repository):

  python3 -m venv ~/venv-onnx && ~/venv-onnx/bin/pip install torch numpy onnx onnxruntime
  ~/venv-onnx/bin/python scripts/onnx-fixtures.py [--out test/fixtures/onnx]

Outputs are deterministic for a given PyTorch version (seeded weights and inputs). Keep them tiny:
all fixtures together stay well under 1.5 MB.
"""
import argparse
import os

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper

OPSET = 17


def randomize_bn(model: nn.Module, g: torch.Generator) -> None:
    """Non-trivial BatchNorm statistics, so folding them is really tested."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            with torch.no_grad():
                m.weight.copy_(0.5 + torch.rand(m.num_features, generator=g))
                m.bias.copy_(0.2 * torch.randn(m.num_features, generator=g))
                m.running_mean.copy_(0.2 * torch.randn(m.num_features, generator=g))
                m.running_var.copy_(0.5 + torch.rand(m.num_features, generator=g))


# ---------------------------------------------------------------------------------------------
# Networks

class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (self.down(x) if self.down is not None else x))


class ResNet18(nn.Module):
    """torchvision's ResNet-18 layout with every width divided by 64 / width."""

    def __init__(self, width=4, classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, width, 7, 2, 3, bias=False), nn.BatchNorm2d(width), nn.ReLU(),
                                  nn.MaxPool2d(3, 2, 1))
        layers, c = [], width
        for s in range(4):
            out = width * 2 ** s
            for b in range(2):
                layers.append(BasicBlock(c, out, 2 if b == 0 and s > 0 else 1))
                c = out
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(c, classes)

    def forward(self, x):
        x = self.layers(self.stem(x))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class SqueezeExcite(nn.Module):
    def __init__(self, c, r=4):
        super().__init__()
        self.fc1 = nn.Conv2d(c, max(1, c // r), 1)
        self.fc2 = nn.Conv2d(max(1, c // r), c, 1)

    def forward(self, x):
        s = F.adaptive_avg_pool2d(x, 1)
        return x * F.hardsigmoid(self.fc2(F.relu(self.fc1(s))))


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, expand, se, act):
        super().__init__()
        hid = cin * expand
        self.use_res = stride == 1 and cin == cout
        self.body = nn.Sequential(
            nn.Conv2d(cin, hid, 1, bias=False), nn.BatchNorm2d(hid), act(),
            nn.Conv2d(hid, hid, 3, stride, 1, groups=hid, bias=False), nn.BatchNorm2d(hid), act(),
            SqueezeExcite(hid) if se else nn.Identity(),
            nn.Conv2d(hid, cout, 1, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.body(x)
        return x + y if self.use_res else y


class MobileNetish(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, 2, 1, bias=False), nn.BatchNorm2d(8), nn.ReLU6(),
            InvertedResidual(8, 8, 1, 2, False, nn.ReLU6),
            InvertedResidual(8, 12, 2, 3, True, nn.Hardswish),
            InvertedResidual(12, 12, 1, 3, True, nn.Hardswish),
            nn.Conv2d(12, 24, 1, bias=False), nn.BatchNorm2d(24), nn.Hardswish())
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(24, classes))

    def forward(self, x):
        return self.classifier(torch.flatten(F.adaptive_avg_pool2d(self.features(x), 1), 1))


class CifarBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.pad = cout - cin
        self.stride = stride

    def forward(self, x):
        y = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        s = x
        if self.stride != 1 or self.pad:
            # Option A of He et al.: subsample and zero-pad the new channels.
            s = F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad // 2, self.pad - self.pad // 2))
        return F.relu(y + s)


class CifarResNet(nn.Module):
    def __init__(self, width=4, blocks=3, classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU())
        layers, c = [], width
        for s in range(3):
            out = width * 2 ** s
            for b in range(blocks):
                layers.append(CifarBlock(c, out, 2 if b == 0 and s > 0 else 1))
                c = out
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(c, classes)

    def forward(self, x):
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(self.layers(self.stem(x)), 1), 1))


class MnistCnn(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 4, 3, 1, 1, bias=False), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(4, 8, 3, 2, 1, bias=False), nn.BatchNorm2d(8), nn.ReLU())
        self.fc = nn.Linear(8 * 7 * 7, classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.features(x), 1))


# ---------------------------------------------------------------------------------------------
# Export and reference outputs

def export(model, x, path, keep_bn, external=None):
    model.eval()
    torch.onnx.export(model, (x,), path, opset_version=OPSET, input_names=['input'], output_names=['logits'],
                      dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}}, do_constant_folding=True,
                      training=torch.onnx.TrainingMode.PRESERVE if keep_bn else torch.onnx.TrainingMode.EVAL,
                      dynamo=False)
    m = onnx.load(path)
    if external:
        onnx.save_model(m, path, save_as_external_data=True, all_tensors_to_one_file=True, location=external, size_threshold=0)
    onnx.checker.check_model(path)
    return m


def add_output(model, name):
    """A copy of the model that also outputs value `name` (to read the features at a cut)."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    m.graph.output.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, None))
    return m


def default_cut(model):
    inits = {i.name for i in model.graph.initializer}
    for n in reversed(model.graph.node):
        if n.op_type in ('Gemm', 'MatMul') and n.input[0] not in inits:
            return n.input[0]
    raise ValueError('no Gemm/MatMul')


def run_ort(model_or_path, x):
    data = model_or_path if isinstance(model_or_path, str) else model_or_path.SerializeToString()
    s = ort.InferenceSession(data, providers=['CPUExecutionProvider'])
    return s.run(None, {s.get_inputs()[0].name: x})


def save(out, name, x, ys):
    np.save(os.path.join(out, f'{name}.input.npy'), x.astype(np.float32))
    np.save(os.path.join(out, f'{name}.output.npy'), ys[0].astype(np.float32))
    print(f'{name}: input {x.shape} -> output {ys[0].shape}')


def all_ops_graph(rng):
    f32 = lambda a: np.asarray(a, dtype=np.float32)
    inits = {
        'W1': f32(rng.randn(6, 3, 3, 3) * 0.3), 'B1': f32(rng.randn(6) * 0.1),
        'bn_s': f32(0.5 + rng.rand(6)), 'bn_b': f32(rng.randn(6) * 0.1), 'bn_m': f32(rng.randn(6) * 0.1), 'bn_v': f32(0.5 + rng.rand(6)),
        'W2': f32(rng.randn(6, 2, 3, 3) * 0.3),
        'bn2_s': f32(0.5 + rng.rand(6)), 'bn2_b': f32(rng.randn(6) * 0.1), 'bn2_m': f32(rng.randn(6) * 0.1), 'bn2_v': f32(0.5 + rng.rand(6)),
        'clip_lo': f32(-0.5), 'clip_hi': f32(0.5),
        'divisor': f32(1 + rng.rand(1, 6, 1, 1)), 'offset': f32(0.25),
        'pads': np.array([0, 0, 1, 0, 0, 0, 0, 1], dtype=np.int64),
        'zero': np.array(0, dtype=np.int64), 'minus_one': np.array([-1], dtype=np.int64),
        'Wg': f32(rng.randn(10, 192) * 0.1), 'Bg': f32(rng.randn(10) * 0.1),
        'Wm': f32(rng.randn(10, 4) * 0.3),
        'half': f32(0.5),
    }
    N = helper.make_node
    nodes = [
        N('Conv', ['x', 'W1', 'B1'], ['c1'], name='conv_same', auto_pad='SAME_UPPER', strides=[2, 2]),
        N('BatchNormalization', ['c1', 'bn_s', 'bn_b', 'bn_m', 'bn_v'], ['b1'], name='bn_fused', epsilon=1e-3),
        N('LeakyRelu', ['b1'], ['r1'], name='leaky', alpha=0.1),
        N('Conv', ['r1', 'W2'], ['c2'], name='conv_group_dil', group=3, dilations=[2, 2], pads=[2, 2, 2, 2]),
        N('HardSwish', ['c2'], ['hs'], name='hswish'),
        N('BatchNormalization', ['hs', 'bn2_s', 'bn2_b', 'bn2_m', 'bn2_v'], ['bn2'], name='bn_standalone'),
        N('HardSigmoid', ['bn2'], ['hsig'], name='hsigmoid', alpha=0.3, beta=0.4),
        N('Clip', ['c2', 'clip_lo', 'clip_hi'], ['cl'], name='clip'),
        N('Sub', ['hsig', 'cl'], ['s'], name='sub'),
        N('Div', ['s', 'divisor'], ['d'], name='div_broadcast'),
        N('Sigmoid', ['d'], ['sg'], name='sigmoid'),
        N('Mul', ['d', 'sg'], ['m'], name='mul'),
        N('Add', ['m', 'offset'], ['a'], name='add_scalar'),
        N('MaxPool', ['a'], ['mp'], name='maxpool_ceil', kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 0, 0], ceil_mode=1),
        N('AveragePool', ['a'], ['ap'], name='avgpool_excl', kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], count_include_pad=0),
        N('Concat', ['mp', 'ap'], ['cat'], name='concat', axis=1),
        N('Pad', ['cat', 'pads'], ['p'], name='pad', mode='constant'),
        N('Identity', ['p'], ['pi'], name='identity'),
        N('Dropout', ['pi'], ['pd'], name='dropout'),
        N('Transpose', ['pd'], ['t'], name='transpose', perm=[0, 2, 3, 1]),
        N('Shape', ['t'], ['sh'], name='shape'),
        N('Gather', ['sh', 'zero'], ['n'], name='gather', axis=0),
        N('Unsqueeze', ['n', 'zero'], ['nu'], name='unsqueeze'),
        N('Constant', [], ['neg1'], name='constant', value=numpy_helper.from_array(inits.pop('minus_one'))),
        N('Concat', ['nu', 'neg1'], ['shp'], name='concat_shape', axis=0),
        N('Reshape', ['t', 'shp'], ['flat'], name='reshape'),
        N('Gemm', ['flat', 'Wg', 'Bg'], ['g'], name='gemm', transB=1, alpha=0.5, beta=2.0),
        N('MatMul', ['g', 'Wm'], ['mm'], name='matmul'),
        N('Relu', ['mm'], ['rm'], name='relu'),
        N('GlobalAveragePool', ['c1'], ['gp'], name='gap'),
        N('Flatten', ['gp'], ['gf'], name='flatten'),
        N('Mul', ['gf', 'half'], ['gh'], name='mul_scalar'),
        N('Concat', ['rm', 'gh'], ['y'], name='concat_out', axis=1),
    ]
    graph = helper.make_graph(
        nodes, 'all_ops', [helper.make_tensor_value_info('x', TensorProto.FLOAT, ['batch', 3, 9, 9])],
        [helper.make_tensor_value_info('y', TensorProto.FLOAT, ['batch', 10])],
        [numpy_helper.from_array(v, k) for k, v in inits.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', OPSET)], producer_name='bitspike onnx-fixtures')
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    return model


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--out', default=os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'onnx'))
    out = ap.parse_args().out
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(17)
    g = torch.Generator().manual_seed(17)
    rng = np.random.RandomState(17)

    # ResNet-18, BatchNorm kept, features at the default cut saved too.
    net = ResNet18(width=4)
    randomize_bn(net, g)
    x = rng.randn(2, 3, 32, 32).astype(np.float32)
    path = os.path.join(out, 'resnet18.onnx')
    m = export(net, torch.from_numpy(x), path, keep_bn=True)
    ys = run_ort(path, x)
    save(out, 'resnet18', x, ys)
    cut = default_cut(m)
    feats = run_ort(add_output(m, cut), x)[-1]
    np.save(os.path.join(out, 'resnet18.features.npy'), feats.astype(np.float32))
    print(f'resnet18: default cut {cut!r} -> features {feats.shape}')

    # MobileNetV2-style stack with external data.
    net = MobileNetish()
    randomize_bn(net, g)
    x = rng.randn(2, 3, 16, 16).astype(np.float32)
    path = os.path.join(out, 'mobilenet.onnx')
    export(net, torch.from_numpy(x), path, keep_bn=True, external='mobilenet.onnx.data')
    save(out, 'mobilenet', x, run_ort(path, x))

    # CIFAR ResNet-20 layout, BatchNorm folded by the exporter.
    net = CifarResNet(width=4, blocks=3)
    randomize_bn(net, g)
    x = rng.randn(2, 3, 16, 16).astype(np.float32)
    path = os.path.join(out, 'cifar_resnet.onnx')
    export(net, torch.from_numpy(x), path, keep_bn=False)
    save(out, 'cifar_resnet', x, run_ort(path, x))

    # Every operator.
    m = all_ops_graph(rng)
    path = os.path.join(out, 'all_ops.onnx')
    onnx.save(m, path)
    x = rng.randn(2, 3, 9, 9).astype(np.float32)
    save(out, 'all_ops', x, run_ort(path, x))

    # The CIL test's frozen encoder (inputs are pixels/255 in [0, 1]).
    net = MnistCnn()
    randomize_bn(net, g)
    x = rng.rand(3, 1, 28, 28).astype(np.float32)
    path = os.path.join(out, 'mnist_cnn.onnx')
    export(net, torch.from_numpy(x), path, keep_bn=True)
    save(out, 'mnist_cnn', x, run_ort(path, x))

    total = sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out))
    print(f'total {total} bytes in {out}')


if __name__ == '__main__':
    main()
