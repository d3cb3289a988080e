"""save_model / load_model: one safetensors file, weights and arrays as tensors, the rest JSON.

Nothing in the file is unpickled: tensors are read by safetensors, and the structure (classes
of the library by name from an allow-list, their parameters and fitted attributes) is JSON in
the file's metadata. Optimizer state is not stored.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os

import numpy as np

from .._version import __version__
from ..exceptions import StgraphWarning, warn
from ..utils import check_device, final_estimator, seed_from

__all__ = ["FORMAT_VERSION", "load_model", "save_model"]

#: Version of the model-file layout this library writes; files of a newer layout are refused.
FORMAT_VERSION = 1
_MAGIC = "stgraph_sklearn.model"
# Parameters that configure training only and cannot be plain data; saved as their defaults.
_TRAINING_ONLY = {"callbacks": None, "accelerator": None}


class _Unstorable(TypeError):
    pass


def _digest(arrays, metadata):
    """SHA-256 of a model file's tensors (names, dtypes, shapes, bytes) and JSON entries."""
    h = hashlib.sha256()
    for key in ("format", "format_version", "versions", "model"):
        h.update(f"{key}={metadata.get(key)}\n".encode())
    for name in sorted(arrays):
        arr = np.ascontiguousarray(arrays[name])
        h.update(f"{name}:{arr.dtype.str}:{arr.shape}\n".encode())
        h.update(arr.view(np.uint8).reshape(-1).data if arr.size else b"")
    return h.hexdigest()


def _classes():
    """The allow-list of classes a model file may name: the library's public estimators."""
    from sklearn.base import BaseEstimator
    from sklearn.pipeline import Pipeline

    from .. import estimators, pipeline, transformers

    out = {"sklearn.pipeline.Pipeline": Pipeline}
    for module in (estimators, transformers, pipeline):
        for name in module.__all__:
            obj = getattr(module, name)
            # estimators a fit makes, not the abstract base nor the streams
            if isinstance(obj, type) and issubclass(obj, BaseEstimator) and name[:4] != "Base":
                out[f"{module.__name__}.{name}"] = obj
    return out


def _class_key(obj):
    cls = type(obj)
    for key, known in _classes().items():
        if known is cls:
            return key
    return None


def _what(v):
    """``module.QualName`` of an object's class, or of the class itself when given one (a
    user's torch module class, not ``builtins.type``)."""
    cls = v if isinstance(v, type) else type(v)
    kind = "the class " if isinstance(v, type) else ""
    return f"{kind}{cls.__module__}.{cls.__qualname__}"


class _Encoder:
    """Turn parameters and fitted state into JSON plus a dict of named arrays."""

    def __init__(self):
        self.arrays = {}

    def array(self, arr, path):
        arr = np.asarray(arr)
        if arr.dtype.kind in "biuf":
            self.arrays[path] = np.ascontiguousarray(arr)
            return {"__ndarray__": path}
        if arr.dtype.kind == "U" or (
            arr.dtype.kind == "O" and all(isinstance(v, str) for v in arr.ravel().tolist())
        ):
            return {"__str_array__": arr.tolist(), "object": arr.dtype.kind == "O"}
        raise _Unstorable(f"an array of dtype {arr.dtype} at {path!r}")

    def value(self, v, path):
        import torch

        from ..data import SensorGraph

        if v is None or isinstance(v, (bool, str)):
            return v
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return v
        if isinstance(v, np.generic):
            return v.item()
        if isinstance(v, np.ndarray):
            return self.array(v, path)
        if isinstance(v, torch.Tensor):
            return self.array(v.detach().cpu().numpy(), path)
        if isinstance(v, tuple):
            return {"__tuple__": [self.value(x, f"{path}.{i}") for i, x in enumerate(v)]}
        if isinstance(v, list):
            return [self.value(x, f"{path}.{i}") for i, x in enumerate(v)]
        if isinstance(v, dict):
            return {
                "__dict__": [
                    [self.value(k, f"{path}.#key{i}"), self.value(x, _child(path, k, i))]
                    for i, (k, x) in enumerate(v.items())
                ]
            }
        if isinstance(v, SensorGraph):
            return {
                "__SensorGraph__": {
                    "edge_index": self.array(v.edge_index, f"{path}.edge_index"),
                    "edge_weight": self.array(v.edge_weight, f"{path}.edge_weight"),
                    "node_names": list(v.node_names),
                    "node_modality": list(v.node_modality),
                }
            }
        if isinstance(v, torch.device):
            return {"__device__": str(v)}
        if isinstance(v, type) and issubclass(v, torch.optim.Optimizer):
            if getattr(torch.optim, v.__name__, None) is v:
                return {"__optimizer__": v.__name__}
        if isinstance(v, type) and _nn_module_name(v) is not None:
            return {"__nn_module__": _nn_module_name(v)}
        if isinstance(v, np.random.RandomState):
            return None  # training-only; a loaded model is already trained
        key = _class_key(v)
        if key is not None:
            return self.estimator(v, path)
        raise _Unstorable(f"{_what(v)} at {path!r}")

    def estimator(self, est, path):
        from sklearn.pipeline import Pipeline

        key = _class_key(est)
        if key is None:
            raise _Unstorable(f"{_what(est)} at {path!r}")
        if isinstance(est, Pipeline):
            params = est.get_params(deep=False)
            steps = [
                [name, step if _skipped(step) else self.estimator(step, f"{path}.{name}")]
                for name, step in est.steps
            ]
            rest = {k: v for k, v in params.items() if k not in ("steps", "memory")}
            return {"class": key, "steps": steps, "params": self.value(rest, f"{path}.params")}
        params = est.get_params(deep=False)
        params.update({k: v for k, v in _TRAINING_ONLY.items() if k in params})
        node = {"class": key, "params": self.value(params, f"{path}.params")}
        state = {
            k: v
            for k, v in vars(est).items()
            if k.endswith("_") and not k.startswith("_") and k not in ("net_", "history_")
        }
        if state:
            node["state"] = self.value(state, f"{path}.state")
        if hasattr(est, "net_") and hasattr(est, "build_module"):  # a neural segmenter
            # the file rebuilds the network from the parameters: they must still describe it
            est._check_params_describe_net("save_model")
            net = est.net_
            node["input_graph"] = self.value(getattr(est, "_input_graph", None), f"{path}.graph")
            node["module"] = self.value(dict(net.module_.state_dict()), f"{path}.module")
            node["criterion"] = self.value(dict(net.criterion_.state_dict()), f"{path}.criterion")
            node["history"] = json.loads(json.dumps(list(net.history), default=_json_default))
        return node


def _skipped(step):
    """Whether a pipeline step is turned off (``None`` or ``"passthrough"``): stored as is."""
    return step is None or (isinstance(step, str) and step == "passthrough")


def _nn_module_name(cls):
    """The name of a network class of :mod:`stgraph_sklearn.nn` (the ``module`` parameter)."""
    from .. import nn

    name = getattr(cls, "__name__", None)
    return name if name in nn.__all__ and getattr(nn, name) is cls else None


def _child(path, key, i):
    return f"{path}.{key}" if isinstance(key, str) else f"{path}.#{i}"


def _json_default(v):
    if isinstance(v, np.generic):
        return v.item()
    return None


class _Decoder:
    def __init__(self, arrays):
        self.arrays = arrays

    def value(self, v):
        from ..data import SensorGraph

        if isinstance(v, list):
            return [self.value(x) for x in v]
        if not isinstance(v, dict):
            return v
        if "__ndarray__" in v:
            return self.arrays[v["__ndarray__"]].copy()
        if "__str_array__" in v:
            return np.asarray(v["__str_array__"], dtype=object if v["object"] else None)
        if "__tuple__" in v:
            return tuple(self.value(x) for x in v["__tuple__"])
        if "__dict__" in v:
            return {_hashable(self.value(k)): self.value(x) for k, x in v["__dict__"]}
        if "__SensorGraph__" in v:
            g = v["__SensorGraph__"]
            return SensorGraph(
                self.value(g["edge_index"]),
                self.value(g["edge_weight"]),
                g["node_names"],
                g["node_modality"],
            )
        if "__device__" in v:
            return v["__device__"]
        if "__nn_module__" in v:
            from .. import nn

            if v["__nn_module__"] not in nn.__all__:
                raise ValueError(f"unknown network {v['__nn_module__']!r}")
            return getattr(nn, v["__nn_module__"])
        if "__optimizer__" in v:
            import torch

            return getattr(torch.optim, v["__optimizer__"])
        if "class" in v:
            return self.estimator(v)
        raise ValueError(f"unknown entry {sorted(v)[:3]}")

    def estimator(self, node, device="cpu"):
        from sklearn.utils.validation import check_is_fitted

        classes = _classes()
        if node["class"] not in classes:
            raise ValueError(f"unknown class {node['class']!r}")
        cls = classes[node["class"]]
        params = self.value(node["params"])
        if "steps" in node:
            steps = [
                (name, step if _skipped(step) else self.estimator(step, device))
                for name, step in node["steps"]
            ]
            return cls(steps, **params)
        if "device" in params:
            params["device"] = device
        est = cls(**params)
        est._validate_params()  # the parameter rules fit applies (a hand-edited file)
        for k, v in self.value(node.get("state", {"__dict__": []})).items():
            if not (isinstance(k, str) and k.endswith("_") and not k.startswith("_")):
                raise ValueError(f"{node['class']} has a state entry {k!r}, not a fitted attribute")
            setattr(est, k, v)
        if hasattr(est, "build_module"):  # a neural segmenter: its network must be there
            missing = [k for k in ("module", "criterion", "input_graph") if k not in node]
            if missing:
                raise ValueError(f"the network of {node['class']} is missing ({missing})")
            self._restore_net(est, node)
        check_is_fitted(est)
        return est

    def _restore_net(self, est, node):
        import torch
        from skorch.history import History

        est._device = est.device
        graph = self.value(node["input_graph"])
        est._input_graph = graph
        n_classes = len(est.classes_)
        # the validation split of continued training (warm_start, partial_fit) is seeded as
        # fit seeded it; an int random_state is stored, a drawn seed is not (0 then)
        rs = est.random_state
        seed = seed_from(rs) if isinstance(rs, int) and not isinstance(rs, bool) else 0
        weights = self.value(node["module"])
        with est._private_rng():  # the random initial weights, replaced below
            with _bounded_by(weights, node["class"]):
                module = est._rebuild_module(graph)
            _check_same_tensors(module.state_dict(), weights, node["class"])
            criterion = est._criterion([np.arange(n_classes)])
            net = est._make_net(module, criterion, seed, 0)
            net.initialize()
        to_tensors = {k: torch.as_tensor(v) for k, v in weights.items()}
        net.module_.load_state_dict(to_tensors, strict=True)
        crit = {k: torch.as_tensor(v) for k, v in self.value(node["criterion"]).items()}
        if crit:
            net.criterion_.load_state_dict(crit, strict=True)
        net.module_.to(est.device)
        net.criterion_.to(est.device)
        net.history = History(node["history"])
        est.net_ = net
        est.history_ = net.history
        est._built_params = est.get_params(deep=False)  # what the restored net was built from


@contextlib.contextmanager
def _bounded_by(weights, owner):
    """Build a network no larger than the saved ``weights`` it is to receive.

    A file's parameters (``n_layers``, ``hidden_channels``) decide what is built before the
    weights are compared with it: a hand-edited ``n_layers=100000`` or
    ``hidden_channels=20000`` would build for minutes or allocate gigabytes first. This
    thread's tensor allocations and module registrations beyond twice what the weights
    hold (plus room for the small temporaries a network builds) stop the build at once.
    """
    import threading

    import torch
    from torch.nn.modules import module as torch_module
    from torch.overrides import TorchFunctionMode

    sizes = [int(np.prod(np.shape(w))) for w in weights.values()]
    budget = {"elements": 2 * sum(sizes) + 2**20, "tensors": 2 * len(sizes) + 64}
    factories = {torch.empty, torch.zeros, torch.ones, torch.full, torch.rand, torch.randn}
    thread = threading.get_ident()
    message = (
        f"its parameters describe a larger network than the {len(sizes)} stored weight "
        f"tensors of {owner} ({sum(sizes):,} values) can fill"
    )

    def spend(kind, amount):
        budget[kind] -= amount
        if budget[kind] < 0:
            raise ValueError(message)

    class Allocations(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            if func in factories and args:  # torch.empty(3, 4), torch.full((3, 4), 0.0)
                shape = args[0] if isinstance(args[0], (tuple, list)) else args
                try:
                    elements = np.prod([float(d) for d in shape])
                except (TypeError, ValueError):  # a size it cannot read: torch's to refuse
                    elements = 0
                spend("elements", elements)
            return func(*args, **(kwargs or {}))

    def registered(module, name, value):
        if value is not None and threading.get_ident() == thread:
            spend("tensors", 1)

    hooks = [
        torch_module.register_module_parameter_registration_hook(registered),
        torch_module.register_module_buffer_registration_hook(registered),
    ]
    try:
        with Allocations():
            yield
    finally:
        for hook in hooks:
            hook.remove()


def _check_same_tensors(built, weights, owner):
    """Refuse saved ``weights`` whose names or shapes differ from the ``built`` network's,
    naming a few of each (torch's own message lists every one of thousands)."""
    shapes = {k: tuple(v.shape) for k, v in built.items()}
    stored = {k: tuple(np.shape(v)) for k, v in weights.items()}
    for k, shape in stored.items():  # a scalar is stored as one value (torch reads it so)
        if shape == (1,) and shapes.get(k) == ():
            stored[k] = ()
    if shapes == stored:
        return
    missing = [k for k in shapes if k not in stored]
    extra = [k for k in stored if k not in shapes]
    resized = [
        f"{k} {stored[k]} for {shapes[k]}" for k in shapes if k in stored and stored[k] != shapes[k]
    ]
    parts = [
        f"{what} ({len(names)}: {', '.join(names[:3])}{', ...' if len(names) > 3 else ''})"
        for what, names in (
            ("weights missing", missing),
            ("weights of no layer", extra),
            ("weights of another shape", resized),
        )
        if names
    ]
    raise ValueError(
        f"the stored weights of {owner} do not fit the network its parameters describe: "
        + "; ".join(parts)
    )


def _hashable(v):
    return tuple(v) if isinstance(v, list) else v


def _versions():
    import sklearn
    import torch

    return {
        "stgraph_sklearn": __version__,
        "torch": torch.__version__,
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
    }


def check_model_path(path, owner="save_model"):
    """Raise a clear error if a model file cannot be written at ``path``.

    Checked before any work (the command line checks ``--out`` before training): its folder
    must exist and ``path`` must not be a folder.

    Parameters
    ----------
    path : str or path-like
        Where the model file will be written.
    owner : str, default="save_model"
        What the message names (a function, or a command-line option).

    Raises
    ------
    FileNotFoundError
        If the folder of ``path`` does not exist.
    IsADirectoryError
        If ``path`` is a folder.
    PermissionError
        If the folder cannot be written to (the file is written there next to ``path`` and
        then renamed).
    """
    path = os.path.expanduser(os.fspath(path))
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(
            f"{owner}: cannot write {path!r}: its folder {folder!r} does not exist; create it "
            "first."
        )
    if os.path.isdir(path):
        raise IsADirectoryError(
            f"{owner}: {path!r} is a folder; give a file name (e.g. model.stgm)."
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PermissionError(
            f"{owner}: cannot write {path!r}: its folder {folder!r} is not writable."
        )


def save_model(estimator, path):
    """Save a fitted segmenter or pipeline of this library to one file.

    The file is a `safetensors <https://huggingface.co/docs/safetensors>`_ file: network
    weights and fitted arrays are tensors, everything else (the classes, their parameters,
    class labels, node and modality names, transformer state) is JSON in its metadata, with
    the library, torch and scikit-learn versions, and a SHA-256 checksum of all of it that
    :func:`load_model` verifies. Loading it runs no pickled code. Optimizer
    state and training-only parameters (``callbacks``, ``accelerator``, a ``RandomState``) are
    not stored: a loaded model has them as None. Steps of a pipeline turned off (``None`` or
    ``"passthrough"``) are stored as such.

    Parameters
    ----------
    estimator : estimator or Pipeline
        A fitted segmenter of :mod:`stgraph_sklearn.estimators`, a transformer of
        :mod:`stgraph_sklearn.transformers`, or a (Segmentation)Pipeline of them.
    path : str or path-like
        Where to write (conventionally ``*.stgm``; an existing file is replaced).

    Raises
    ------
    FileNotFoundError, IsADirectoryError, PermissionError
        If the folder of ``path`` does not exist, ``path`` is a folder, or the folder is not
        writable (checked first).
    NotFittedError
        If the model, or a step of the pipeline, is not fitted.
    OSError
        If writing the file fails.
    TypeError
        If a step holds an object that cannot be stored as plain data (for example the
        scikit-learn classifier inside :class:`~stgraph_sklearn.estimators.FrameClassifierSegmenter`);
        the message names the step and suggests ``joblib.dump`` (pickle).
    ValueError
        If a neural segmenter's parameters no longer build its fitted network
        (``set_params`` of an architecture parameter after fit): the file rebuilds the
        network from them.

    See Also
    --------
    load_model : The inverse.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from stgraph_sklearn import load_model, save_model
    >>> from stgraph_sklearn.estimators import MSTCNSegmenter
    >>> X = [np.random.RandomState(i).randn(40, 2, 3) for i in range(3)]
    >>> y = [np.repeat(["idle", "stir"], 20)] * 3
    >>> seg = MSTCNSegmenter(hidden_channels=8, n_stages=1, n_layers=2, max_epochs=1,
    ...                      random_state=0).fit(X, y)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.stgm")
    >>> save_model(seg, path)
    >>> all((a == b).all() for a, b in zip(load_model(path).predict(X), seg.predict(X)))
    True
    """
    from safetensors.numpy import save_file
    from sklearn.utils.validation import check_is_fitted

    from ..exceptions import NotFittedError

    check_model_path(path)
    steps = getattr(estimator, "steps", None) or [("model", estimator)]
    for name, step in steps:
        if _skipped(step):
            continue
        try:
            check_is_fitted(final_estimator(step))
        except NotFittedError as exc:
            which = "the model" if len(steps) == 1 else f"the pipeline's step {name!r}"
            raise NotFittedError(f"save_model: {which} is not fitted. {exc}") from exc
    encoder = _Encoder()
    try:
        tree = encoder.estimator(estimator, "model")
    except _Unstorable as exc:
        raise TypeError(
            f"save_model cannot store this {type(estimator).__name__} as plain data: it holds "
            f"{exc}, which is not a class of stgraph_sklearn. Save this model with pickle "
            "instead (joblib.dump(model, path); load it only from a source you trust)."
        ) from None
    metadata = {
        "format": _MAGIC,
        "format_version": str(FORMAT_VERSION),
        "versions": json.dumps(_versions()),
        "model": json.dumps(tree, allow_nan=True),
    }
    metadata["sha256"] = _digest(encoder.arrays, metadata)
    from safetensors import SafetensorError

    path = os.path.expanduser(os.fspath(path))
    tmp = f"{path}.tmp"
    try:
        try:
            save_file(encoder.arrays, tmp, metadata=metadata)
        except SafetensorError as exc:  # not an OSError, and it names a temporary file
            raise OSError(f"save_model: cannot write {path!r}: {exc}") from None
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # an ordinary file's mode, as open() would create it
        os.replace(tmp, path)
    except BaseException:  # Ctrl-C too: no half-written temporary file stays behind
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise


def load_model(path, *, device=None):
    """Load a model written by :func:`save_model` (no pickled code is run).

    Parameters
    ----------
    path : str or path-like
        The model file.
    device : str, default=None
        Where the neural segmenters predict. Defaults to the device they were trained on if
        it can be used here, else ``"cpu"`` with a
        :class:`~stgraph_sklearn.exceptions.StgraphWarning` that names it (a model trained on
        CUDA or on an Apple ``"mps"`` device loads on a CPU-only machine).

    Returns
    -------
    estimator : estimator or Pipeline
        Fitted, predicting exactly as the saved one did on the same machine.

    Raises
    ------
    FileNotFoundError, IsADirectoryError
        If ``path`` does not exist or is a folder.
    ValueError
        If the file is not a model file of this library, is damaged (its header does not
        read, or its contents do not match the checksum written with them), was written by a
        version whose format this one cannot read (the message names both versions), or
        ``device`` is given and cannot be used on this machine.
    """
    import torch
    from safetensors import SafetensorError, safe_open

    path = os.path.expanduser(os.fspath(path))
    if os.path.isdir(path):
        raise IsADirectoryError(f"load_model: {path} is a folder, not a model file.")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"load_model: no such model file: {path}")
    not_ours = f"load_model: {path} is not a model file written by stgraph_sklearn.save_model"
    try:
        with safe_open(path, framework="numpy") as f:
            metadata = f.metadata() or {}
            arrays = {k: f.get_tensor(k) for k in f.keys()}
    except (SafetensorError, OSError, ValueError) as exc:
        raise ValueError(f"{not_ours} ({exc}).") from None
    if metadata.get("format") != _MAGIC:
        raise ValueError(f"{not_ours}.")
    # Files written before the checksum was added have none; one that does not match is a file
    # changed after it was written (a torn copy, a flipped byte in a weight). Checked before
    # any JSON is parsed; a newer format may checksum otherwise (its error says so below).
    try:
        newer = int(metadata.get("format_version", 0)) > FORMAT_VERSION
    except ValueError:
        newer = False
    if not newer and "sha256" in metadata and metadata["sha256"] != _digest(arrays, metadata):
        raise ValueError(
            f"load_model: {path} is damaged: its contents do not match the checksum written "
            "with it (the file changed after save_model wrote it). Save or copy it again."
        )
    try:  # the header of a damaged (or hand-made) file
        versions = json.loads(metadata.get("versions", "{}"))
        written_by = versions.get("stgraph_sklearn", "unknown")
        format_version = int(metadata.get("format_version", 0))
        tree = json.loads(metadata["model"])
        saved_device = _saved_device(tree)
    except (KeyError, ValueError, TypeError, AttributeError, RecursionError) as exc:
        raise ValueError(
            f"{not_ours}, or it is damaged: its header does not read ({exc})."
        ) from None
    if format_version > FORMAT_VERSION:
        raise ValueError(
            f"load_model: {path} was written by stgraph_sklearn {written_by} (model format "
            f"{metadata['format_version']}); this is stgraph_sklearn {__version__}, which reads "
            f"formats up to {FORMAT_VERSION}. Upgrade stgraph_sklearn to load it."
        )
    if device is None:
        device = saved_device
        try:  # the device it was trained on may not exist here ("mps", "cuda:1" on one GPU)
            check_device(device, "load_model")
        except ValueError:
            warn(
                f"load_model: {path} was saved with device={device!r}, which cannot be used on "
                "this machine; the model is loaded on 'cpu'. Pass device= to choose another.",
                StgraphWarning,
            )
            device = "cpu"
    else:  # the fit's own check, before anything is rebuilt
        device = str(check_device(device, "load_model"))
    try:
        return _Decoder(arrays).estimator(tree, device)
    except (AttributeError, KeyError, RuntimeError, TypeError, ValueError) as exc:
        raise ValueError(
            f"load_model: {path} was written by stgraph_sklearn {written_by} (torch "
            f"{versions.get('torch')}, scikit-learn {versions.get('scikit-learn')}) and cannot "
            f"be rebuilt by stgraph_sklearn {__version__} (torch {torch.__version__}): {exc}"
        ) from exc


def _saved_device(tree):
    """The ``device`` parameter of the (last) neural segmenter in a saved tree, else "cpu"."""
    node = tree
    if "steps" in tree:  # the last step not turned off
        node = ([step for _, step in tree["steps"] if not _skipped(step)] or [{}])[-1]
    params = node.get("params", {}).get("__dict__", [])
    for key, value in params:
        if key == "device":
            return value["__device__"] if isinstance(value, dict) else str(value)
    return "cpu"
