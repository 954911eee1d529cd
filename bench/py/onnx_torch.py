# Reference side of the `onnx` bench suite: builds ResNet-18 (torchvision layout, full width, seeded
# weights, the class in scripts/onnx-fixtures.py), exports it to ONNX (opset 17, dynamic batch) at
# OUT_FILE for bitspike to import, and times PyTorch CPU inference of the same network at each batch
# size (and onnxruntime on the exported file, when installed).
# Usage: python3 onnx_torch.py THREADS OUT_FILE SIZE BATCH[,BATCH...] MIN_SECONDS
# Prints JSON lines: {"runtime": "torch"|"onnxruntime", "batch", "ms", "runs"}.
import importlib.util, json, os, sys, time
import torch

nt, out_file, size, batches, min_s = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), [int(b) for b in sys.argv[4].split(',')], float(sys.argv[5])
torch.set_num_threads(nt)
spec = importlib.util.spec_from_file_location('fixtures', os.path.join(os.path.dirname(__file__), '..', '..', 'scripts', 'onnx-fixtures.py'))
fixtures = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fixtures)
torch.manual_seed(1)
net = fixtures.ResNet18(width=64, classes=1000).eval()
x0 = torch.randn(1, 3, size, size)
torch.onnx.export(net, (x0,), out_file, opset_version=17, input_names=['input'], output_names=['logits'],
                  dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}}, dynamo=False)


def timed(fn, runs_min=3):
    fn(); fn()
    times, t0 = [], time.perf_counter()
    while len(times) < runs_min or time.perf_counter() - t0 < min_s:
        s = time.perf_counter(); fn(); times.append(time.perf_counter() - s)
    times.sort()
    return 1000 * times[len(times) // 2], len(times)


for b in batches:
    x = torch.randn(b, 3, size, size)
    with torch.no_grad():
        ms, runs = timed(lambda: net(x))
    print(json.dumps({'runtime': 'torch', 'batch': b, 'ms': ms, 'runs': runs}), flush=True)
try:
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = nt
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(out_file, so, providers=['CPUExecutionProvider'])
    for b in batches:
        x = torch.randn(b, 3, size, size).numpy()
        ms, runs = timed(lambda: sess.run(None, {'input': x}))
        print(json.dumps({'runtime': 'onnxruntime', 'batch': b, 'ms': ms, 'runs': runs}), flush=True)
except ImportError:
    pass
