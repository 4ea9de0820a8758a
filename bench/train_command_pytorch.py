#!/usr/bin/env python3
"""PyTorch peer of the user's command in bench/train_command.sh:

    kelvin train --model resnet18 --stem small --width 64 --dataset fashion-mnist --batch 128 --threads 2

The same recipe in PyTorch: ResNet-18 (torchvision's BasicBlock layout, written out here so that no
torchvision is needed) with the small stem (3x3/1 conv, no max-pool) or the ImageNet stem (7x7/2 conv
+ 3x3/2 max-pool), Fashion-MNIST read from the IDX files Kelvin reads (Debian's dataset-fashion-mnist)
and normalised with the training set's mean and std, or synthetic CxHxW images; shuffled batches,
SGD (momentum 0.9, weight decay 5e-4) under a one-cycle schedule with peak lr 0.1, cross-entropy.

Each step is timed from the end of the previous one (batch fetch + forward + backward + update), as
Kelvin times the steps it writes to steps.csv. Prints one line:
    img_s=<median images/s over steps after the first WARMUP> steps=<n> threads=<t>
Usage: train_command_pytorch.py DATASET STEPS THREADS [--stem small|imagenet] [--width 64] [--batch 128]
Exits with status 3 when torch is not importable.
"""
import argparse
import gzip
import os
import statistics
import sys
import time

try:
    import numpy as np
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:
    sys.exit(3)

WARMUP = 3


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + (x if self.shortcut is None else self.shortcut(x)))


class ResNet18(nn.Module):
    def __init__(self, channels, classes, width, stem):
        super().__init__()
        if stem == "small":
            self.stem = nn.Sequential(nn.Conv2d(channels, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU())
        else:
            self.stem = nn.Sequential(nn.Conv2d(channels, width, 7, 2, 3, bias=False), nn.BatchNorm2d(width), nn.ReLU(),
                                      nn.MaxPool2d(3, 2, 1))
        layers, cin = [], width
        for i, cout in enumerate([width, 2 * width, 4 * width, 8 * width]):
            layers += [BasicBlock(cin, cout, 1 if i == 0 else 2), BasicBlock(cout, cout, 1)]
            cin = cout
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        x = self.layers(self.stem(x))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def dataset(name):
    if name == "fashion-mnist":
        root = os.environ.get("KELVIN_DATA", "/usr/share/datasets") + "/fashion-mnist"
        x = idx(root + "/train-images-idx3-ubyte.gz").astype(np.float32)[:, None] / 255
        y = idx(root + "/train-labels-idx1-ubyte.gz").astype(np.int64)
        x = (x - x.mean()) / x.std()
        return torch.from_numpy(x), torch.from_numpy(y), 10
    c, h, w = (int(v) for v in name.split(":")[1].split("x"))
    g = torch.Generator().manual_seed(1)
    return torch.randn(256, c, h, w, generator=g), torch.randint(0, 10, (256,), generator=g), 10


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dataset")
    ap.add_argument("steps", type=int)
    ap.add_argument("threads", type=int)
    ap.add_argument("--stem", default="small")
    ap.add_argument("--width", type=int, default=64)
    ap.add_argument("--batch", type=int, default=128)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    x, y, classes = dataset(a.dataset)
    model = ResNet18(x.shape[1], classes, a.width, a.stem)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=max(a.steps, 2))
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=a.batch, shuffle=True,
                                         drop_last=True)
    times, last, done = [], time.perf_counter(), 0
    while done < a.steps:
        for xb, yb in loader:
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            sched.step()
            now = time.perf_counter()
            times.append(now - last)
            last = now
            done += 1
            if done >= a.steps:
                break
    steady = times[WARMUP:] if len(times) > WARMUP else times
    print(f"img_s={a.batch / statistics.median(steady):.2f} steps={len(steady)} threads={a.threads}")


if __name__ == "__main__":
    main()
