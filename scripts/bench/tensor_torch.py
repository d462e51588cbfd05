"""PyTorch (CPU) side of `mlff bench tensor`.

Times the same MLP computation as the Swift tensor engine: an energy
E = sum(silu(silu(x W1 + b1) W2 + b2) W3) with widths in -> width -> width -> 1 over a batch,
in float32, and three steps of it:

  forward          E
  backward         E, then dE/dtheta
  double backward  E, forces F = -dE/dx (create_graph), L = mean |F - F_ref|^2, then dL/dtheta

Prints one JSON object with the median seconds of each step (and the best), so the Swift
side can put them next to its own in the same run. Run with the thread count the Swift side
uses: `python scripts/bench/tensor_torch.py --threads 2`.
"""

import argparse
import json
import statistics
import time

import torch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--width", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=10)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    n, w = args.batch, args.width
    x = torch.randn(n, w)
    f_ref = torch.randn(n, w)
    params = [
        torch.randn(w, w) / w**0.5, torch.zeros(w),
        torch.randn(w, w) / w**0.5, torch.zeros(w),
        torch.randn(w, 1) / w**0.5,
    ]
    for p in params:
        p.requires_grad_(True)
    silu = torch.nn.functional.silu

    def energy(x):
        h = silu(x @ params[0] + params[1])
        h = silu(h @ params[2] + params[3])
        return (h @ params[4]).sum()

    def forward():
        return energy(x)

    def backward():
        return torch.autograd.grad(energy(x), params)

    def double_backward():
        xr = x.detach().requires_grad_(True)
        e = energy(xr)
        forces = -torch.autograd.grad(e, xr, create_graph=True)[0]
        loss = ((forces - f_ref) ** 2).mean()
        return torch.autograd.grad(loss, params)

    result = {"threads": args.threads, "batch": n, "width": w, "torch": torch.__version__}
    for name, step in [("forward", forward), ("backward", backward), ("double_backward", double_backward)]:
        for _ in range(args.warmup):
            step()
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            step()
            times.append(time.perf_counter() - t0)
        result[name] = {"median": statistics.median(times), "best": min(times)}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
