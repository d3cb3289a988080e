"""Sphinx configuration of the stgraph_sklearn documentation.

Build with ``sphinx-build -b html docs docs/_build/html`` after
``pip install -c constraints.txt -e ".[docs]"``. The gallery runs every ``examples/plot_*.py``.
"""

import os
import sys
from datetime import date
from pathlib import Path

import stgraph_sklearn

sys.path.insert(0, str(Path(__file__).parent / "sphinxext"))

os.environ.setdefault("MPLBACKEND", "Agg")

project = "stgraph_sklearn"
author = "stgraph_sklearn developers"
copyright = f"{date.today().year}, {author}"
version = release = stgraph_sklearn.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "auto_examples/*.ipynb", "**.ipynb"]
default_role = "literal"

# -- autodoc / autosummary / numpydoc ------------------------------------------------------
autosummary_generate = True
autodoc_typehints = "none"
autodoc_default_options = {"members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
# a documented parameter the signature lacks (or a paragraph parsed as one) is a warning
numpydoc_validation_checks = {"PR02", "PR10"}

# -- intersphinx (optional: links to the libraries' docs need network access; offline, set
# STGRAPH_DOCS_OFFLINE=1 to skip it, and the links stay plain text) -----------------------
intersphinx_mapping = {
    "python": ("https://docs.python.org/3", None),
    "numpy": ("https://numpy.org/doc/stable/", None),
    "sklearn": ("https://scikit-learn.org/stable/", None),
    "torch": ("https://docs.pytorch.org/docs/stable/", None),
    "skorch": ("https://skorch.readthedocs.io/en/stable/", None),
}
intersphinx_timeout = 5
if os.environ.get("STGRAPH_DOCS_OFFLINE", "0") not in ("", "0"):
    extensions.remove("sphinx.ext.intersphinx")
    # without the inventories, references into these libraries cannot resolve; in nitpicky
    # builds (-n) only references to our own objects are then checked
    _external = "accelerate|argparse|functools|gc|numpy|pandas|scipy|skorch|sklearn|torch|warnings"
    nitpick_ignore_regex = [(r"py:.*", rf"({_external})(\..*)?")]

# -- sphinx-gallery ------------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": "plot_",
    "reference_url": {"stgraph_sklearn": None},
    "doc_module": ("stgraph_sklearn",),
    "backreferences_dir": "generated/backreferences",
    # quickstart first, then the order of docs/sphinxext/example_order.py
    "within_subsection_order": "example_order.ExampleOrder",
    "download_all_examples": False,
    "remove_config_comments": True,
    "plot_gallery": "True",
}

# -- HTML ----------------------------------------------------------------------------------
try:
    import pydata_sphinx_theme  # noqa: F401

    html_theme = "pydata_sphinx_theme"
    html_theme_options = {"show_toc_level": 2, "navigation_with_keys": False}
except ImportError:  # pragma: no cover - the docs extra installs it
    html_theme = "alabaster"
html_title = f"stgraph_sklearn {release}"
html_static_path = []
