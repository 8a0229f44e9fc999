"""The floor queries of floor.sql, by name."""

import re
from pathlib import Path

FLOOR_SQL = Path(__file__).resolve().parent / "floor.sql"


def floor_blocks():
    """{name: [statement, ...]} from floor.sql (blocks start with "-- name: <floor>")."""
    blocks, name = {}, None
    for line in FLOOR_SQL.read_text().splitlines():
        match = re.match(r"--\s*name:\s*(\w+)", line)
        if match:
            name = match[1]
            blocks[name] = [""]
        elif name and not line.lstrip().startswith("--"):
            blocks[name][-1] += line + "\n"
            if line.rstrip().endswith(";"):
                blocks[name].append("")
    return {key: [s.strip().rstrip(";") for s in statements if s.strip()] for key, statements in blocks.items()}
