# SPDX-License-Identifier: MIT
"""Export a safetensors model (docs/networks.md) to ONNX, full size, for the
side-by-side ONNX Runtime benchmark (tools/bench-nn).

Usage:
  /usr/bin/python3 tools/reference/export_onnx.py WEIGHTS.safetensors OUT.onnx [--opset 13]

Graphs (float32, dynamic N = slices, H, W):
- lungs: input `input` [N,1,H,W] (windowed slices in [0,1]) ->
  `lung_probability` [N,1,H,W] (sigmoid applied).
- multitask-spatial: input `input` [N,1,H,W] -> `lesion_probability`
  [N,1,H,W] (sigmoid applied) and `features` [N,C,H,W], the backbone's top
  map (C = 8 at paper width). The study classifier (3-D pyramid max pooling
  over the whole stack, whose window sizes depend on the stack's shape, then
  fc1 -> ReLU -> fc2 -> sigmoid) is NOT in the graph: it costs < 0.1 % of
  the MACs; a caller that wants the study probability applies it to
  `features` (see model.pyramid_max_pool3d / ClsHead). Dropout is absent
  (eval mode). BatchNorm is exported as is (ONNX Runtime folds it).
"""

import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import load_safetensors_model  # noqa: E402


class LungsGraph(torch.nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return torch.sigmoid(self.net(x))


class MultitaskGraph(torch.nn.Module):
    def __init__(self, net):
        super().__init__()
        self.backbone = net.backbone
        self.seg_head = net.seg_head

    def forward(self, x):
        f = self.backbone(x)
        return torch.sigmoid(self.seg_head(f)), f


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("weights")
    ap.add_argument("out")
    ap.add_argument("--opset", type=int, default=13)
    args = ap.parse_args()
    net, meta = load_safetensors_model(args.weights)
    net.backbone.always_resize = True
    dyn = {0: "slices", 2: "height", 3: "width"}
    x = torch.rand(2, 1, 37, 53)
    if meta["architecture"] == "lungs":
        graph, outs = LungsGraph(net), ["lung_probability"]
        axes = {"input": dyn, "lung_probability": dyn}
    else:
        graph, outs = MultitaskGraph(net), ["lesion_probability", "features"]
        axes = {"input": dyn, "lesion_probability": dyn, "features": dyn}
    graph.eval()
    with torch.no_grad():
        torch.onnx.export(graph, (x,), args.out, input_names=["input"], output_names=outs,
                          dynamic_axes=axes, opset_version=args.opset, do_constant_folding=True)
    import onnx
    model = onnx.load(args.out)
    onnx.checker.check_model(model)
    for k in ("architecture", "training_data"):
        if k in meta:
            entry = model.metadata_props.add()
            entry.key, entry.value = k, meta[k]
    onnx.save(model, args.out)
    print(f"wrote {args.out}: {os.path.getsize(args.out)} bytes, outputs {outs}")


if __name__ == "__main__":
    main()
