"""skorch-backed training and chunked inference shared by the neural segmenters."""

from __future__ import annotations

import contextlib
import copy
import functools
import inspect
import pickle
import threading
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.validation import check_is_fitted
from torch.utils.data import DataLoader

from ..exceptions import StgraphWarning, TrainingInterruptedWarning, warn
from ..nn import (
    EarlyFusionTCN,
    SegmentationLoss,
    TemporalStreamer,
    chunk_alignment,
    jitter_inputs,
    receptive_field,
    temporal_reach,
)
from ..utils import check_device, seed_from, unchanged_on_error
from ._base import BaseSegmenter
from ._batching import (
    SequenceDataset,
    append_empty_frames,
    collate_sequences,
    sequence_tensors,
)
from ._docs import fill_doc
from ._stream import FrameStream

__all__ = ["NeuralSegmenter"]


def _shared_constraints():
    """The parameter constraints of NeuralSegmenter but ``module``: what subclasses share."""
    return {k: v for k, v in NeuralSegmenter._parameter_constraints.items() if k != "module"}


def _signature(obj):
    """``inspect.signature(obj)``, or None where Python cannot read one (a builtin)."""
    try:
        return inspect.signature(obj)
    except (TypeError, ValueError):
        return None


def _module_device(module):
    """The device of a module's parameters."""
    return next(module.parameters()).device


def _accelerated_net_class():
    """``NeuralNet`` with skorch's Hugging Face Accelerate integration, built on first use
    (skorch is imported lazily) and cached as the module attribute ``AcceleratedNeuralNet``
    so that pickle finds it."""
    cls = globals().get("_AcceleratedNeuralNet")
    if cls is not None:
        return cls
    from skorch import NeuralNet
    from skorch.hf import AccelerateMixin

    def _initialize_accelerator(self):
        # In several processes ``accelerator.prepare`` wraps modules in DistributedDataParallel,
        # which refuses one without trainable parameters: the loss has none (only class
        # weights), so it is only moved to the accelerator's device.
        criterion, self.criterion_ = self.criterion_, None
        try:
            AccelerateMixin._initialize_accelerator(self)
        finally:
            self.criterion_ = criterion.to(self.accelerator.device)
        return self

    cls = type(
        "AcceleratedNeuralNet",
        (AccelerateMixin, NeuralNet),
        {
            "__module__": __name__,
            "__doc__": "``NeuralNet`` with skorch's AccelerateMixin (``accelerator=...``).",
            "_initialize_accelerator": _initialize_accelerator,
        },
    )
    globals()["_AcceleratedNeuralNet"] = cls
    return cls


def __getattr__(name):
    # module attribute on demand (PEP 562): what pickle looks up for a fitted accelerated net
    if name == "AcceleratedNeuralNet":
        return _accelerated_net_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# Held while a fit draws from torch's process-wide generators (see NeuralSegmenter._seeded).
_TRAINING_LOCK = threading.RLock()


@contextlib.contextmanager
def _locked_cpu_rng():
    """torch's CPU generator, restored after the block, taking turns with fits in other
    threads (restored in the middle of their draws, it would change them)."""
    with _TRAINING_LOCK, torch.random.fork_rng(devices=[]):
        yield


_OPTIMIZERS = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}


def _silent(*args, **kwargs):
    """A skorch callback sink that prints nothing (progress is shown by the progress bar)."""


def _copy_callbacks(callbacks):
    """Copies of the user's callbacks, so that training never changes the objects passed in:
    deep copies, or shallow ones of those that cannot be deep-copied (skorch's ``TensorBoard``
    holds a ``SummaryWriter``, a callback may hold an open file), which then write through
    the same writer or file."""
    out = []
    for item in callbacks:
        try:
            out.append(copy.deepcopy(item))
        except (TypeError, copy.Error, pickle.PicklingError):
            if isinstance(item, (tuple, list)):
                out.append((item[0], copy.copy(item[1])))
            else:
                out.append(copy.copy(item))
    return out


def _same_value(a, b):
    """Whether two parameter values are equal (arrays and objects without ``==`` too)."""
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return a is b


class RecordingSplit:
    """skorch ``train_split``: hold out a seeded random fraction of *recordings* for validation.

    Frames of one recording never straddle the split. With fewer than two recordings, or a
    fraction that rounds to zero recordings, there is no validation set.
    """

    def __init__(self, fraction, seed, classes=None, owner=None):
        self.fraction = fraction
        self.seed = seed
        self.classes = classes  # to name the classes only validation recordings hold
        self.owner = owner

    def n_valid(self, n):
        """Number of the ``n`` training recordings held out for validation (0: none)."""
        if self.fraction <= 0 or n < 2:
            return 0
        return min(round(self.fraction * n), n - 1)

    def __call__(self, dataset, y=None, **kwargs):
        n = len(dataset)
        n_valid = self.n_valid(n)
        if n_valid < 1:
            return dataset, None
        order = np.random.RandomState(self.seed).permutation(n)
        valid, train = np.sort(order[:n_valid]), np.sort(order[n_valid:])
        seqs, tgts = dataset.sequences, dataset.targets

        def subset(idx, random_phase, crop_length):
            return SequenceDataset(
                [seqs[i] for i in idx],
                [tgts[i] for i in idx],
                dataset.temporal_stride,
                random_phase=random_phase,
                crop_length=crop_length,
                lookahead=dataset.lookahead,
            )

        self._warn_untrained_classes(tgts, train, valid)
        # validation recordings whole (no crops): valid_f1@50 is a score of recordings, and
        # crops scored as recordings inflated it (0.20 against 0.00 on the whole recordings)
        return (
            subset(train, dataset.random_phase, dataset.crop_length),
            subset(valid, False, None),
        )

    def _warn_untrained_classes(self, targets, train, valid):
        """Warn of classes whose every frame is in the validation recordings (rare activities
        recorded once): the network would never be trained on them."""
        seen = np.unique(np.concatenate([np.asarray(targets[i]) for i in train]))
        held = np.unique(np.concatenate([np.asarray(targets[i]) for i in valid]))
        only = np.setdiff1d(held[held >= 0], seen)  # padding's IGNORE_INDEX is negative
        if not only.size:
            return
        classes = getattr(self, "classes", None)
        names = only.tolist() if classes is None else [classes[i] for i in only]
        holding = [int(i) for i in valid if np.isin(targets[i], only).any()]
        warn(
            f"{getattr(self, 'owner', None) or 'RecordingSplit'}: the validation recordings "
            f"X{holding[:10]} hold every frame of the classes {names[:10]} in this fit's data, "
            "so it does not train on them (validation holds out whole recordings, chosen by "
            "random_state). "
            "Add training recordings of these classes, set another random_state, or "
            "validation_fraction=0.",
            StgraphWarning,
        )


@fill_doc
class NeuralSegmenter(BaseSegmenter):
    """Segment with any torch module trained by the package's skorch machinery.

    The extension point of the package: a new segmenter is a torch module (a factory that
    builds it from the input layout), and this class supplies everything else, as for the
    built-in segmenters: input checks, label encoding, padding and batching of recordings,
    the segmentation loss, seeding, validation split, early stopping, temporal striding,
    chunked prediction, ``predict_segments`` and the scikit-learn API.

    Parameters
    ----------
    module : callable, default=EarlyFusionTCN
        Builds the network: called in ``fit`` (after seeding) as
        ``module(in_channels=..., num_nodes=..., num_classes=..., hidden_channels=...,
        num_stages=..., num_layers=..., dropout=..., causal=...)`` (see
        :meth:`module_kwargs`; a module that cannot be causal may reject ``causal=True``)
        and returns a :class:`torch.nn.Module` with

        ``forward(x, node_mask, frame_mask) -> logits``

        - ``x``: dict mapping each modality to node features of shape
          ``(B, T, N_m, F_m)`` (``in_channels[m] = F_m``, ``num_nodes[m] = N_m``, in the
          input's modality order; values of missing nodes are zero);
        - ``node_mask``: bool tensor of shape ``(B, T, N)``, ``N = sum(N_m)`` in the same
          order, False where a sensor is missing;
        - ``frame_mask``: bool tensor of shape ``(B, T)``, False on padded frames;
        - ``logits``: tensor of shape ``(S, B, K, T)``, one set of class scores per stage
          (``S = 1`` for a single-stage model); the loss sums over stages, predictions use
          the last.

        A class (such as :class:`~stgraph_sklearn.nn.EarlyFusionTCN`, the default, which
        makes this estimator an MS-TCN) or a module-level function keeps the estimator
        picklable; pass the class, not an instance. Subclasses may instead override
        :meth:`build_module`. A factory that does not take these keywords (add
        ``**kwargs``), a ``forward`` of another signature, a network without trainable
        parameters, and logits of another type or shape raise a ``TypeError`` or
        ``ValueError`` naming this parameter; so do NaN or infinite logits in prediction.
    %(shared_parameters)s

    Attributes
    ----------
    %(shared_attributes)s

    See Also
    --------
    MSTCNSegmenter : This class with ``module=EarlyFusionTCN``, under its own name.
    AdaptiveGraphSegmenter : A subclass whose :meth:`build_module` composes a graph network.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from stgraph_sklearn.estimators import NeuralSegmenter
    >>> class FrameLinear(torch.nn.Module):
    ...     def __init__(self, in_channels, num_nodes, num_classes, **kwargs):
    ...         super().__init__()
    ...         width = sum(num_nodes[m] * f for m, f in in_channels.items())
    ...         self.lin = torch.nn.Linear(width, num_classes)
    ...     def forward(self, x, node_mask, frame_mask):
    ...         h = torch.cat([v.flatten(2) for v in x.values()], dim=-1)  # (B, T, F)
    ...         return self.lin(h).transpose(1, 2).unsqueeze(0)  # (1, B, K, T)
    >>> rng = np.random.RandomState(0)
    >>> X = [rng.randn(40, 3, 2) for _ in range(3)]
    >>> y = [np.repeat([0, 1], 20) for _ in range(3)]
    >>> seg = NeuralSegmenter(FrameLinear, max_epochs=2, random_state=0).fit(X, y)
    >>> seg.predict(X)[0].shape
    (40,)
    """

    _parameter_constraints: dict = {
        "hidden_channels": [Interval(Integral, 1, None, closed="left")],
        "n_stages": [Interval(Integral, 1, None, closed="left")],
        "n_layers": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "input_noise": [Interval(Real, 0, None, closed="left")],
        "smoothing_weight": [Interval(Real, 0, None, closed="left")],
        "smoothing_clip": [Interval(Real, 0, None, closed="neither")],
        "temporal_stride": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "patience": [Interval(Integral, 1, None, closed="left"), None],
        "crop_length": [Interval(Integral, 1, None, closed="left"), None],
        "chunk_size": [Interval(Integral, 8, None, closed="left"), None],
        "accelerator": [HasMethods(["prepare", "unwrap_model"]), None],
        "lookahead": [Interval(Integral, 0, None, closed="left"), None],
        "device": [str, torch.device],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "module": [callable],
        "callbacks": [list, None],
        "optimizer": [StrOptions(set(_OPTIMIZERS)), type],
        "warm_start": ["boolean"],
    }

    def __init__(
        self,
        module=EarlyFusionTCN,
        *,
        hidden_channels=64,
        n_stages=4,
        n_layers=10,
        dropout=0.5,
        input_noise=0.0,
        smoothing_weight=0.15,
        smoothing_clip=4.0,
        temporal_stride=1,
        max_epochs=50,
        lr=5e-4,
        batch_size=1,
        weight_decay=0.0,
        class_weight=None,
        validation_fraction=0.1,
        patience=None,
        crop_length=None,
        chunk_size=None,
        accelerator=None,
        lookahead=None,
        device="cpu",
        random_state=None,
        verbose=0,
        callbacks=None,
        optimizer="adam",
        warm_start=False,
    ):
        self.module = module
        self.hidden_channels = hidden_channels
        self.n_stages = n_stages
        self.n_layers = n_layers
        self.dropout = dropout
        self.input_noise = input_noise
        self.smoothing_weight = smoothing_weight
        self.smoothing_clip = smoothing_clip
        self.temporal_stride = temporal_stride
        self.max_epochs = max_epochs
        self.lr = lr
        self.batch_size = batch_size
        self.weight_decay = weight_decay
        self.class_weight = class_weight
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.crop_length = crop_length
        self.chunk_size = chunk_size
        self.accelerator = accelerator
        self.lookahead = lookahead
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks
        self.optimizer = optimizer
        self.warm_start = warm_start

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Tiny, fast configurations for the common tests (sktime's convention).

        Parameters
        ----------
        parameter_set : str, default="default"
            The set to return; every name gives the same configurations (sktime's
            signature).

        Returns
        -------
        params : list of dict
            Keyword arguments, each giving a model of a few thousand parameters.
        """
        tiny = {"hidden_channels": 8, "n_stages": 2, "n_layers": 3, "max_epochs": 3, "lr": 1e-2}
        return [{**tiny, "random_state": 0}, {**tiny, "temporal_stride": 2, "random_state": 1}]

    # ---- hooks -----------------------------------------------------------------------------
    def build_module(self, layout, n_classes, sequences):
        """Build the torch module to train; called once by ``fit``, after seeding.

        The default calls ``self.module(**self.module_kwargs(layout, n_classes))``.
        Subclasses override it to build from data (e.g. a graph the input carries).

        Parameters
        ----------
        layout : dict of str to tuple (n_nodes, n_features)
            The input's modalities, in node order (``modalities_``).
        n_classes : int
            Number of classes ``K``.
        sequences : list of GraphSequence
            The training input (its ``graph``, if any). Read only its ``graph`` and
            ``feature_shapes``: when the network is rebuilt without the data (continued
            training checks it against the fitted one; :func:`~stgraph_sklearn.io.load_model`
            rebuilds it), ``sequences`` holds one object with just those two of the training
            input.

        Returns
        -------
        torch.nn.Module
            ``forward(x, node_mask, frame_mask) -> (S, B, K, T)`` logits (see ``module``).
        """
        name = type(self).__name__
        if isinstance(self.module, torch.nn.Module):
            raise TypeError(
                f"The 'module' parameter of {name} must be a class or function that builds a "
                "torch.nn.Module from the keywords of module_kwargs. Got an instance of "
                f"{type(self.module).__name__} instead; pass the class itself."
            )
        kwargs = self.module_kwargs(layout, n_classes)
        bound = sorted(set(getattr(self.module, "keywords", None) or ()) & set(kwargs))
        if isinstance(self.module, functools.partial) and bound:
            # the call's keywords win over the partial's: its values would be ignored silently
            factory = getattr(self.module.func, "__qualname__", repr(self.module.func))
            raise TypeError(
                f"The 'module' parameter of {name} binds {bound} with functools.partial, but "
                f"fit passes {bound} itself (module_kwargs), which would override the bound "
                f"values silently. Set them as parameters of {name} (set_params), or bind only "
                f"what module_kwargs does not pass to {factory}."
            )
        signature = _signature(self.module)
        if signature is not None:
            try:
                signature.bind(**kwargs)
            except TypeError as exc:
                factory = getattr(self.module, "__qualname__", repr(self.module))
                advice = (
                    "Give it a default, bind it with functools.partial(factory, name=value), "
                    "or pass it from a subclass's module_kwargs."
                    if "missing" in str(exc)
                    else "Add **kwargs to its signature to ignore the ones it does not use."
                )
                raise TypeError(
                    f"The 'module' parameter of {name} is called in fit with the keywords "
                    f"{list(kwargs)} (module_kwargs), but {factory} does not take them: {exc}. "
                    f"{advice}"
                ) from None
        module = self.module(**kwargs)
        if not isinstance(module, torch.nn.Module):
            raise TypeError(
                f"The 'module' parameter of {name} must return a "
                f"torch.nn.Module. Got {type(module).__name__} instead."
            )
        return module

    def _network_source(self):
        """What built the network, for error messages: the 'module' parameter or build_module."""
        name = type(self).__name__
        if type(self).build_module is NeuralSegmenter.build_module:
            return f"the 'module' parameter of {name}"
        return f"{name}.build_module"

    def _check_network(self, module):
        """Raise if the built network cannot be trained as the module contract says."""
        source = self._network_source()
        if not isinstance(module, torch.nn.Module):
            what = f"the class {module.__name__}" if isinstance(module, type) else repr(module)
            raise TypeError(
                f"The network built by {source} must be a torch.nn.Module instance. Got "
                f"{what[:80]} instead."
            )
        signature = _signature(module.forward)
        if signature is not None:
            try:
                signature.bind(x=None, node_mask=None, frame_mask=None)
            except TypeError:
                raise TypeError(
                    f"The network built by {source} must have forward(x, node_mask, frame_mask) "
                    "(it is called with these keywords). Got "
                    f"{type(module).__name__}.forward{signature} instead."
                ) from None
        if self.lookahead is not None:
            try:
                receptive_field(module)
            except ValueError as exc:
                raise ValueError(
                    f"{type(self).__name__}: lookahead={self.lookahead} needs a causal network, "
                    f"but the network built by {source} is not one ({str(exc).rstrip('.')}). Build it from "
                    "causal temporal layers (module_kwargs passes causal=True) or set "
                    "lookahead=None."
                ) from None
        if not any(p.requires_grad for p in module.parameters()):
            raise ValueError(
                f"The network built by {source} must have trainable parameters. Got a "
                f"{type(module).__name__} without any: there is nothing to fit."
            )

    def _check_logits(self, logits, batch, n_frames):
        """Raise unless ``logits`` are what the module contract says: floats (S, B, K, T)."""
        k = len(self.classes_)
        is_tensor = torch.is_tensor(logits)
        if (
            is_tensor
            and logits.ndim == 4
            and logits.shape[0] >= 1
            and tuple(logits.shape[1:]) == (batch, k, n_frames)
            and logits.is_floating_point()
        ):
            return  # the message below is built only on failure: this runs on every chunk
        expected = (
            f"logits of shape (S, B, K, T) = (S, {batch}, {k}, {n_frames}) (S stages, B "
            f"recordings, K = {k} classes, T frames)"
        )
        source = self._network_source()
        if not is_tensor:
            raise TypeError(
                f"The network built by {source} must return {expected} from forward. "
                f"Got {type(logits).__name__} instead."
            )
        raise ValueError(
            f"The network built by {source} must return floating-point {expected} from "
            f"forward. Got a {logits.dtype} tensor of shape {tuple(logits.shape)} instead."
        )

    @contextlib.contextmanager
    def _training_hooks(self):
        """While training, check every output of ``net_.module_`` and, with ``input_noise``,
        jitter its training inputs (both hooks removed afterwards, so the fitted module and
        its pickles carry neither)."""

        def check(module, args, kwargs, output):
            self._check_logits(output, *kwargs["frame_mask"].shape)
            if module.training and torch.is_grad_enabled() and not output.requires_grad:
                raise ValueError(
                    f"The network built by {self._network_source()} returned logits that do "
                    "not depend on its parameters (no gradient: a detach(), or computed under "
                    "torch.no_grad()); training needs them to."
                )

        def jitter(module, args, kwargs):
            if not module.training:  # validation and prediction see the inputs as given
                return None
            x = jitter_inputs(
                kwargs["x"], self.input_noise, kwargs.get("node_mask"), kwargs.get("frame_mask")
            )
            return args, {**kwargs, "x": x}

        module = self.net_.module_
        handles = [module.register_forward_hook(check, with_kwargs=True)]
        if self.input_noise > 0:
            handles.append(module.register_forward_pre_hook(jitter, with_kwargs=True))
        try:
            yield
        finally:
            for handle in handles:
                handle.remove()

    def module_kwargs(self, layout, n_classes):
        """Keyword arguments for a network of this input layout and these parameters.

        Parameters
        ----------
        layout : dict of str to tuple (n_nodes, n_features)
            The input's modalities, in node order.
        n_classes : int
            Number of classes.

        Returns
        -------
        dict
            ``in_channels`` (dict of ``F_m``), ``num_nodes`` (dict of ``N_m``),
            ``num_classes``, ``hidden_channels``, ``num_stages``, ``num_layers``,
            ``dropout`` and ``causal`` (``lookahead`` is not None): the keywords every
            network of :mod:`stgraph_sklearn.nn` takes.
        """
        return {
            "in_channels": {k: f for k, (_, f) in layout.items()},
            "num_nodes": {k: n for k, (n, _) in layout.items()},
            "num_classes": n_classes,
            "hidden_channels": self.hidden_channels,
            "num_stages": self.n_stages,
            "num_layers": self.n_layers,
            "dropout": self.dropout,
            "causal": self.lookahead is not None,
        }

    def _after_fit(self, sequences):
        """Set model-specific fitted attributes (``graph_``, ``adjacency_``)."""

    def _dataset(self, sequences, targets):
        """The training Dataset: random phase, random crops with ``crop_length``, and the
        shifted targets of a causal model with ``lookahead``."""
        return SequenceDataset(
            sequences,
            targets,
            self.temporal_stride,
            random_phase=True,
            crop_length=self.crop_length,
            lookahead=self.lookahead or 0,
        )

    # ---- training --------------------------------------------------------------------------
    def _criterion(self, targets):
        name = type(self).__name__
        n = len(self.classes_)
        if self.class_weight is None:
            weight = None
        elif isinstance(self.class_weight, str):
            y_all = np.concatenate(targets)
            present = np.unique(y_all)
            weight = np.ones(n)
            weight[present] = compute_class_weight("balanced", classes=present, y=y_all)
        else:
            unknown = set(self.class_weight) - set(self.classes_.tolist())
            if unknown:
                raise ValueError(
                    f"The 'class_weight' parameter of {name} names classes not in y: "
                    f"{sorted(map(str, unknown))}."
                )
            values = [self.class_weight.get(c, 1.0) for c in self.classes_.tolist()]
            bad = [
                (c, v)
                for c, v in zip(self.classes_.tolist(), values, strict=True)
                if isinstance(v, bool) or not isinstance(v, Real) or not 0 <= v < np.inf
            ]
            if bad:
                raise ValueError(
                    f"The 'class_weight' parameter of {name} must map classes to finite, "
                    f"non-negative numbers. Got {bad[0][1]!r} for class {bad[0][0]!r}."
                )
            weight = np.array(values, dtype=float)
        if weight is not None and not (weight > 0).any():
            raise ValueError(
                f"The 'class_weight' parameter of {name} gives every class weight 0: nothing "
                "would be learned. Expected at least one class with a positive weight."
            )
        return SegmentationLoss(
            smoothing_weight=self.smoothing_weight,
            smoothing_clip=self.smoothing_clip,
            class_weight=None if weight is None else torch.as_tensor(weight, dtype=torch.float32),
        )

    def _user_callbacks(self):
        """``callbacks``, checked: skorch callbacks (instances or classes) or (name, callback)
        pairs, as skorch takes them; anything else fails here, not inside skorch."""
        from skorch.callbacks import BatchScoring, Callback, EpochScoring

        # the names of the callbacks _make_net adds, and what adds them (skorch refuses a
        # user-set name twice, with a message that names neither)
        reserved = {"valid_f1": ("the validation F1@50 score (valid_f1@50), always added", "")}
        for name in ("epoch_timer", "train_loss", "valid_loss", "print_log"):
            reserved[name] = ("one of skorch's default callbacks, always added", "")
        if self.patience is not None:
            for name in ("early_stopping", "restore_best"):
                reserved[name] = (
                    f"the early stopping of patience={self.patience!r}",
                    ", or set patience=None",
                )
        if self.verbose:
            reserved["progress"] = (
                f"the progress bar of verbose={self.verbose!r}",
                ", or set verbose=0",
            )
        items = list(self.callbacks or [])
        for i, item in enumerate(items):
            named = isinstance(item, (tuple, list)) and len(item) == 2 and isinstance(item[0], str)
            if named and item[0] in reserved:
                what, alternative = reserved[item[0]]
                raise ValueError(
                    f"The 'callbacks' parameter of {type(self).__name__} names its callback at "
                    f"position {i} {item[0]!r}, the name of {what}. Give yours another "
                    f"name{alternative}."
                )
            cb = item[1] if named else item
            if not (
                isinstance(cb, Callback) or (isinstance(cb, type) and issubclass(cb, Callback))
            ):
                raise ValueError(
                    f"The 'callbacks' parameter of {type(self).__name__} must be a list of "
                    "skorch callbacks or (name, callback) pairs. "
                    f"Got {item!r} at position {i}."
                )
            kind = cb if isinstance(cb, type) else type(cb)
            if issubclass(kind, (EpochScoring, BatchScoring)):
                raise ValueError(
                    f"The 'callbacks' parameter of {type(self).__name__} holds a skorch "
                    f"{kind.__name__} at position {i}; it concatenates the targets of all "
                    "recordings, which fails on recordings of different lengths. The "
                    "validation F1@50 is in history_ as 'valid_f1@50'; score other metrics on "
                    "predictions, e.g. with stgraph_sklearn.metrics.get_scorer."
                )
        return items

    def _check_monitors(self, user_callbacks, n_train, has_valid):
        """Check, before training, the scores user callbacks monitor (skorch would fail at the
        end of the first epoch): a validation score without a validation recording is refused,
        a score the network does not record gets a warning (another callback may record it).
        """
        recorded = {"train_loss", "train_loss_best"}
        if has_valid:
            recorded |= {"valid_loss", "valid_loss_best", "valid_f1@50"}
        for item in user_callbacks:  # skorch's scoring callbacks record under their name
            cb = item[1] if isinstance(item, (tuple, list)) else item
            name = None if isinstance(cb, type) else getattr(cb, "name", None)
            if isinstance(name, str):
                recorded |= {name, f"{name}_best"}
        for i, item in enumerate(user_callbacks):
            cb = item[1] if isinstance(item, (tuple, list)) else item
            kind = cb if isinstance(cb, type) else type(cb)
            monitor = getattr(cb, "monitor", None)
            if isinstance(cb, type):  # skorch instantiates it with its defaults
                param = inspect.signature(cb).parameters.get("monitor")
                monitor = None if param is None else param.default
            if not isinstance(monitor, str) or monitor in recorded:
                continue
            where = f"{type(self).__name__}: callbacks[{i}] ({kind.__name__}) monitors {monitor!r}"
            if monitor.startswith("valid_") and not has_valid:
                why = (
                    "validation_fraction=0"
                    if self.validation_fraction == 0
                    else f"validation_fraction={self.validation_fraction:g} of {n_train} "
                    "training recordings (it rounds to whole recordings)"
                )
                raise ValueError(
                    f"{where}, but {why} holds out no validation recording, so there is no "
                    "validation score. Raise validation_fraction, give more recordings, or "
                    "monitor a training score (e.g. monitor='train_loss_best')."
                )
            warn(
                f"{where}, which the network does not record (it records "
                f"{', '.join(sorted(recorded))}): unless another callback records it, "
                "skorch fails at the end of the first epoch. For the validation F1@50, "
                "monitor 'valid_f1@50' (with lower_is_better=False).",
                StgraphWarning,
            )

    def _recording_split(self, seed):
        classes = getattr(self, "classes_", None)
        return RecordingSplit(
            self.validation_fraction,
            seed,
            None if classes is None else classes.tolist(),
            type(self).__name__,
        )

    def _make_net(self, module, criterion, seed, n_train):
        # skorch is imported here, not at module level: importing it imports torch_geometric
        # (skorch.utils probes for it), which import stgraph_sklearn.estimators must not pay.
        from skorch import NeuralNet

        from ._callbacks import (
            EpochProgressBar,
            LastEpochEarlyStopping,
            RestoreBestWeights,
            ValidationSegmentalScore,
            note_beside_bars,
            print_on_main_process,
            write_beside_bars,
        )

        # skorch's table (verbose=2) and early stopping's notes are written around the bar
        table_sink = write_beside_bars if self.verbose >= 2 else _silent
        callbacks = [("valid_f1", ValidationSegmentalScore(k=0.5))]
        split = self._recording_split(seed)
        has_valid = split.n_valid(n_train) > 0
        if self.verbose:
            callbacks.append(
                ("progress", EpochProgressBar(self.max_epochs, desc=type(self).__name__))
            )
        user_callbacks = self._user_callbacks()
        self._check_monitors(user_callbacks, n_train, has_valid)
        stopping = None
        if self.patience is not None:
            stopping = LastEpochEarlyStopping(
                monitor="valid_loss" if has_valid else "train_loss",
                patience=self.patience,
                load_best=has_valid,
                sink=note_beside_bars if self.verbose else _silent,
            )
            # the best weights back before the user's callbacks end (a TrainEndCheckpoint)
            callbacks.append(("restore_best", RestoreBestWeights(stopping)))
        callbacks.extend(_copy_callbacks(user_callbacks))
        if stopping is not None:  # last: the stopping epoch reaches the bar and the rest
            callbacks.append(("early_stopping", stopping))
        optimizer = self._optimizer_class()
        generator = torch.Generator().manual_seed(seed)
        net_class, accelerate = NeuralNet, {}
        if self.accelerator is not None:
            net_class = _accelerated_net_class()
            # skorch leaves device placement to the accelerator (device=None) when it does it
            device = None if self.accelerator.device_placement else self._device
            accelerate = {
                "accelerator": self.accelerator,
                "device": device,
                "callbacks__print_log__sink": functools.partial(
                    print_on_main_process, self.accelerator
                )
                if self.verbose >= 2
                else _silent,
            }
        net = net_class(
            module=module,
            criterion=criterion,
            optimizer=optimizer,
            lr=self.lr,
            **self._weight_decay(optimizer),
            max_epochs=self.max_epochs,
            batch_size=int(self.batch_size),  # torch refuses numpy integers
            iterator_train=DataLoader,
            iterator_train__collate_fn=collate_sequences,
            iterator_train__shuffle=True,
            iterator_train__generator=generator,
            iterator_valid=DataLoader,
            iterator_valid__collate_fn=collate_sequences,
            train_split=split,
            callbacks=callbacks,
            verbose=int(self.verbose >= 2),
            **{"device": self._device, "callbacks__print_log__sink": table_sink, **accelerate},
        )
        # skorch maps to the CPU, when unpickled without CUDA, only the attributes named here
        # (module_, criterion_, optimizer_ once initialized); module and criterion are those
        # very instances, and callbacks (an LRScheduler) may hold the optimizer
        net.cuda_dependent_attributes_ = [
            *net.cuda_dependent_attributes_,
            "module",
            "criterion",
            "callbacks",
        ]
        return net

    def _optimizer_class(self):
        """The ``optimizer`` parameter as a torch optimizer class."""
        optimizer = self.optimizer
        if isinstance(optimizer, str):
            return _OPTIMIZERS[optimizer]
        if not issubclass(optimizer, torch.optim.Optimizer):
            raise ValueError(
                f"The 'optimizer' parameter of {type(self).__name__} must be one of "
                f"{sorted(_OPTIMIZERS)} or a torch.optim.Optimizer subclass. Got {optimizer!r}."
            )
        return optimizer

    def _weight_decay(self, optimizer):
        """skorch's ``optimizer__weight_decay`` for ``optimizer``: none for an optimizer
        without that argument (Rprop, LBFGS) while ``weight_decay`` is 0."""
        params = inspect.signature(optimizer).parameters
        if "weight_decay" in params or any(p.kind is p.VAR_KEYWORD for p in params.values()):
            return {"optimizer__weight_decay": self.weight_decay}
        if self.weight_decay:
            raise ValueError(
                f"{type(self).__name__}: weight_decay={self.weight_decay!r} needs an optimizer "
                f"that takes it, and {optimizer.__name__} does not. Set weight_decay=0, or "
                "choose another optimizer."
            )
        return {}

    @staticmethod
    def _rng_devices(device):
        """CUDA devices whose RNG state training forks (and so leaves untouched for the caller)."""
        device = torch.device(device)
        if device.type != "cuda":
            return []
        return [device.index if device.index is not None else torch.cuda.current_device()]

    @staticmethod
    def _private_rng():
        """A block in which torch's CPU generator may be drawn from and is restored after,
        taking turns with fits in other threads (:meth:`_seeded`): for networks built only
        to receive saved weights (``load_model``)."""
        return _locked_cpu_rng()

    @classmethod
    @contextlib.contextmanager
    def _seeded(cls, seed, device):
        """Seed training on ``device`` inside ``torch.random.fork_rng``, so the caller's random
        state is left as it was.

        Only the CPU generator and that of the CUDA device training runs on are seeded (and
        forked): ``torch.manual_seed`` would reseed every CUDA device, forked or not. The
        generators are the process's: fits in threads of one process (joblib's threading
        backend, a Dask worker with several threads) take turns, or each would reseed the
        other's draws and restore the caller's state in the middle of them.
        """
        devices = cls._rng_devices(device)
        with _TRAINING_LOCK, torch.random.fork_rng(devices=devices):
            torch.random.default_generator.manual_seed(seed)
            for index in devices:  # fork_rng has initialised CUDA
                torch.cuda.default_generators[index].manual_seed(seed)
            yield

    @contextlib.contextmanager
    def _released_by_accelerator(self):
        """Drop, after training, the references ``accelerator`` keeps to what it prepared (the
        network, the optimizer, the data loaders), keeping those it held before.

        The fitted segmenter refers to the accelerator, so they would be pickled with it: a
        second copy of the weights and the optimizer state, outside skorch's mapping to the
        CPU.
        """
        acc = self.accelerator
        names = ("_models", "_optimizers", "_schedulers", "_dataloaders")
        held = {n: {id(x) for x in getattr(acc, n, None) or ()} for n in names}
        try:
            yield
        finally:
            for name, ids in held.items():
                items = getattr(acc, name, None)
                if isinstance(items, list):
                    items[:] = [x for x in items if id(x) in ids]

    def _fit(self, sequences, targets, epochs=None):
        name = type(self).__name__
        self._device = str(check_device(self.device, name))
        seed = seed_from(self.random_state)
        self._input_graph = sequences[0].graph  # what build_module read; save_model stores it
        accelerated = self.accelerator is not None and self.accelerator.device_placement
        device = self.accelerator.device if accelerated else self._device
        with self._seeded(seed, device), self._released_by_accelerator():
            module = self.build_module(self.modalities_, len(self.classes_), sequences)
            self._check_network(module)
            self._built_params = self.get_params(deep=False)
            self.net_ = self._make_net(module, self._criterion(targets), seed, len(sequences))
            self.net_.initialize()
            dataset = self._dataset(sequences, targets)
            caller = "fit" if epochs is None else "partial_fit"
            self._train(dataset, self.max_epochs if epochs is None else epochs, caller)
        self.history_ = self.net_.history
        reach = self._temporal_reach()
        self.receptive_field_ = None if reach is None else 2 * reach + 1
        self._warn_if_diverged(caller)
        self._after_fit(sequences)
        return self

    def _train(self, dataset, epochs, caller):
        """Train ``net_`` for ``epochs`` epochs, and keep what a Ctrl-C leaves of them.

        skorch's ``partial_fit`` (not ``fit_loop``, so callbacks get ``on_train_begin`` and
        ``on_train_end``) catches the KeyboardInterrupt of Ctrl-C, as the one its
        ``EarlyStopping`` raises to stop, and ends training normally: the net keeps the weights
        trained so far (with ``patience``, the best epoch's). An epoch interrupted before its
        end leaves a row without its end-of-epoch scores in the history; it is dropped, so that
        ``history_`` holds complete epochs, and the interruption is reported with a warning
        (as scikit-learn's MLP does). ``_interrupted_after`` is then ``(complete epochs,
        epochs asked)``, None otherwise.
        """
        from skorch.callbacks import EarlyStopping

        from ._callbacks import EpochProgressBar

        net = self.net_
        n_before = len(net.history)
        progress = dict(net.callbacks_).get("progress")
        if isinstance(progress, EpochProgressBar):
            progress.total = epochs  # the epochs of this call: 1 for partial_fit
        try:
            with self._training_hooks():
                net.partial_fit(dataset, epochs=epochs)
        finally:  # skorch ends callbacks only after a normal end or a KeyboardInterrupt
            if isinstance(progress, EpochProgressBar):
                progress.on_train_end(net)
        history = net.history
        # skorch records "dur", "train_loss" and "valid_loss" at the end of an epoch, then
        # the segmental score; a row without them was interrupted
        row = history[-1] if len(history) > n_before else None
        incomplete = row is not None and (
            not {"train_loss", "dur"} <= row.keys()
            or ("valid_loss" in row and "valid_f1@50" not in row)
        )
        if incomplete:
            del history[-1]
        n_done = len(history) - n_before
        stopped = any(
            isinstance(cb, EarlyStopping) and cb.misses_ >= cb.patience for _, cb in net.callbacks_
        )
        self._interrupted_after = None
        if incomplete or (n_done < epochs and not stopped):
            self._interrupted_after = (n_done, epochs)
            warn(
                f"{type(self).__name__}.{caller}: training interrupted by the user after "
                f"{n_done} complete epoch{'' if n_done == 1 else 's'} (of {epochs} asked); the "
                "model trained so far is kept.",
                TrainingInterruptedWarning,
            )

    def _warn_if_diverged(self, caller):
        """Warn when the last epoch's training loss shows that training diverged: not finite
        (``predict`` will then refuse the non-finite logits), or over 1000 times the loss of
        a network that guesses every class alike (``n_stages * (log K + smoothing_weight *
        smoothing_clip**2)``, the most its smoothing term adds): a loss of 1e14 is still
        finite, but its network labels every frame one class at confidence 1. The model is
        kept for ``history_``."""
        loss = self.history_[-1, "train_loss"] if len(self.history_) else 0.0
        kept = dict(self.net_.callbacks_).get("early_stopping")
        restored = getattr(kept, "best_epoch_", None) if getattr(kept, "load_best", False) else None
        if restored is not None and getattr(kept, "best_model_weights_", None) is not None:
            loss = self.history_[restored - 1, "train_loss"]  # the weights early stopping kept
        per_stage = np.log(len(self.classes_)) + self.smoothing_weight * self.smoothing_clip**2
        guessing = self.n_stages * per_stage
        if np.isfinite(loss) and loss <= 1e3 * guessing:
            return
        beyond = (
            "" if not np.isfinite(loss) else f", over 1000 times {guessing:.3g}, that of guessing"
        )
        warn(
            f"{type(self).__name__}.{caller}: training diverged (train_loss {loss:.3g} at epoch "
            f"{len(self.history_)}{beyond}; see history_), so the network predicts nothing "
            f"useful. Lower lr (now {self.lr:g}), or check the inputs for huge values.",
            StgraphWarning,
        )

    def set_params(self, **params):
        """Set the parameters of this segmenter (scikit-learn's ``set_params``).

        ``module`` is a factory, not an estimator: its arguments are not parameters of the
        segmenter, so skorch's ``module__<name>`` is refused with the two ways that work.

        Parameters
        ----------
        **params : dict
            Segmenter parameters.

        Returns
        -------
        self : object
        """
        nested = sorted(k for k in params if k.startswith("module__"))
        if nested:
            raise ValueError(
                f"{type(self).__name__}.set_params: {nested[0]!r} would set an argument of the "
                "network that the 'module' factory builds, which is not a parameter of this "
                "segmenter. Bind it with functools.partial: module=partial(Network, "
                "name=value) (in a grid, {'module': [partial(Network, name=1), ...]}), or make "
                "it a parameter of a subclass whose module_kwargs passes it on."
            )
        return super().set_params(**params)

    def fit(self, X, y):
        """Fit the segmenter on a list of recordings (continue training with ``warm_start``).

        Parameters
        ----------
        X : list of GraphSequence, aligned Recording, or ndarray of shape \
                (n_frames_i, n_nodes, n_channels)
            The training recordings.
        y : list of array-like of shape (n_frames_i,)
            One label (int or str) per frame of each recording.

        Returns
        -------
        self : object
            The fitted segmenter.
        """
        if not (self.warm_start and hasattr(self, "net_")):
            return super().fit(X, y)
        self._validate_params()
        self._check_params_describe_net("fit with warm_start=True")
        with unchanged_on_error(self):
            seqs = self._check_X(X, reset=False)
            targets = self._encode_labels(y, seqs, reset=False)
            return self._continue(seqs, targets, self.max_epochs)

    def partial_fit(self, X, y, classes=None):
        """Train for one more epoch without re-initialising (warm start).

        Parameters
        ----------
        X : list of recordings
        y : list of array-like of shape (n_frames_i,)
        classes : array-like, default=None
            All classes that will ever appear; required on the first call if a batch may not
            contain every class (as in scikit-learn's ``partial_fit``). Later calls may omit
            it; if given, it must equal ``classes_`` (a ``ValueError`` otherwise).

        Returns
        -------
        self : object
        """
        first = not hasattr(self, "net_")
        if first:
            self._validate_params()
        else:
            self._check_params_describe_net("partial_fit")
        with unchanged_on_error(self):
            seqs = self._check_X(X, reset=first)
            targets = self._encode_labels(y, seqs, reset=first, classes=classes)
            if first:
                return self._fit(seqs, targets, epochs=1)
            return self._continue(seqs, targets, 1, "partial_fit")

    def _check_params_describe_net(self, caller):
        """Raise if the parameters no longer build the fitted network.

        ``set_params`` after ``fit`` changes the parameters, not ``net_``: continuing to train
        (``warm_start``, ``partial_fit``) would ignore an architecture change, and a model file
        (which rebuilds the network from the parameters) could not be read back. The network
        the current parameters build is compared with the fitted one (its layers and the
        shapes of its weights).
        """
        import warnings

        from torch.nn.modules.lazy import LazyModuleMixin

        with _locked_cpu_rng(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            module = self._rebuild_module(getattr(self, "_input_graph", None))
        fitted = self.net_.module_

        def shapes(m):
            return {k: tuple(v.shape) for k, v in m.state_dict().items()}

        changed = {
            k: pair for k, pair in self._changed_params().items() if k not in self._TRAINING_PARAMS
        }
        lazy = any(
            isinstance(m, LazyModuleMixin) and m.has_uninitialized_params()
            for m in module.modules()
        )
        if lazy:  # its shapes are known only after a forward pass: compare the parameters
            if not changed:
                return
        elif repr(module) == repr(fitted) and shapes(module) == shapes(fitted):
            return
        changed = [f"{k}={old!r} -> {new!r}" for k, (old, new) in changed.items()]
        name = type(self).__name__
        if not changed:  # the parameters are those of fit: build_module read other data
            where = "save_model" if caller == "save_model" else f"{name}.{caller}"
            raise ValueError(
                f"{where}: {name}.build_module builds another network without the "
                "training data than fit built with it, though no parameter changed: the "
                "network is rebuilt (to continue training, to save or load it) from one "
                "sequence holding only the training input's 'graph' and 'feature_shapes', so "
                "build it from those, layout, n_classes and the parameters (not from the "
                "number of training sequences or their values)."
            )
        if caller == "save_model":
            where = f"save_model: the parameters of this {name}"
            advice = "Set them back to save this network, or fit it anew."
        else:
            where = f"{name}.{caller}: the parameters"
            advice = "Set them back to continue with this network, or fit anew (warm_start=False)."
        raise ValueError(
            f"{where} no longer describe the fitted network "
            f"({', '.join(changed) or 'a parameter changed since fit'}): set_params after fit "
            f"changes the parameters, not the network. {advice}"
        )

    def _rebuild_module(self, input_graph):
        """``build_module`` without the training data, from what ``fit`` kept of it.

        ``sequences`` is one stand-in holding the training input's ``graph`` and its
        ``feature_shapes`` (``modalities_``), all ``build_module`` may read of the data.
        """
        import types

        stand_in = types.SimpleNamespace(graph=input_graph, feature_shapes=dict(self.modalities_))
        try:
            return self.build_module(self.modalities_, len(self.classes_), [stand_in])
        except AttributeError as exc:
            if getattr(exc, "obj", None) is not stand_in:
                raise
            raise TypeError(
                f"{type(self).__name__}.build_module read {exc.name!r} of its sequences, but "
                "the network is rebuilt without the training data (to continue training, to "
                "save or load it), from one object holding only the training input's 'graph' "
                "and 'feature_shapes': build the network from those, layout, n_classes and "
                "the parameters."
            ) from exc

    def _continue(self, seqs, targets, epochs, caller="fit"):
        """Train the fitted net for ``epochs`` more epochs (fresh seed per continuation)."""
        self._update_training(targets, len(seqs))
        dataset = self._dataset(seqs, targets)
        seed = seed_from(self.random_state) + len(self.history_)
        # skorch's device is None where the accelerator places the net
        device = self.net_.device if self.net_.device is not None else self.accelerator.device
        with self._seeded(seed, device), self._released_by_accelerator():
            self._train(dataset, epochs, caller)
        self.history_ = self.net_.history
        self._warn_if_diverged(caller)
        self._after_fit(seqs)
        return self

    _CRITERION_PARAMS = frozenset({"class_weight", "smoothing_weight", "smoothing_clip"})
    _CALLBACK_PARAMS = frozenset(
        {"callbacks", "patience", "verbose", "validation_fraction", "max_epochs"}
    )
    #: Parameters that never build another network (left out of the list of changes that do).
    _TRAINING_PARAMS = (
        _CRITERION_PARAMS
        | _CALLBACK_PARAMS
        | {
            "lr",
            "weight_decay",
            "optimizer",
            "batch_size",
            "warm_start",
            "device",
            "accelerator",
            "random_state",
            "chunk_size",
            "crop_length",
            "input_noise",
        }
    )

    def _update_training(self, targets, n_train):
        """Give the fitted net the training parameters changed by ``set_params`` since fit.

        A warm start or ``partial_fit`` continues with the current ``lr``, ``weight_decay``
        (the optimizer's state kept), ``optimizer`` (a new one), ``batch_size``,
        ``class_weight`` and smoothing, ``validation_fraction``, ``patience``, ``verbose`` and
        ``callbacks``; the network itself must be unchanged
        (:meth:`_check_params_describe_net`). Training continues where the weights are (a
        model trained on a GPU and unpickled on a CPU-only machine continues on the CPU), so
        ``device`` is not applied here, and another ``accelerator`` is refused.
        """
        changed = set(self._changed_params())
        net = self.net_
        # "balanced" weights come from the labels of each call, and early stopping monitors the
        # validation loss only when this call's recordings leave some for validation
        balanced = isinstance(self.class_weight, str) and self.class_weight == "balanced"
        stopping = dict(getattr(net, "callbacks_", [])).get("early_stopping")
        has_valid = RecordingSplit(self.validation_fraction, net.train_split.seed).n_valid(n_train)
        monitor_changed = stopping is not None and (stopping.monitor == "valid_loss") != (
            has_valid > 0
        )
        if not changed and not balanced and not monitor_changed:
            return
        prepared = {"accelerator"} | ({"optimizer"} if self.accelerator is not None else set())
        if changed & prepared:
            name = sorted(changed & prepared)[0]
            raise ValueError(
                f"{type(self).__name__}: the {name!r} parameter changed since fit; a warm "
                "start or partial_fit continues with what the accelerator prepared. Set it "
                "back, or fit anew (warm_start=False)."
            )
        fresh = self._make_net(net.module_, self._criterion(targets), 0, n_train)
        net.batch_size = fresh.batch_size
        net.verbose = fresh.verbose
        net.train_split = self._recording_split(net.train_split.seed)
        decay = self._weight_decay(self._optimizer_class())
        net.lr = self.lr
        for key, value in decay.items():
            setattr(net, key, value)
        if "optimizer" in changed:
            net.optimizer = fresh.optimizer
            net.initialize_optimizer()
        elif changed & {"lr", "weight_decay"}:  # in place: Adam's moments are kept
            net.set_params(lr=self.lr, **decay)
        if changed & self._CRITERION_PARAMS or balanced:
            net.criterion = fresh.criterion
            net.initialize_criterion()
            net.criterion_.to(_module_device(net.module_))  # class weights where the net is
        if changed & self._CALLBACK_PARAMS or monitor_changed:
            net.callbacks = fresh.callbacks
            net.initialize_callbacks()
        self._built_params = self.get_params(deep=False)

    def _changed_params(self):
        """``{name: (value at fit, value now)}`` of the parameters ``set_params`` changed since
        the network was built (none for a model without that record)."""
        built = getattr(self, "_built_params", {})
        return {
            k: (built[k], v)
            for k, v in self.get_params(deep=False).items()
            if k in built and not _same_value(built[k], v)
        }

    # ---- inference -------------------------------------------------------------------------
    def _infer_proba(self, x, mask, forward=None):
        """Last-stage softmax of one (strided) sequence given as numpy arrays -> (T, K).

        ``forward(x=..., node_mask=..., frame_mask=...)``, if given, replaces skorch's
        evaluation step: a stream calls its eval-mode module directly, since the evaluation
        step sets the mode of every submodule on each call (2 ms of a 1-s chunk's 20 ms).
        """
        batch = collate_sequences([(x, mask, np.zeros(mask.shape[0], dtype=np.int64))])
        from skorch.utils import to_tensor

        batch = to_tensor(batch, device=_module_device(self.net_.module_))
        if forward is None:
            logits = self.net_.evaluation_step(batch, training=False)  # (S, 1, K, T)
        else:
            logits = forward(**batch[0])
        self._check_logits(logits, 1, mask.shape[0])
        last = logits[-1, 0]
        if last.dtype == torch.bfloat16:  # numpy has no bfloat16
            last = last.float()
        proba = torch.softmax(last, dim=0).T.cpu().numpy()
        if not np.isfinite(proba).all():
            raise ValueError(
                f"{type(self).__name__}: the network returned non-finite logits (NaN or inf), "
                "so there are no probabilities to predict. Training diverged (see the losses "
                f"in history_; lower lr) or the network built by {self._network_source()} "
                "computes them."
            )
        return proba

    def _move_to_inference_device(self):
        """Put the fitted net on ``self.device`` for inference.

        ``set_params(device="cpu")`` on a model trained on a GPU thus predicts on the CPU
        without refitting. A model unpickled on a machine without CUDA has already been mapped
        to the CPU by skorch (with a warning); it stays there even though ``device`` still
        says "cuda", so that it predicts instead of raising.
        """
        current = _module_device(self.net_.module_)
        try:
            wanted = check_device(self.device, type(self).__name__)
        except ValueError:
            if str(self.device) != getattr(self, "_device", None):  # set_params after fit
                raise
            wanted = current  # unpickled where the device it trained on is missing
        if current != wanted:
            self.net_.module_.to(wanted)
            self.net_.criterion_.to(wanted)
            optimizer = getattr(self.net_, "optimizer_", None)
            if optimizer is not None:  # its state (Adam's moments) goes where the weights are
                optimizer.load_state_dict(optimizer.state_dict())
            if self.net_.device is not None:  # None: an accelerated net, batches moved below
                self.net_.device = str(wanted)

    def _temporal_reach(self):
        """:func:`~stgraph_sklearn.nn.temporal_reach` of the fitted network, or None if it
        holds layers of unknown reach (a user module's recurrent layers, say)."""
        try:
            return temporal_reach(self.net_.module_)
        except ValueError:
            return None

    def _predict_proba_one(self, seq):
        check_is_fitted(self)
        self._move_to_inference_device()
        s = self.temporal_stride
        proba = np.empty((seq.n_frames, len(self.classes_)), dtype=np.float32)
        k = self.lookahead or 0
        for phase in range(min(s, seq.n_frames)):
            x, mask = append_empty_frames(*sequence_tensors(seq, phase, None, s), k)
            if self.lookahead is None:
                proba[phase::s] = self._chunked_proba(x, mask)
            else:
                proba[phase::s] = self._streamed_proba(x, mask)[k:]
        return proba

    def stream(self):
        """Start labelling a live stream of frames with this causal model.

        Returns
        -------
        stream : FrameStream
            ``stream.partial_predict_proba(frames)`` returns the probabilities of the frames
            each chunk completes, ``stream.close()`` those of the last ``lookahead`` frames;
            together they equal ``predict_proba`` on the whole stream. For raw multi-rate
            samples use :meth:`SegmentationPipeline.stream
            <stgraph_sklearn.pipeline.SegmentationPipeline.stream>`.

        Raises
        ------
        ValueError
            If the model is offline (``lookahead=None``) or has ``temporal_stride > 1``.
        """
        check_is_fitted(self)
        name = type(self).__name__
        if self.lookahead is None:
            raise ValueError(
                f"{name}.stream needs a causal model, but lookahead=None (centred convolutions "
                "look into the future). Set lookahead=0 (or a number of frames) and refit."
            )
        if self.temporal_stride != 1:
            raise ValueError(
                f"{name}.stream needs temporal_stride=1. Got {self.temporal_stride} instead."
            )
        return FrameStream(self)

    def _streamed_proba(self, x, mask):
        """Last-stage softmax of a causal model, ``chunk_size`` frames at a time -> (T, K).

        Each causal layer carries its past between chunks (:class:`~stgraph_sklearn.nn.
        TemporalStreamer`), so the result equals one pass over the whole sequence while
        memory is bounded by ``chunk_size`` and the receptive field.
        """
        t = mask.shape[0]
        c = self.chunk_size
        if c is None or t <= c:
            return self._infer_proba(x, mask)
        with TemporalStreamer(self.net_.module_):
            parts = [
                self._infer_proba({k: v[a : a + c] for k, v in x.items()}, mask[a : a + c])
                for a in range(0, t, c)
            ]
        return np.concatenate(parts)

    def _chunked_proba(self, x, mask):
        """Predict in overlapping windows so memory is bounded by ``chunk_size``.

        Windows of ``chunk_size`` frames overlap by twice the network's temporal reach ``r``
        (``receptive_field_ == 2 * r + 1``); each frame takes its prediction from a window
        in which it has ``r`` frames of context on both sides (or the recording's own start
        or end), so the result equals unchunked prediction up to float rounding (windows start
        on multiples of the strides of stages on pooled frames, ``g = chunk_alignment``). A
        window of fewer than ``2 * r + g`` frames, or a network of unknown reach
        (``receptive_field_`` None),
        cannot give that: the overlap falls back to half a window (a quarter window of
        context on each side), with a warning that the predictions approximate the
        unchunked ones.
        """
        t = mask.shape[0]
        c = self.chunk_size
        if c is None or t <= c:
            return self._infer_proba(x, mask)
        r = self._temporal_reach()
        # windows start on multiples of the stages' strides, so they pool the same frames
        g = chunk_alignment(self.net_.module_)
        if r is None:
            warn(
                f"{type(self).__name__}: the network built by {self._network_source()} holds "
                "layers whose temporal reach the package cannot measure (receptive_field_ is "
                f"None), so predictions in windows of chunk_size={c} frames approximate the "
                "unchunked ones. Use chunk_size=None for exact predictions.",
                StgraphWarning,
            )
            r = c // 4
        elif c < 2 * r + g:  # windows must advance by a whole stride to stay exact
            aligned = f" plus {g - 1} for the stages' stride of {g}" if g > 1 else ""
            warn(
                f"{type(self).__name__}: chunk_size={c} is smaller than the network's receptive "
                f"field (receptive_field_={2 * r + 1} frames){aligned}, so chunked predictions "
                f"approximate the unchunked ones. Use chunk_size >= {2 * r + g} for exact "
                "chunked prediction.",
                StgraphWarning,
            )
            r = c // 4
        out = np.empty((t, len(self.classes_)), dtype=np.float32)
        if (c - 2 * r) // g == 0:
            g = 1
        step, last = (c - 2 * r) // g * g, -(-(t - c) // g) * g
        starts = [*range(0, last, step), last]
        if step < c // 4 and last > 4 * step:  # windows of c frames advance by step
            warn(
                f"{type(self).__name__}: chunk_size={c} leaves windows that advance by only "
                f"{step} frame{'s' if step > 1 else ''} (chunk_size less the receptive field "
                f"of {2 * r + 1}, plus one), so predicting this recording of {t} frames costs "
                f"about {len(starts) * c / t:.0f} times one pass. Use chunk_size >= "
                f"{4 * (2 * r + g) // 3} (a quarter of each window new) or more; twice the "
                "receptive field costs about 2 passes.",
                StgraphWarning,
            )
        for j, a in enumerate(starts):
            p = self._infer_proba({k: v[a : a + c] for k, v in x.items()}, mask[a : a + c])
            lo = a if j == 0 else a + r
            hi = t if j == len(starts) - 1 else a + c - r
            out[lo:hi] = p[lo - a : hi - a]
        return out
