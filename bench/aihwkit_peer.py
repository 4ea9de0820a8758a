#!/usr/bin/env python3
"""aihwkit peer for bench/aihwkit.sh: hardware-aware training throughput of ResNet-18 with analog
layers of IBM's aihwkit (InferenceRPUConfig: the inference tile with its default forward noise, weight
modifier and output ADC/DAC), forward + backward + AnalogSGD step on synthetic 1x28x28 batches.

Usage: aihwkit_peer.py WIDTH STEPS THREADS [BATCH]
Prints one line: "img_s=<images/s> steps=<n> aihwkit=<version> torch=<version>" (one warm-up step,
then the median of STEPS timed steps). Exits 3 when aihwkit is not importable.
"""
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    import torch
    import torch.nn.functional as F
    import aihwkit
    from aihwkit.nn.conversion import convert_to_analog
    from aihwkit.optim import AnalogSGD
    from aihwkit.simulator.configs import InferenceRPUConfig
    from train_command_pytorch import ResNet18
except ImportError:
    sys.exit(3)


def main():
    width, steps, threads = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    batch = int(sys.argv[4]) if len(sys.argv) > 4 else 128
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = convert_to_analog(ResNet18(1, 10, width, "small"), InferenceRPUConfig())
    model.train()
    opt = AnalogSGD(model.parameters(), lr=0.01, momentum=0.9)
    x, y = torch.randn(batch, 1, 28, 28), torch.randint(0, 10, (batch,))

    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()

    step()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    print(f"img_s={batch / statistics.median(times):.2f} steps={steps} aihwkit={aihwkit.__version__} torch={torch.__version__}")


if __name__ == "__main__":
    main()
