#!/usr/bin/env python3
"""Floating-point operations of one ResNet-18 training step per image, counted from the architecture.

usage: python3 bench/resnet_flops.py small|imagenet     -> prints "train_gflop_per_image=<G>"

Counts the multiply-accumulates of every convolution and the final linear layer (batch-norm, ReLU,
pooling and the SGD update are a few percent and left out, as is usual). A training step is taken
as 3x the forward pass (backward = gradient w.r.t. inputs + gradient w.r.t. weights), 2 FLOPs per MAC.
"""
import sys


def conv(cin, cout, k, stride, pad, h, w):
    ho = (h + 2 * pad - k) // stride + 1
    wo = (w + 2 * pad - k) // stride + 1
    return cin * cout * k * k * ho * wo, ho, wo


def resnet18_forward_macs(config):
    if config == "small":
        cin, side, classes = 1, 28, 10
        macs, h, w = conv(cin, 64, 3, 1, 1, side, side)
    elif config == "imagenet":
        cin, side, classes = 3, 224, 1000
        macs, h, w = conv(cin, 64, 7, 2, 3, side, side)
        h, w = (h + 2 - 3) // 2 + 1, (w + 2 - 3) // 2 + 1  # 3x3/2 max-pool, padding 1
    else:
        raise SystemExit(f"unknown config {config!r} (small or imagenet)")
    channels = 64
    for width, stride in [(64, 1), (128, 2), (256, 2), (512, 2)]:
        for block in range(2):
            s = stride if block == 0 else 1
            m1, ho, wo = conv(channels, width, 3, s, 1, h, w)
            m2, _, _ = conv(width, width, 3, 1, 1, ho, wo)
            macs += m1 + m2
            if s != 1 or channels != width:
                macs += conv(channels, width, 1, s, 0, h, w)[0]
            channels, h, w = width, ho, wo
    return macs + channels * classes


if __name__ == "__main__":
    macs = resnet18_forward_macs(sys.argv[1] if len(sys.argv) > 1 else "small")
    print(f"train_gflop_per_image={3 * 2 * macs / 1e9:.6f}")
