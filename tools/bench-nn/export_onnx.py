# SPDX-License-Identifier: MIT
"""Export a .safetensors model to ONNX for the ONNX Runtime side of bench-nn.

Usage: /usr/bin/python3 tools/bench-nn/export_onnx.py WEIGHTS OUT.onnx \
           --slices N --height H --width W

The network is our PyTorch reference (tools/reference/model.py) loaded with
the very same weights the C engine benchmarks, with the sigmoids included:
  lungs:     input [N,1,H,W] -> probability [N,1,H,W] (N dynamic)
  multitask: input [1,D,H,W] -> lesion probability [1,D,H,W], study
             probability [1] (shapes fixed: the pyramid windows depend on them)
(Written here because tools/reference/export_onnx.py did not exist yet.)
"""

import argparse
import os
import sys

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "reference"))
from model import load_safetensors_model  # noqa: E402


class LungsProbability(torch.nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return torch.sigmoid(self.net(x))


class MultitaskProbability(torch.nn.Module):
    """The reference's forward with the pyramid windows as Python integers
    (fixed input shape), which the ONNX exporter needs for MaxPool."""

    def __init__(self, net, slices, height, width):
        super().__init__()
        self.net = net
        self.shape = (height, width, slices)  # block axes H, W, D

    def forward(self, x):
        b, d, h, w = x.shape
        f = self.net.backbone(x.reshape(b * d, 1, h, w))
        seg = torch.sigmoid(self.net.seg_head(f).reshape(b, d, h, w))
        block = f.reshape(b, d, -1, h, w).permute(0, 2, 3, 4, 1)
        feats = []
        for lvl in self.net.cls_head.levels:
            stride = [n // lvl for n in self.shape]
            window = [n - (lvl - 1) * st for n, st in zip(self.shape, stride)]
            feats.append(F.max_pool3d(block, kernel_size=window, stride=stride).reshape(b, -1))
        hidden = F.relu(self.net.cls_head.fc1(torch.cat(feats, dim=1)))
        study = torch.sigmoid(self.net.cls_head.fc2(hidden)[:, 0])
        return seg, study


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("weights")
    parser.add_argument("out")
    parser.add_argument("--slices", type=int, default=16)
    parser.add_argument("--height", type=int, required=True)
    parser.add_argument("--width", type=int, required=True)
    args = parser.parse_args()

    net, meta = load_safetensors_model(args.weights)
    torch.set_grad_enabled(False)
    if meta["architecture"] == "lungs":
        model = LungsProbability(net).eval()
        example = torch.zeros(args.slices, 1, args.height, args.width)
        torch.onnx.export(model, (example,), args.out, opset_version=13,
                          input_names=["input"], output_names=["probability"],
                          dynamic_axes={"input": {0: "slices"}, "probability": {0: "slices"}})
    else:
        model = MultitaskProbability(net, args.slices, args.height, args.width).eval()
        # the rewritten forward must equal the reference's own
        x = torch.rand(1, args.slices, args.height, args.width, generator=torch.Generator().manual_seed(1))
        seg, study = model(x)
        ref_seg, ref_cls = net(x)
        assert torch.allclose(seg, torch.sigmoid(ref_seg), atol=1e-6)
        assert torch.allclose(study, torch.sigmoid(ref_cls), atol=1e-6)
        example = torch.zeros(1, args.slices, args.height, args.width)
        torch.onnx.export(model, (example,), args.out, opset_version=13,
                          input_names=["input"], output_names=["lesion", "study"])
    print(f"wrote {args.out} ({meta['architecture']}, {args.slices} x {args.height} x {args.width})")


if __name__ == "__main__":
    main()
