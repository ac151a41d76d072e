# SPDX-License-Identifier: MIT
"""Read and write the safetensors layout by hand (no external package).

Layout: 8-byte little-endian unsigned header length N, then N bytes of UTF-8
JSON {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__":
{str: str}}, padded with spaces to a multiple of 8, then the raw
little-endian tensor bytes; offsets are relative to the end of the header.
"""

import json
import struct

import numpy as np

_DTYPES = {
    "F16": np.dtype("<f2"),
    "F32": np.dtype("<f4"),
    "F64": np.dtype("<f8"),
    "I32": np.dtype("<i4"),
    "I64": np.dtype("<i8"),
    "U8": np.dtype("u1"),
}
_NAMES = {v: k for k, v in _DTYPES.items()}


def write_safetensors(path, tensors, metadata=None, dtype=None):
    """tensors: {name: numpy array or torch tensor}; dtype: None (keep) or
    "F16"/"F32" to convert floating tensors. Tensors are written in sorted
    name order, each 8-byte aligned would not be required by the format, so
    they are packed back to back as the reference implementation does."""
    header = {}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        arr = tensors[name]
        if hasattr(arr, "detach"):
            arr = arr.detach().cpu().numpy()
        arr = np.asarray(arr)
        if dtype is not None and arr.dtype.kind == "f":
            arr = arr.astype(_DTYPES[dtype])
        arr = np.ascontiguousarray(arr.astype(arr.dtype.newbyteorder("<")))
        key = _NAMES.get(np.dtype(arr.dtype.str.replace(">", "<").replace("=", "<")))
        if key is None:
            raise ValueError(f"{name}: unsupported dtype {arr.dtype}")
        data = arr.tobytes()
        header[name] = {"dtype": key, "shape": list(arr.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    """-> ({name: numpy array}, metadata dict). Checks offsets and sizes."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError(f"{path}: too short")
    (n,) = struct.unpack("<Q", raw[:8])
    if 8 + n > len(raw):
        raise ValueError(f"{path}: header length {n} past end of file")
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {}) or {}
    body = memoryview(raw)[8 + n:]
    out = {}
    for name, info in header.items():
        dt = _DTYPES[info["dtype"]]
        begin, end = info["data_offsets"]
        count = int(np.prod(info["shape"])) if info["shape"] else 1
        if end - begin != count * dt.itemsize or end > len(body) or begin < 0:
            raise ValueError(f"{path}: tensor {name} has bad offsets")
        out[name] = np.frombuffer(body[begin:end], dtype=dt).reshape(info["shape"]).copy()
    return out, meta
