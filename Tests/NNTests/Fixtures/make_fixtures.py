#!/usr/bin/env python3
"""Writes PyTorch reference fixtures for Kelvin's residual blocks.

Run from the repository root:  python3 Tests/NNTests/Fixtures/make_fixtures.py
Needs torch and torchvision. For a torchvision BasicBlock (4 -> 8, stride 2, 1x1 downsample) and a
Bottleneck (4 -> planes 2 -> 8, stride 2 on the 3x3 conv as in torchvision, 1x1 downsample), both in
training mode (batch-norm uses batch statistics), it records: every parameter (torchvision names),
the input x, the output y, and for loss = sum(y * R) with a fixed R: dL/dx and dL/dparameter, plus
the batch-norm running statistics after the forward pass (momentum 0.1). Output: JSON files next to
this script, {"name": {"shape": [...], "values": [...]}} with float32 values written exactly.
"""
import json
import os

import torch
from torchvision.models.resnet import BasicBlock, Bottleneck


def conv1x1(cin, cout, stride):
    return torch.nn.Conv2d(cin, cout, 1, stride=stride, bias=False)


def fixture(name, block, x_shape, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for pname, p in block.named_parameters():
            if "bn" in pname or pname.startswith("downsample.1"):
                if pname.endswith("weight"):
                    p.copy_(1 + 0.2 * torch.randn(p.shape, generator=g))
                else:
                    p.copy_(0.1 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.3 * torch.randn(p.shape, generator=g))
    block.train()
    x = torch.randn(x_shape, generator=g).requires_grad_(True)
    y = block(x)
    r = torch.randn(y.shape, generator=g)
    loss = (y * r).sum()
    loss.backward()

    def entry(t):
        t = t.detach().to(torch.float32).contiguous()
        return {"shape": list(t.shape), "values": t.flatten().tolist()}

    out = {"x": entry(x), "y": entry(y), "R": entry(r), "dx": entry(x.grad), "loss": entry(loss.reshape(1))}
    for pname, p in block.named_parameters():
        out[pname] = entry(p)
        out["grad." + pname] = entry(p.grad)
    for bname, b in block.named_buffers():
        if "running" in bname:
            out[bname] = entry(b)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), name + ".json")
    with open(path, "w") as f:
        json.dump(out, f)
    print("wrote", path, "loss", float(loss))


if __name__ == "__main__":
    torch.manual_seed(0)
    basic = BasicBlock(4, 8, stride=2, downsample=torch.nn.Sequential(conv1x1(4, 8, 2), torch.nn.BatchNorm2d(8)))
    fixture("basic_block", basic, (2, 4, 6, 6), seed=1)
    bottleneck = Bottleneck(4, 2, stride=2, downsample=torch.nn.Sequential(conv1x1(4, 8, 2), torch.nn.BatchNorm2d(8)))
    fixture("bottleneck", bottleneck, (2, 4, 6, 6), seed=2)
