#!/usr/bin/python3
"""bench_mnist.py - the tutorial's conv_net trained and run by kcc and by PyTorch.

    tools/bench_mnist.py [--kcc build/kcc] [--data ../shared/data] [--model conv_net]
                         [--runs 3] [--threads 1,2]

Training: one epoch of the model on the first 8,000 images of the MNIST
test set, as the tutorial trains it (adam with Keras's defaults, categorical
crossentropy on the softmax, batch 256, shuffled), by `kcc fit` and by
PyTorch (Debian's python3-torch: the same layers, channels and sizes).
PyTorch runs at each thread count of --threads and its best is compared;
kcc's time is its own timing of the training loop (after the training
code is compiled), PyTorch's loop is timed here after a warm-up of a few
batches.  Each is run --runs times and the medians are compared.

Inference: the latency of one image through the trained-shape model: the
C that `kcc model.json -o model.c` writes, compiled with -O3
-march=native and called in a loop, against PyTorch on one thread, both
eager and TorchScript-frozen (the faster of the two is compared).

Prints the times and the ratios (PyTorch time / kcc time).  Not a test:
these machines are shared and noisy; run it on a quiet machine and read
the numbers.  Needs python3-torch (run with /usr/bin/python3).
"""
import argparse
import gzip
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

HARNESS = r"""
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "model.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    static float x[MODEL_INPUT_SIZE], y[MODEL_OUTPUT_SIZE];
    int reps = argc > 1 ? atoi(argv[1]) : 1000;
    for (int i = 0; i < MODEL_INPUT_SIZE; i++)
        x[i] = (float)(i % 255) / 255.0f;
    double best = 1e9, sink = 0;
    for (int round = 0; round < 7; round++) {
        double t0 = now();
        for (int r = 0; r < reps; r++) {
            x[r % MODEL_INPUT_SIZE] += 1e-7f;
            model_predict(x, y);
            sink += y[0];
        }
        double t = (now() - t0) / reps;
        if (t < best)
            best = t;
    }
    printf("%.3f %g\n", best * 1e6, sink);
    return 0;
}
"""


def load_mnist(data, n):
    with gzip.open(os.path.join(data, "t10k-images-idx3-ubyte.gz")) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
    with gzip.open(os.path.join(data, "t10k-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    x = images[:n].astype(np.float32)[:, None, :, :] / 255.0
    return torch.from_numpy(x), torch.from_numpy(labels[:n].astype(np.int64))


def torch_model(name):
    nn = torch.nn
    if name == "conv_net":
        return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(64, 64, 3), nn.ReLU(), nn.Flatten(),
                             nn.Linear(576, 64), nn.ReLU(), nn.Linear(64, 10))
    if name == "le_net":
        return nn.Sequential(nn.Conv2d(1, 20, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(20, 50, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Flatten(), nn.Linear(2450, 500), nn.ReLU(), nn.Linear(500, 10))
    raise SystemExit(f"bench_mnist.py: no PyTorch twin of {name}")


def torch_train(name, x, y, threads, seed):
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    model = torch_model(name)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()  # softmax + crossentropy, as Keras fuses them

    def step(xb, yb):
        loss = loss_fn(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()

    for i in range(3):  # warm-up: allocations, kernel selection
        step(x[i * 256:(i + 1) * 256], y[i * 256:(i + 1) * 256])
    order = torch.randperm(len(x))
    start = time.perf_counter()
    for i in range(0, len(x), 256):
        idx = order[i:i + 256]
        step(x[idx], y[idx])
    return time.perf_counter() - start


def kcc_train(kcc, data, model, seed, out):
    cmd = [kcc, "fit", model, "--images", os.path.join(data, "t10k-images-idx3-ubyte.gz"),
           "--labels", os.path.join(data, "t10k-labels-idx1-ubyte.gz"), "--test-last", "2000",
           "--optimizer", "adam", "--loss", "categorical_crossentropy", "--epochs", "1",
           "--batch-size", "256", "--seed", str(seed), "--verbose", "2", "-o", out]
    text = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return float(re.search(r"trained .* in ([0-9.]+) s", text).group(1))


def torch_latency(name, reps):
    torch.set_num_threads(1)
    model = torch_model(name).eval()
    x = torch.rand(1, 1, 28, 28)
    results = {}
    with torch.no_grad():
        frozen = torch.jit.optimize_for_inference(torch.jit.trace(model, x))
        for label, m in (("eager", model), ("TorchScript", frozen)):
            for _ in range(50):
                m(x)
            best = 1e9
            for _ in range(7):
                t0 = time.perf_counter()
                for _ in range(reps):
                    m(x)
                best = min(best, (time.perf_counter() - t0) / reps)
            results[label] = best * 1e6
    return results


def kcc_latency(kcc, model, tmp, reps):
    src = os.path.join(tmp, "model.c")
    subprocess.run([kcc, model, "-o", src, "--name", "model", "--seed", "1"], check=True,
                   capture_output=True)
    with open(os.path.join(tmp, "bench.c"), "w") as f:
        f.write(HARNESS)
    exe = os.path.join(tmp, "bench")
    cc = os.environ.get("CC", "cc")
    subprocess.run([cc, "-O3", "-march=native", "-o", exe, os.path.join(tmp, "bench.c"), src,
                    "-I", tmp, "-lm"], check=True)
    out = subprocess.run([exe, str(reps)], check=True, capture_output=True, text=True).stdout
    return float(out.split()[0])


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--kcc", default=os.path.join(ROOT, "build", "kcc"))
    p.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data"))
    p.add_argument("--model", default="conv_net")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--threads", default=",".join(str(t) for t in sorted({1, os.cpu_count()})))
    p.add_argument("--reps", type=int, default=2000, help="inference calls per timing round")
    a = p.parse_args()
    model = os.path.join(ROOT, "models", "mnist", a.model + ".json")
    x, y = load_mnist(a.data, 8000)
    threads = [int(t) for t in a.threads.split(",")]

    print(f"{a.model}: one epoch on 8,000 MNIST images, batch 256, adam "
          f"({os.cpu_count()} CPUs, PyTorch {torch.__version__})")
    times = {"kcc": []}
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(a.runs):
            s = kcc_train(a.kcc, a.data, model, run + 1, os.path.join(tmp, f"fit{run}"))
            times["kcc"].append(s)
            print(f"  kcc                      run {run + 1}: {s:7.3f} s", flush=True)
            for t in threads:
                s = torch_train(a.model, x, y, t, run + 1)
                times.setdefault(t, []).append(s)
                print(f"  PyTorch, {t} thread{'s' if t > 1 else ' '}        run {run + 1}: {s:7.3f} s",
                      flush=True)
        k = statistics.median(times["kcc"])
        best_t = min(threads, key=lambda t: statistics.median(times[t]))
        tt = statistics.median(times[best_t])
        print(f"training, median of {a.runs}: kcc {k:.3f} s, PyTorch {tt:.3f} s (best: {best_t} "
              f"thread{'s' if best_t > 1 else ''}): kcc is {tt / k:.2f} times faster")

        print(f"{a.model}: single-image inference latency, one thread")
        kl = kcc_latency(a.kcc, model, tmp, a.reps)
        tl = torch_latency(a.model, max(a.reps // 10, 100))
        print(f"  kcc (generated C, -O3 -march=native): {kl:8.1f} us")
        for label, v in tl.items():
            print(f"  PyTorch {label + ':':29}{v:8.1f} us")
        best = min(tl.values())
        print(f"inference: kcc {kl:.1f} us, PyTorch {best:.1f} us (its faster form): "
              f"kcc is {best / kl:.2f} times faster")


if __name__ == "__main__":
    sys.exit(main())
