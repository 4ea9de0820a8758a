#!/usr/bin/env python3
"""PyTorch peer for bench/train.sh: training throughput (forward + backward + SGD step) of ResNet-18.

Usage: python3 bench/train_pytorch.py CONFIG STEPS THREADS
  CONFIG: small   -> small stem (3x3/1 conv, no max-pool), input 1x28x28, batch 128, 10 classes
          imagenet -> ImageNet stem, input 3x224x224, batch 16, 1000 classes
Prints one line: "img_s=<images per second> peak_rss_mb=<MB>" (synthetic data, one warm-up step).
Exits with status 3 when torch is not importable.
"""
import resource
import sys
import time

try:
    import torch
    from train_command_pytorch import ResNet18  # torchvision's ResNet-18 layout, without torchvision
except ImportError:
    sys.exit(3)


def model_for(config):
    if config == "small":
        return ResNet18(1, 10, 64, "small"), (128, 1, 28, 28), 10
    return ResNet18(3, 1000, 64, "imagenet"), (16, 3, 224, 224), 1000


def main():
    config, steps, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model, shape, classes = model_for(config)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    x = torch.randn(shape)
    y = torch.randint(0, classes, (shape[0],))
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    step()  # warm-up
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    dt = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"img_s={steps * shape[0] / dt:.2f} peak_rss_mb={rss:.1f}")


if __name__ == "__main__":
    main()
