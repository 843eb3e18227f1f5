#!/usr/bin/python3
"""bench_churn.py - the tutorial's churn model trained by kcc and by PyTorch.

    tools/bench_churn.py [--kcc build/kcc] [--data ../shared/data/Churn_Modelling.csv]
                         [--epochs 100] [--seeds 1,2,3]

Both train the same model the same way, on one thread each: the tutorial's
preparation (drop RowNumber, CustomerId, Surname; label-encode Gender;
one-hot Geography dropping the first; standard scaling fitted on the
training part; an 80/20 split), Dense 6-6-1 with uniform(-0.05, 0.05)
weights and zero biases, relu, relu, sigmoid, Adam (0.001, epsilon 1e-7),
binary crossentropy, batch 10, shuffled every epoch.  The script prints
each run's training time (the training loop alone: kcc's own timing of
its fit, PyTorch's loop timed here) and accuracies, then the ratio of the
median times.  Not a test: these machines are shared and noisy; run it
on a quiet machine and read the numbers.

Needs Debian's python3-torch (run with /usr/bin/python3).
"""
import argparse
import csv
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


def load(path):
    rows = list(csv.DictReader(open(path, newline="")))
    geo = sorted({r["Geography"] for r in rows})
    gender = sorted({r["Gender"] for r in rows})
    x, y = [], []
    for r in rows:
        f = [float(r["CreditScore"])]
        f += [1.0 if r["Geography"] == g else 0.0 for g in geo[1:]]
        f += [float(gender.index(r["Gender"]))]
        f += [float(r[k]) for k in ("Age", "Tenure", "Balance", "NumOfProducts", "HasCrCard",
                                     "IsActiveMember", "EstimatedSalary")]
        x.append(f)
        y.append(float(r["Exited"]))
    return np.array(x, dtype=np.float32), np.array(y, dtype=np.float32)[:, None]


def torch_run(x, y, seed, epochs):
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(x))
    n_test = int(round(0.2 * len(x)))
    test, train = perm[:n_test], perm[n_test:]
    xtr, xte, ytr, yte = x[train], x[test], y[train], y[test]
    mean, std = xtr.mean(0), xtr.std(0)
    xtr, xte = (xtr - mean) / std, (xte - mean) / std

    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(11, 6), torch.nn.ReLU(), torch.nn.Linear(6, 6),
                                torch.nn.ReLU(), torch.nn.Linear(6, 1))
    for layer in model:
        if isinstance(layer, torch.nn.Linear):
            torch.nn.init.uniform_(layer.weight, -0.05, 0.05)
            torch.nn.init.zeros_(layer.bias)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = torch.nn.BCEWithLogitsLoss()  # sigmoid + crossentropy, as Keras fuses them
    xt, yt = torch.from_numpy(xtr), torch.from_numpy(ytr)
    start = time.perf_counter()
    for _ in range(epochs):
        order = torch.randperm(len(xt))
        correct = torch.zeros(())
        for i in range(0, len(xt), 10):
            idx = order[i:i + 10]
            xb, yb = xt[idx], yt[idx]
            logits = model(xb)
            loss = loss_fn(logits, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            correct += ((logits > 0).float() == yb).sum().detach()
    seconds = time.perf_counter() - start
    with torch.no_grad():
        test_acc = ((model(torch.from_numpy(xte)) > 0).float() == torch.from_numpy(yte)).float().mean()
    return seconds, float(correct) / len(xt), float(test_acc)


def kcc_run(kcc, data, seed, epochs, out):
    cmd = [kcc, "fit", os.path.join(ROOT, "models", "churn.json"), data, "--target", "Exited",
           "--drop", "RowNumber,CustomerId,Surname", "--label-encode", "Gender",
           "--one-hot", "Geography", "--drop-first", "--scale", "--test-split", "0.2",
           "--epochs", str(epochs), "--batch-size", "10", "--seed", str(seed), "--verbose", "2",
           "-o", out]
    text = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    seconds = float(re.search(r"in ([0-9.]+) s", text).group(1))
    train_acc = float(re.findall(r"- accuracy: ([0-9.]+)", text)[-1])
    test_acc = float(re.search(r"test accuracy: ([0-9.]+)", text).group(1))
    return seconds, train_acc, test_acc


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--kcc", default=os.path.join(ROOT, "build", "kcc"))
    p.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data",
                                                  "Churn_Modelling.csv"))
    p.add_argument("--epochs", type=int, default=100)
    p.add_argument("--seeds", default="1,2,3")
    a = p.parse_args()
    torch.set_num_threads(1)
    seeds = [int(s) for s in a.seeds.split(",")]
    x, y = load(a.data)
    print(f"churn, {a.epochs} epochs of 800 steps (batch 10), one thread each")
    print(f"{'':8}{'seed':>6}{'seconds':>10}{'us/step':>10}{'train acc':>11}{'test acc':>10}")
    times = {"kcc": [], "PyTorch": []}
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            for name in ("kcc", "PyTorch"):
                if name == "kcc":
                    s, tr, te = kcc_run(a.kcc, a.data, seed, a.epochs, os.path.join(tmp, str(seed)))
                else:
                    s, tr, te = torch_run(x, y, seed, a.epochs)
                times[name].append(s)
                us = s / (a.epochs * 800) * 1e6
                print(f"{name:8}{seed:>6}{s:>10.3f}{us:>10.2f}{tr:>11.4f}{te:>10.4f}", flush=True)
    k, t = statistics.median(times["kcc"]), statistics.median(times["PyTorch"])
    print(f"median time: kcc {k:.3f} s, PyTorch {t:.3f} s: kcc is {t / k:.0f} times faster")


if __name__ == "__main__":
    sys.exit(main())
