"""CPU-side stand-ins for a GPU, for tests of the CUDA path on machines without one.

* :func:`dumps_as_gpu` writes the bytes a ``device='cuda'`` fit pickles: torch tags every
  tensor storage with its location ("cpu", "cuda:0"), and while pickling the tag is "cuda:0"
  for exactly the tensors such a fit keeps on the GPU (the network's parameters and buffers,
  the loss's buffers, the optimizer's state). Loading them here behaves as on a machine without
  CUDA: a storage reached through plain pickle raises torch's "Attempting to deserialize object
  on a CUDA device", while skorch maps the attributes it knows to the CPU.
* :func:`simulated_cuda` emulates a second device: tensors "on the GPU" report device ``meta``
  (which has a device guard on CPU builds) and wrap a real CPU tensor, so numbers, autograd and
  optimizers work, and an op mixing one with a CPU tensor of one or more dimensions raises, as
  CUDA does.
"""

import contextlib
import pickle

import torch
import torch.serialization as ser
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten, tree_map

# ---- the bytes a GPU run pickles -------------------------------------------------------------


def device_tensors(seg):
    """The tensors a segmenter trained with device='cuda' holds on the GPU."""
    net = seg.net_
    out = list(net.module_.parameters()) + list(net.module_.buffers())
    out += list(net.criterion_.buffers())
    for state in net.optimizer_.state.values():
        out += [v for v in state.values() if torch.is_tensor(v)]
    return out


@contextlib.contextmanager
def _tagged_cuda(tensors):
    ptrs = {t.untyped_storage().data_ptr() for t in tensors if t is not None}
    orig = ser.location_tag

    def tag(storage):
        try:
            ptr = storage.data_ptr()
        except Exception:
            ptr = None
        return "cuda:0" if ptr in ptrs else orig(storage)

    ser.location_tag = tag
    try:
        yield
    finally:
        ser.location_tag = orig


def dumps_as_gpu(obj, seg):
    """``pickle.dumps(obj)`` as if ``seg`` (held by ``obj``) had been trained on CUDA."""
    saved = seg.net_.device, seg.device, seg._device
    seg.net_.device = "cuda"
    seg.set_params(device="cuda")
    seg._device = "cuda"
    try:
        with _tagged_cuda(device_tensors(seg)):
            return pickle.dumps(obj)
    finally:
        seg.net_.device, seg.device, seg._device = saved


# ---- an emulated second device ---------------------------------------------------------------

SIM = torch.device("meta")  # the stand-in for "cuda"
aten = torch.ops.aten
_orig_to = torch.Tensor.to
_orig_cpu = torch.Tensor.cpu


class DeviceMismatch(RuntimeError):
    """What CUDA raises for an op mixing devices."""


class Sim(torch.Tensor):
    """A tensor on the emulated device, holding its data in a CPU tensor (``inner``)."""

    @staticmethod
    def __new__(cls, inner):
        r = torch.Tensor._make_wrapper_subclass(
            cls,
            inner.shape,
            strides=inner.stride(),
            storage_offset=inner.storage_offset(),
            dtype=inner.dtype,
            device=SIM,
            requires_grad=inner.requires_grad,
            layout=inner.layout,
        )
        r.inner = inner
        return r

    def __repr__(self, **kw):
        return f"Sim({self.inner!r})"

    @classmethod
    def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
        return _dispatch(func, args, kwargs)


def _unwrap(t):
    return t.inner if isinstance(t, Sim) else t


def _is_sim(dev):
    return dev is not None and torch.device(dev).type in ("cuda", "meta")


def _dispatch(func, args, kwargs):
    kwargs = dict(kwargs or {})
    flat, _ = tree_flatten((args, kwargs))
    has_sim = any(isinstance(t, Sim) for t in flat)
    if func is aten._to_copy.default:
        src = args[0]
        dev = kwargs.pop("device", None)
        out = func(_unwrap(src), **kwargs)
        if dev is None:
            return Sim(out) if isinstance(src, Sim) else out
        return Sim(out) if _is_sim(dev) else out
    if func is aten.copy_.default:
        _unwrap(args[0]).copy_(_unwrap(args[1]))
        return args[0]
    cpu = [
        t
        for t in flat
        if isinstance(t, torch.Tensor)
        and not isinstance(t, Sim)
        and t.device.type == "cpu"
        and t.dim() > 0
    ]
    if has_sim and cpu and func not in (aten.index.Tensor, aten.index_put_.default):
        raise DeviceMismatch(
            f"{func}: Expected all tensors to be on the same device, but found at least two "
            "devices, the emulated GPU and cpu!"
        )
    to_sim = _is_sim(kwargs.get("device"))
    if to_sim:
        kwargs["device"] = torch.device("cpu")
    uargs, ukwargs = tree_map(_unwrap, (args, kwargs))
    out = func(*uargs, **ukwargs)
    if not (to_sim or has_sim):
        return out
    inputs = {id(_unwrap(a)): a for a in flat if isinstance(a, Sim)}  # in-place ops
    return tree_map(
        lambda o: (
            inputs.get(id(o), Sim(o))
            if isinstance(o, torch.Tensor) and not isinstance(o, Sim)
            else o
        ),
        out,
    )


class _SimMode(TorchDispatchMode):
    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        return _dispatch(func, args, kwargs)


def _to(self, *args, **kwargs):
    dev, dtype = kwargs.get("device"), kwargs.get("dtype")
    for a in args:
        if isinstance(a, (str, torch.device)):
            dev = a
        elif isinstance(a, torch.dtype):
            dtype = a
        elif isinstance(a, torch.Tensor):
            dev, dtype = a.device, a.dtype

    def conv(t):
        return t if dtype is None or t.dtype == dtype else _orig_to(t, dtype)

    if dev is not None and _is_sim(dev) and not isinstance(self, Sim):
        out = conv(self)
        if out is self:
            out = self.detach().clone().requires_grad_(self.requires_grad)
        return Sim(out)
    if dev is not None and not _is_sim(dev) and isinstance(self, Sim):
        return conv(self.inner)
    if dev is not None and isinstance(self, Sim):
        return conv(self)
    return _orig_to(self, *args, **kwargs)


def _cpu(self, *args, **kwargs):
    return self.inner if isinstance(self, Sim) else _orig_cpu(self, *args, **kwargs)


@contextlib.contextmanager
def simulated_cuda(monkeypatch, keep_parameters=True):
    """Emulate one CUDA device (``meta`` stands for it) while in the block.

    With ``keep_parameters``, ``module.to()`` keeps its ``Parameter`` objects, as on real CUDA
    (optimizers hold them; it fails for a parameter that a view refers to). Everything is undone on exit (``monkeypatch`` restores the patched functions).
    """
    import torch.cuda

    for name, value in {
        "_lazy_init": lambda: None,
        "is_available": lambda: True,
        "device_count": lambda: 1,
        "current_device": lambda: 0,
        "get_rng_state": lambda device="cuda": torch.zeros(16, dtype=torch.uint8),
        "set_rng_state": lambda state, device="cuda": None,
        "manual_seed_all": lambda seed: None,
        "manual_seed": lambda seed: None,
        "synchronize": lambda *a, **k: None,
    }.items():
        monkeypatch.setattr(torch.cuda, name, value)
    monkeypatch.setattr(torch.Tensor, "to", _to)
    monkeypatch.setattr(torch.Tensor, "cpu", _cpu)
    swap = torch.__future__.get_swap_module_params_on_conversion()
    torch.__future__.set_swap_module_params_on_conversion(keep_parameters)
    try:
        with _SimMode():
            yield
    finally:
        torch.__future__.set_swap_module_params_on_conversion(swap)
