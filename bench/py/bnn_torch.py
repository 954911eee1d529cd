# PyTorch CPU float inference of the same binary-network architecture as bitspike's FBNN (same layer
# list, ±1 weights and activations held in float32, -1 padding, 1/sqrt(fanIn) scale + gain/bias +
# sign, max-pool, dense, output). Usage: python3 bnn_torch.py THREADS BATCH SPEC_JSON_FILE [NAME]
# Prints one JSON line per run: {"kernel": "torch fbnn infer", "name", "batch", "ms", "img_per_s"}.
import json, sys, time
import torch, torch.nn.functional as F

nt, batch, spec_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
name = sys.argv[4] if len(sys.argv) > 4 else spec_file
torch.set_num_threads(nt)
spec = json.load(open(spec_file))
inp = spec['input']
C, H, W = inp['channels'] * inp['levels'], inp['height'], inp['width']
g = torch.Generator().manual_seed(1)
sign = lambda t: torch.where(t >= 0, 1.0, -1.0)
layers = []
for l in spec['layers']:
    if l['kind'] == 'conv':
        k, p, s, gr = l['kernel'], l.get('padding', 0), l.get('stride', 1), l.get('groups', 1)
        w = sign(torch.randn(l['channels'], C // gr, k, k, generator=g))
        fan = C // gr * k * k
        layers.append(('conv', w, p, s, gr, fan ** -0.5, torch.ones(1, l['channels'], 1, 1), torch.zeros(1, l['channels'], 1, 1)))
        C, H, W = l['channels'], (H + 2 * p - k) // s + 1, (W + 2 * p - k) // s + 1
    elif l['kind'] == 'maxpool':
        layers.append(('pool', l['size'])); H, W = H // l['size'], W // l['size']
    else:
        w = sign(torch.randn(l['units'], C * H * W, generator=g))
        layers.append(('dense', w, (C * H * W) ** -0.5, torch.ones(l['units']), torch.zeros(l['units'])))
        C, H, W = l['units'], 1, 1
out_w = sign(torch.randn(spec['classes'], C * H * W, generator=g))

def forward(x):
    for L in layers:
        if L[0] == 'conv':
            _, w, p, s, gr, sc, gain, bias = L
            if p: x = F.pad(x, (p, p, p, p), value=-1.0)
            x = sign(F.conv2d(x, w, stride=s, groups=gr) * sc * gain + bias)
        elif L[0] == 'pool':
            x = F.max_pool2d(x, L[1])
        else:
            _, w, sc, gain, bias = L
            x = sign(F.linear(x.flatten(1), w) * sc * gain + bias)
    return F.linear(x.flatten(1), out_w)

x = sign(torch.randn(batch, inp['channels'] * inp['levels'], inp['height'], inp['width'], generator=g))
with torch.no_grad():
    for _ in range(3): forward(x)
    n, t0 = 0, time.perf_counter()
    while True:
        forward(x); n += 1
        t = time.perf_counter() - t0
        if t > 1.5 and n >= 5: break
ms = t / n * 1000
print(json.dumps(dict(kernel='torch fbnn infer', name=name, threads=nt, batch=batch, ms=round(ms, 3), img_per_s=round(batch / ms * 1000, 1))))
