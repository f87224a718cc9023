"""JSON the fixture generators write: lists of scalars kept on one line (compact but readable).
Shared by make-model-fixtures.py and make-trained-fixture.py; standard library only."""

from __future__ import annotations

import json


def dumps(obj, indent: int = 0) -> str:
    """`obj` as indented JSON whose lists of scalars stay on one line; NaN and infinity refused."""
    pad = "  " * indent
    inner = "  " * (indent + 1)
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = [f"{inner}{json.dumps(k)}: {dumps(v, indent + 1)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list):
        if all(not isinstance(v, (dict, list)) for v in obj):
            return "[" + ", ".join(json.dumps(v, allow_nan=False) for v in obj) + "]"
        items = [f"{inner}{dumps(v, indent + 1)}" for v in obj]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return json.dumps(obj, allow_nan=False, ensure_ascii=False)
