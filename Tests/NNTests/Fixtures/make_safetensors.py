#!/usr/bin/env python3
"""PyTorch reference fixtures for Kelvin's safetensors import and export (SafetensorsFixtureTests).

Setup (a throwaway virtualenv; PyPI's Linux torch wheel brings its CUDA libraries, a few GB, but
everything here runs on the CPU):

    python3 -m venv /tmp/st-venv
    /tmp/st-venv/bin/pip install torch safetensors numpy

Write the fixtures (from the repository root):

    /tmp/st-venv/bin/python Tests/NNTests/Fixtures/make_safetensors.py

It builds, with seeded random weights and batch-norm running statistics, in eval mode:
  (a) resnet18_w4: a torchvision-layout ResNet-18 (BasicBlock, torchvision's attribute names, so the
      state_dict names are torchvision's) of width 4 with the small stem (3x3/1 conv, no max-pool),
      3 input channels, 10 classes;
  (b) cnn_w4: ModelSpec.cnn as an nn.Sequential (2 input channels, 12x8 images, width 4, 5 classes);
  (c) resnet18_w2_imagenet: the same ResNet-18 of width 2 with torchvision's ImageNet stem (7x7/2
      conv, 3x3/2 max-pool), 3 input channels, 4 classes, 24x24 inputs.
For each it writes NAME.safetensors (the state_dict, num_batches_tracked included, as F32/I64) and
NAME.json: {"input": {"shape", "values"}, "logits": {"shape", "values"}} for a fixed input batch.
It also writes dtypes.safetensors: the same float32 values stored as F16, BF16 and F64 (and an I64),
with dtypes.json holding the float32 value PyTorch converts each one to.

Check Kelvin's export (PyTorch must accept it with strict=True and reproduce the fixture logits):

    kelvin import --safetensors Tests/NNTests/Fixtures/resnet18_w4.safetensors --model resnet18 \\
        --width 4 --input-channels 3 --classes 10 --out /tmp/r.ckpt
    kelvin export --checkpoint /tmp/r.ckpt --safetensors /tmp/resnet18_w4.safetensors
    kelvin import --safetensors Tests/NNTests/Fixtures/cnn_w4.safetensors --model cnn --width 4 \\
        --input-channels 2 --image-size 12x8 --classes 5 --out /tmp/c.ckpt
    kelvin export --checkpoint /tmp/c.ckpt --safetensors /tmp/cnn_w4.safetensors
    kelvin import --safetensors Tests/NNTests/Fixtures/resnet18_w2_imagenet.safetensors --model resnet18 \
        --stem imagenet --width 2 --input-channels 3 --classes 4 --out /tmp/i.ckpt
    kelvin export --checkpoint /tmp/i.ckpt --safetensors /tmp/resnet18_w2_imagenet.safetensors
    /tmp/st-venv/bin/python Tests/NNTests/Fixtures/make_safetensors.py --check-export /tmp

--check-export DIR loads DIR/NAME.safetensors for each of the three models into fresh modules
with load_state_dict(strict=True) and compares their logits with the fixtures' (max |diff| printed;
exit status 1 beyond 1e-5 relative to the largest logit).
"""
import json
import os
import sys

import torch
from torch import nn
from safetensors.torch import load_file, save_file

HERE = os.path.dirname(os.path.abspath(__file__))


class BasicBlock(nn.Module):
    """torchvision.models.resnet.BasicBlock (same attribute names)."""

    def __init__(self, inplanes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride=stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


class ResNet18(nn.Module):
    """torchvision's ResNet-18 layout with a configurable width and stem (small: 3x3/1 conv, no
    max-pool; imagenet: torchvision's 7x7/2 conv and 3x3/2 max-pool)."""

    def __init__(self, width, in_channels, classes, stem="small"):
        super().__init__()
        if stem == "small":
            self.conv1 = nn.Conv2d(in_channels, width, 3, stride=1, padding=1, bias=False)
            self.maxpool = nn.Identity()
        else:
            self.conv1 = nn.Conv2d(in_channels, width, 7, stride=2, padding=3, bias=False)
            self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        inplanes = width
        for i in range(4):
            planes = width << i
            stride = 1 if i == 0 else 2
            blocks = [BasicBlock(inplanes, planes, stride), BasicBlock(planes, planes)]
            setattr(self, f"layer{i + 1}", nn.Sequential(*blocks))
            inplanes = planes
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(inplanes, classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def cnn(in_channels, height, width, classes, w):
    """ModelSpec.cnn as nn.Sequential (state names 0.weight, 1.running_mean, ..., 9.bias)."""
    return nn.Sequential(
        nn.Conv2d(in_channels, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(w, 2 * w, 3, padding=1, bias=False), nn.BatchNorm2d(2 * w), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(2 * w * (height // 4) * (width // 4), classes))


def models():
    """name -> (module, input shape)."""
    return {
        "resnet18_w4": (ResNet18(width=4, in_channels=3, classes=10), (3, 3, 16, 16)),
        "cnn_w4": (cnn(2, 12, 8, 5, 4), (3, 2, 12, 8)),
        "resnet18_w2_imagenet": (ResNet18(width=2, in_channels=3, classes=4, stem="imagenet"), (2, 3, 24, 24)),
    }


def randomize(module, g):
    """Random weights and running statistics (far from the defaults, so a mix-up shows)."""
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.copy_(1 + 0.2 * torch.randn(m.weight.shape, generator=g))
                m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=g))
                m.running_mean.copy_(0.2 * torch.randn(m.running_mean.shape, generator=g))
                m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=g))
                m.num_batches_tracked.fill_(7)
            elif isinstance(m, (nn.Conv2d, nn.Linear)):
                fan_in = m.weight[0].numel()
                m.weight.copy_(torch.randn(m.weight.shape, generator=g) * (2.0 / fan_in) ** 0.5)
                if m.bias is not None:
                    m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=g))
    module.eval()


def entry(t):
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "values": t.flatten().tolist()}


def write_fixtures():
    for seed, (name, (module, shape)) in enumerate(models().items()):
        g = torch.Generator().manual_seed(100 + seed)
        randomize(module, g)
        x = torch.randn(shape, generator=g)
        with torch.no_grad():
            y = module(x)
        state = {k: v.contiguous() for k, v in module.state_dict().items()}
        save_file(state, os.path.join(HERE, name + ".safetensors"), metadata={"format": "pt"})
        with open(os.path.join(HERE, name + ".json"), "w") as f:
            json.dump({"input": entry(x), "logits": entry(y)}, f)
        print(f"wrote {name}: {sum(v.numel() for v in state.values())} values, logits {list(y.shape)}")

    g = torch.Generator().manual_seed(7)
    base = torch.randn(2, 3, generator=g) * 3
    base[0, 0] = 1e-6  # an F16 subnormal
    tensors = {
        "half": base.to(torch.float16),
        "bfloat": base.to(torch.bfloat16),
        "double": base.to(torch.float64) / 3,
        "count": torch.tensor([-2, 0, 5], dtype=torch.int64),
        "scalar": torch.tensor(42, dtype=torch.int64),
    }
    save_file(tensors, os.path.join(HERE, "dtypes.safetensors"))
    expected = {k: entry(v) for k, v in tensors.items() if v.is_floating_point()}
    with open(os.path.join(HERE, "dtypes.json"), "w") as f:
        json.dump(expected, f)
    print("wrote dtypes")


def check_export(directory):
    ok = True
    for name, (module, _) in models().items():
        state = load_file(os.path.join(directory, name + ".safetensors"))
        module.load_state_dict(state, strict=True)
        module.eval()
        with open(os.path.join(HERE, name + ".json")) as f:
            fixture = json.load(f)
        x = torch.tensor(fixture["input"]["values"]).reshape(fixture["input"]["shape"])
        ref = torch.tensor(fixture["logits"]["values"]).reshape(fixture["logits"]["shape"])
        with torch.no_grad():
            y = module(x)
        worst = (y - ref).abs().max().item()
        bound = 1e-5 * max(1.0, ref.abs().max().item())
        print(f"{name}: load_state_dict(strict=True) ok, max |logit diff| {worst:.3g} (bound {bound:.3g})")
        ok = ok and worst <= bound
    return ok


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--check-export":
        sys.exit(0 if check_export(sys.argv[2]) else 1)
    write_fixtures()
