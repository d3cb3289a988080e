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


def test_bad_parameters_raise_invalid_parameter_error_everywhere():
    """Check that datasets, graph and metrics reject a bad parameter the way estimators do:
    scikit-learn's InvalidParameterError (a ValueError), "The 'p' parameter of f must be ..."."""
    import numpy as np
    import pytest
    from sklearn.utils._param_validation import InvalidParameterError

    from stgraph_sklearn.datasets import load_basic_motions_sequences, make_kitchen_activities
    from stgraph_sklearn.graph import fully_connected, knn_graph, normalized_adjacency
    from stgraph_sklearn.metrics import f1_at_k_score, frame_accuracy_score, get_scorer

    calls = {
        "make_kitchen_activities": lambda: make_kitchen_activities(n_recordings=2.0),
        "load_basic_motions_sequences": lambda: load_basic_motions_sequences(n_sequences=0),
        "fully_connected": lambda: fully_connected(["a", "b"], self_loops="yes"),
        "knn_graph": lambda: knn_graph(np.zeros((3, 1)), 0, node_names=list("abc")),
        "normalized_adjacency": lambda: normalized_adjacency(np.eye(2), kind="col"),
        "f1_at_k_score": lambda: f1_at_k_score([0], [0], k=2),
        "frame_accuracy_score": lambda: frame_accuracy_score([0], [0], average="mean"),
        "get_scorer": lambda: get_scorer("f1@75"),
    }
    for func, call in calls.items():
        with pytest.raises(InvalidParameterError, match=rf"The '\w+' parameter of {func} must be"):
            call()


def test_the_api_reference_lists_every_public_name():
    """docs/api.rst lists each subpackage's ``__all__``, no more and no less: a new public
    name without a page (or a page for a name that went away) fails here."""
    import importlib

    text = (PACKAGE.parent / "docs" / "api.rst").read_text()
    listed = {}
    module = None
    for line in text.splitlines():
        current = re.match(r"\.\. currentmodule:: (\S+)", line)
        if current:
            module = current.group(1)
        entry = re.match(r"   ([A-Za-z_]\w*)$", line)
        if entry and module is not None:
            listed.setdefault(module, set()).add(entry.group(1))
    for name, names in listed.items():
        public = getattr(importlib.import_module(name), "__all__", None)
        if public is None:  # the command line's main: a module without __all__
            continue
        assert names == set(public), (
            f"docs/api.rst, {name}: missing {sorted(set(public) - names)}, "
            f"not public {sorted(names - set(public))}"
        )
    assert len(listed) >= 14
