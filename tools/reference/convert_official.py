# SPDX-License-Identifier: MIT
"""Convert a checkpoint of the official neuro-ml/COVID-19-Triage code (its
`get_lungs_sgm_model()` nn.Sequential or its `MultitaskSpatial`, built on
deep_pipe 0.0.10) to our safetensors format by renaming keys.

Usage:
  /usr/bin/python3 tools/reference/convert_official.py lungs CKPT.pth OUT.safetensors [--f16]
  /usr/bin/python3 tools/reference/convert_official.py multitask-spatial CKPT.pth OUT.safetensors
  /usr/bin/python3 tools/reference/convert_official.py --self-test

Key mapping (official -> ours). deep_pipe's ResBlock holds
`conv_path` = [PreActivation(in, out), PreActivation(out, out)], each with
`bn` and `layer` (the conv), and `adjust_to_stride` (the 1x1 shortcut);
FPN holds `down_path.L`, `bridge`, `up_path.L` (L = 0 is full resolution)
with one ConsistentSequential of ResBlocks each.

| official (lungs: P = "1.", multitask: P = "backbone.1.") | ours |
|---|---|
| `0.weight`, `0.bias` / `backbone.0.*` | `backbone.init.*` |
| `P down_path.L.B.conv_path.0.bn.X` | `backbone.down.L.B.bn1.X` |
| `P down_path.L.B.conv_path.0.layer.weight` | `backbone.down.L.B.conv1.weight` |
| `P down_path.L.B.conv_path.1.bn.X` | `backbone.down.L.B.bn2.X` |
| `P down_path.L.B.conv_path.1.layer.weight` | `backbone.down.L.B.conv2.weight` |
| `P down_path.L.B.adjust_to_stride.weight` | `backbone.down.L.B.shortcut.weight` |
| `P bridge.B.*`, `P up_path.L.B.*` | `backbone.bridge.B.*`, `backbone.up.L.B.*` (same inner renames) |
| lungs `2.bn.X`, `2.layer.weight` | `head.bn.X`, `head.conv.weight` |
| `sgm_head.0.*` (a ResBlock) | `seg_head.block.*` (same inner renames) |
| `sgm_head.1.bn.X`, `sgm_head.1.layer.weight` | `seg_head.bn.X`, `seg_head.conv.weight` |
| `cls_head.2.weight`, `cls_head.2.bias` | `cls_head.fc1.weight`, `cls_head.fc1.bias` |
| `cls_head.5.weight` | `cls_head.fc2.weight` |

X is weight, bias, running_mean or running_var; `num_batches_tracked` is
dropped. MultitaskSpatial registers the same modules a second time under
`model.0.network.*` / `model.1.paths.*`: those duplicates are checked for
equality with the primary copy and dropped. A leading `module.`
(DataParallel) is stripped. The official structure is the paper's; the
metadata written is the paper structure.
"""

import argparse
import os
import re
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import build, paper_structure  # noqa: E402
from safetensors_io import write_safetensors  # noqa: E402

_BLOCK = [
    (r"conv_path\.0\.bn\.", "bn1."),
    (r"conv_path\.0\.layer\.", "conv1."),
    (r"conv_path\.1\.bn\.", "bn2."),
    (r"conv_path\.1\.layer\.", "conv2."),
    (r"adjust_to_stride\.", "shortcut."),
]


def _block(rest):
    for pat, rep in _BLOCK:
        if re.match(pat, rest):
            return re.sub(pat, rep, rest, count=1)
    raise KeyError(rest)


def map_key(arch, key):
    """Official key -> our key, or None for keys that are dropped."""
    if key.endswith("num_batches_tracked"):
        return None
    if key.startswith("module."):
        key = key[len("module."):]
    if arch == "lungs":
        init, fpn, head = "0.", "1.", "2."
    else:
        if key.startswith("model."):
            return None   # duplicate registration, checked separately
        init, fpn, head = "backbone.0.", "backbone.1.", None
    if key.startswith(init):
        return "backbone.init." + key[len(init):]
    if key.startswith(fpn):
        rest = key[len(fpn):]
        m = re.match(r"(down_path|up_path)\.(\d+)\.(\d+)\.(.*)", rest)
        if m:
            part = "down" if m.group(1) == "down_path" else "up"
            return f"backbone.{part}.{m.group(2)}.{m.group(3)}." + _block(m.group(4))
        m = re.match(r"bridge\.(\d+)\.(.*)", rest)
        if m:
            return f"backbone.bridge.{m.group(1)}." + _block(m.group(2))
        raise KeyError(key)
    if head is not None and key.startswith(head):
        return "head." + key[len(head):].replace("layer.", "conv.")
    if key.startswith("sgm_head.0."):
        return "seg_head.block." + _block(key[len("sgm_head.0."):])
    if key.startswith("sgm_head.1."):
        return "seg_head." + key[len("sgm_head.1."):].replace("layer.", "conv.")
    table = {"cls_head.2.weight": "cls_head.fc1.weight", "cls_head.2.bias": "cls_head.fc1.bias",
             "cls_head.5.weight": "cls_head.fc2.weight"}
    if key in table:
        return table[key]
    raise KeyError(key)


def _duplicate_primary(key):
    """model.0.network.X -> backbone.X; model.1.paths.0.network.X -> sgm_head.X;
    model.1.paths.1.X -> cls_head.X."""
    for pre, rep in (("model.0.network.", "backbone."), ("model.1.paths.0.network.", "sgm_head."),
                     ("model.1.paths.1.", "cls_head.")):
        if key.startswith(pre):
            return rep + key[len(pre):]
    return None


def convert(arch, official):
    if "state_dict" in official and isinstance(official["state_dict"], dict):
        official = official["state_dict"]
    if "model" in official and isinstance(official["model"], dict):
        official = official["model"]
    official = {k[len("module."):] if k.startswith("module.") else k: v for k, v in official.items()}
    ours = {}
    for k, v in official.items():
        if arch != "lungs" and k.startswith("model."):
            prim = _duplicate_primary(k)
            if prim is not None and prim in official and not torch.equal(official[prim], v):
                raise ValueError(f"{k} differs from {prim}")
            continue
        nk = map_key(arch, k)
        if nk is not None:
            ours[nk] = v.detach().float()
    model = build(arch)
    expected = {k: v.shape for k, v in model.state_dict().items()
                if not k.endswith("num_batches_tracked")}
    missing = sorted(set(expected) - set(ours))
    extra = sorted(set(ours) - set(expected))
    if missing or extra:
        raise ValueError(f"missing {missing[:5]}..., unexpected {extra[:5]}...")
    for k, shape in expected.items():
        if ours[k].shape != shape:
            raise ValueError(f"{k}: shape {tuple(ours[k].shape)}, expected {tuple(shape)}")
    return ours


def _official_names(arch, ours):
    """Inverse mapping, for the self-test only."""
    inv = {}
    blk = [("bn1.", "conv_path.0.bn."), ("conv1.", "conv_path.0.layer."),
           ("bn2.", "conv_path.1.bn."), ("conv2.", "conv_path.1.layer."),
           ("shortcut.", "adjust_to_stride.")]

    def b(rest):
        for a, r in blk:
            if rest.startswith(a):
                return r + rest[len(a):]
        raise KeyError(rest)
    fpn = "1." if arch == "lungs" else "backbone.1."
    for k, v in ours.items():
        if k.startswith("backbone.init."):
            nk = ("0." if arch == "lungs" else "backbone.0.") + k[len("backbone.init."):]
        elif k.startswith("backbone."):
            parts = k.split(".")
            if parts[1] == "bridge":
                nk = fpn + f"bridge.{parts[2]}." + b(".".join(parts[3:]))
            else:
                nk = fpn + f"{parts[1]}_path.{parts[2]}.{parts[3]}." + b(".".join(parts[4:]))
        elif k.startswith("head."):
            nk = "2." + k[len("head."):].replace("conv.", "layer.")
        elif k.startswith("seg_head.block."):
            nk = "sgm_head.0." + b(k[len("seg_head.block."):])
        elif k.startswith("seg_head."):
            nk = "sgm_head.1." + k[len("seg_head."):].replace("conv.", "layer.")
        else:
            nk = {"cls_head.fc1.weight": "cls_head.2.weight", "cls_head.fc1.bias": "cls_head.2.bias",
                  "cls_head.fc2.weight": "cls_head.5.weight"}[k]
        inv[nk] = v
    if arch != "lungs":
        for k, v in list(inv.items()):
            for pre, rep in (("backbone.", "model.0.network."), ("sgm_head.", "model.1.paths.0.network."),
                             ("cls_head.", "model.1.paths.1.")):
                if k.startswith(pre):
                    inv[rep + k[len(pre):]] = v
    return inv


def self_test():
    torch.manual_seed(0)
    for arch in ("lungs", "multitask-spatial"):
        m = build(arch)
        ours = {k: v for k, v in m.state_dict().items() if not k.endswith("num_batches_tracked")}
        official = _official_names(arch, ours)
        back = convert(arch, official)
        assert set(back) == set(ours)
        assert all(torch.equal(back[k], ours[k].float()) for k in ours)
        print(f"{arch}: {len(official)} official keys -> {len(back)} keys, round trip exact")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("architecture", nargs="?", choices=("lungs", "multitask-spatial"))
    ap.add_argument("checkpoint", nargs="?")
    ap.add_argument("out", nargs="?")
    ap.add_argument("--f16", action="store_true", help="store float16 (default float32)")
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args()
    if args.self_test:
        self_test()
        return
    if not (args.architecture and args.checkpoint and args.out):
        ap.error("architecture, checkpoint and out are required")
    official = torch.load(args.checkpoint, map_location="cpu")
    ours = convert(args.architecture, official)
    meta = {"architecture": args.architecture, "format_version": "1", "pixel_spacing_mm": "2,2",
            "hu_window": "-1000,300", "threshold": "0.5" if args.architecture == "lungs" else "0.2",
            "training_data": f"converted from an official COVID-19-Triage checkpoint ({os.path.basename(args.checkpoint)})",
            "license": "as the checkpoint's"}
    meta.update(paper_structure(args.architecture))
    write_safetensors(args.out, ours, meta, dtype="F16" if args.f16 else "F32")
    print(f"wrote {args.out}: {len(ours)} tensors")


if __name__ == "__main__":
    main()
