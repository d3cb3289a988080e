"""Structural rules of the package (DESIGN.md section 2)."""

import re
from pathlib import Path

import stgraph_sklearn

PACKAGE = Path(stgraph_sklearn.__file__).parent


def test_no_subpackage_imports_another_subpackages_private_modules():
    """Check that subpackages import each other's public names, never a ``_private`` module."""
    pattern = re.compile(r"from \.\.(\w+)\.(_\w+) import|import stgraph_sklearn\.(\w+)\.(_\w+)")
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for lineno, line in enumerate(path.read_text().splitlines(), start=1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(PACKAGE)}:{lineno}: {line.strip()}")
    assert not offenders, "\n".join(offenders)
