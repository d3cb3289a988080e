"""Contract tests of the stgraph_sklearn.nn package."""

import inspect
import subprocess
import sys

from torch import nn

import stgraph_sklearn.nn as stnn


def test_all_is_sorted_and_complete():
    """Check that __all__ is sorted and every name in it exists."""
    assert stnn.__all__ == sorted(stnn.__all__)
    for name in stnn.__all__:
        assert hasattr(stnn, name)


def test_modules_have_reset_parameters_and_documented_forward():
    """Check every public module has reset_parameters and a forward docstring with shapes."""
    for name in stnn.__all__:
        obj = getattr(stnn, name)
        if inspect.isclass(obj) and issubclass(obj, nn.Module):
            assert callable(getattr(obj, "reset_parameters", None)), name
            doc = obj.forward.__doc__ or ""
            assert "Parameters" in doc or "Returns" in doc, name
            assert "shape" in doc, name


def test_no_sklearn_or_skorch_import():
    """Check that importing stgraph_sklearn.nn does not import sklearn or skorch."""
    code = (
        "import sys, stgraph_sklearn.nn; "
        "print(','.join(m for m in ('sklearn', 'skorch') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
