# SPDX-License-Identifier: MIT
"""Our PyTorch reference of the two networks described in docs/networks.md.

Written from docs/networks.md (itself checked against the official
neuro-ml/COVID-19-Triage code and deep_pipe 0.0.10). The module tree is laid
out so that `state_dict()` keys are exactly the tensor names of the
safetensors contract. The structure comes from the same metadata strings as
the C engine reads, with the paper's structure as the default.

Shapes: slices are folded into the batch. `LungNet` takes [N, 1, H, W] and
returns logits [N, 1, H, W]. `MultitaskSpatial` takes one or several studies
[B, D, H, W] (D slices each) and returns lesion logits [B, D, H, W] and one
study logit [B].
"""

import torch
from torch import nn
import torch.nn.functional as F

PAPER_STRUCTURE = {
    "init_channels": "8",
    "down_channels": "8,8,8;8,16,16;16,32,32;32,64,64;64,128,128;128,256,256",
    "bridge_channels": "256,512,256",
    "up_channels": "8,8;16,16,8;32,32,16;64,64,32;128,128,64;256,256,128",
    "pyramid_levels": "1,2,4,8",
    "fc_hidden": "1024",
}
PAPER_LUNGS_UP = "8,8,8;16,16,8;32,32,16;64,64,32;128,128,64;256,256,128"
STRUCTURE_KEYS = ("init_channels", "down_channels", "bridge_channels",
                  "up_channels", "pyramid_levels", "fc_hidden")


def paper_structure(architecture):
    s = dict(PAPER_STRUCTURE)
    if architecture == "lungs":
        s["up_channels"] = PAPER_LUNGS_UP
        del s["pyramid_levels"]
        del s["fc_hidden"]
    return s


def _ints(text):
    return [int(v) for v in text.split(",")]


def _groups(text):
    return [_ints(g) for g in text.split(";")]


class ResBlock(nn.Module):
    """Pre-activation residual block: BN-ReLU-conv3x3-BN-ReLU-conv3x3 plus a
    shortcut on the raw input (identity, or 1x1 conv without bias when the
    widths differ)."""

    def __init__(self, cin, cout):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        if cin != cout:
            self.shortcut = nn.Conv2d(cin, cout, 1, bias=False)
        else:
            self.shortcut = None

    def forward(self, x):
        y = self.conv1(F.relu(self.bn1(x)))
        y = self.conv2(F.relu(self.bn2(y)))
        skip = x if self.shortcut is None else self.shortcut(x)
        return y + skip


def _path(channels):
    """"a,b,c" -> ResBlock(a->b), ResBlock(b->c)."""
    return nn.Sequential(*[ResBlock(a, b) for a, b in zip(channels[:-1], channels[1:])])


class Backbone(nn.Module):
    def __init__(self, structure):
        super().__init__()
        init = int(structure["init_channels"])
        down = _groups(structure["down_channels"])
        bridge = _ints(structure["bridge_channels"])
        up = _groups(structure["up_channels"])
        if len(down) != len(up):
            raise ValueError("down_channels and up_channels need the same number of levels")
        if down[0][0] != init:
            raise ValueError("down level 0 must start with init_channels")
        for lvl in range(len(down)):
            prev = down[lvl - 1][-1] if lvl else init
            if down[lvl][0] != prev:
                raise ValueError(f"down level {lvl} input width mismatch")
            deeper = up[lvl + 1][-1] if lvl + 1 < len(up) else bridge[-1]
            if deeper != down[lvl][-1] or up[lvl][0] != down[lvl][-1]:
                raise ValueError(f"up level {lvl} width mismatch")
        if bridge[0] != down[-1][-1]:
            raise ValueError("bridge input width mismatch")
        self.init = nn.Conv2d(1, init, 3, padding=1, bias=True)
        self.down = nn.ModuleList([_path(c) for c in down])
        self.bridge = _path(bridge)
        self.up = nn.ModuleList([_path(c) for c in up])
        self.out_channels = up[0][-1]
        # ONNX export traces shapes: resize unconditionally there (a resize
        # to the same size is an exact copy, so results do not change).
        self.always_resize = False

    def forward(self, x):
        x = self.init(x)
        skips = []
        for level in self.down:
            x = level(x)
            skips.append(x)
            x = F.max_pool2d(x, 2, ceil_mode=True)
        x = self.bridge(x)
        for level, skip in zip(reversed(self.up), reversed(skips)):
            if self.always_resize or x.shape[2:] != skip.shape[2:]:
                x = F.interpolate(x, size=skip.shape[2:], mode="bilinear", align_corners=False)
            x = level(x + skip)
        return x


class PreActHead(nn.Module):
    """BN -> ReLU -> conv 1x1 (C -> 1, no bias)."""

    def __init__(self, channels):
        super().__init__()
        self.bn = nn.BatchNorm2d(channels)
        self.conv = nn.Conv2d(channels, 1, 1, bias=False)

    def forward(self, x):
        return self.conv(F.relu(self.bn(x)))


class LungNet(nn.Module):
    architecture = "lungs"

    def __init__(self, structure=None):
        super().__init__()
        self.structure = dict(structure or paper_structure("lungs"))
        self.backbone = Backbone(self.structure)
        self.head = PreActHead(self.backbone.out_channels)

    def forward(self, x):
        """x [N,1,H,W] -> logits [N,1,H,W]."""
        return self.head(self.backbone(x))


class SegHead(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.block = ResBlock(channels, channels)
        self.bn = nn.BatchNorm2d(channels)
        self.conv = nn.Conv2d(channels, 1, 1, bias=False)

    def forward(self, x):
        return self.conv(F.relu(self.bn(self.block(x))))


def pyramid_max_pool3d(block, levels):
    """block [B,C,H,W,D] -> [B, C * sum(l^3)]; overlapping bins:
    stride = n // l, window = n - (l - 1) * stride, per axis. Order: level,
    channel, bins along H, W, D (D fastest)."""
    shape = block.shape[2:]
    if min(shape) < max(levels):
        raise ValueError(f"pyramid pooling needs every axis >= {max(levels)}, got {tuple(shape)}")
    feats = []
    for lvl in levels:
        stride = [n // lvl for n in shape]
        window = [n - (lvl - 1) * s for n, s in zip(shape, stride)]
        pooled = F.max_pool3d(block, kernel_size=window, stride=stride)
        assert pooled.shape[2:] == (lvl, lvl, lvl)
        feats.append(pooled.reshape(block.shape[0], -1))
    return torch.cat(feats, dim=1)


class ClsHead(nn.Module):
    def __init__(self, channels, levels, hidden):
        super().__init__()
        self.levels = levels
        n_feat = channels * sum(l ** 3 for l in levels)
        self.drop1 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(n_feat, hidden)
        self.drop2 = nn.Dropout(0.5)
        self.fc2 = nn.Linear(hidden, 1, bias=False)

    def forward(self, block):
        """block [B,C,H,W,D] -> logit [B]."""
        f = pyramid_max_pool3d(block, self.levels)
        h = F.relu(self.fc1(self.drop1(f)))
        return self.fc2(self.drop2(h))[:, 0]


class MultitaskSpatial(nn.Module):
    architecture = "multitask-spatial"

    def __init__(self, structure=None):
        super().__init__()
        self.structure = dict(structure or paper_structure("multitask-spatial"))
        self.backbone = Backbone(self.structure)
        c = self.backbone.out_channels
        self.seg_head = SegHead(c)
        self.cls_head = ClsHead(c, _ints(self.structure["pyramid_levels"]),
                                int(self.structure["fc_hidden"]))

    def features(self, x):
        """x [B,D,H,W] -> backbone features [B,C,H,W,D]."""
        b, d, h, w = x.shape
        f = self.backbone(x.reshape(b * d, 1, h, w))
        return f.reshape(b, d, -1, h, w).permute(0, 2, 3, 4, 1)

    def forward(self, x, with_cls=True):
        """x [B,D,H,W] -> (lesion logits [B,D,H,W], study logit [B] or None)."""
        b, d, h, w = x.shape
        f = self.backbone(x.reshape(b * d, 1, h, w))
        seg = self.seg_head(f).reshape(b, d, h, w)
        cls = None
        if with_cls:
            block = f.reshape(b, d, -1, h, w).permute(0, 2, 3, 4, 1)
            cls = self.cls_head(block)
        return seg, cls


def build(architecture, structure=None):
    if architecture == "lungs":
        return LungNet(structure)
    if architecture == "multitask-spatial":
        return MultitaskSpatial(structure)
    raise ValueError(f"unknown architecture {architecture!r}")


def structure_from_metadata(architecture, metadata):
    """Structure keys from a `__metadata__` dict, paper default for absent ones."""
    s = paper_structure(architecture)
    for k in list(s):
        if k in metadata:
            s[k] = metadata[k]
    return s


def export_state(model):
    """state_dict without num_batches_tracked, as float32 tensors."""
    return {k: v.detach().float().contiguous() for k, v in model.state_dict().items()
            if not k.endswith("num_batches_tracked")}


def load_safetensors_model(path, device="cpu"):
    from safetensors_io import read_safetensors
    tensors, meta = read_safetensors(path)
    arch = meta["architecture"]
    model = build(arch, structure_from_metadata(arch, meta))
    state = {k: torch.from_numpy(v.astype("float32")) for k, v in tensors.items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise ValueError(f"{path}: missing {missing}, unexpected {unexpected}")
    return model.to(device).eval(), meta
