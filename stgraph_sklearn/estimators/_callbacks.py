"""skorch callbacks used by the neural segmenters: segmental validation score and progress."""

from __future__ import annotations

import sys

import numpy as np
from skorch.callbacks import Callback, EarlyStopping, PrintLog

from ..metrics import f1_at_k_score
from ._batching import IGNORE_INDEX

__all__ = [
    "EpochProgressBar",
    "LastEpochEarlyStopping",
    "RestoreBestWeights",
    "ValidationSegmentalScore",
    "note_beside_bars",
    "print_on_main_process",
    "write_beside_bars",
]


def write_beside_bars(text, file=None):
    """Print ``text`` (to stdout, or ``file``) on lines of its own: tqdm clears the progress
    bars being drawn and redraws them below it (a ``print`` lands on the bar's line)."""
    from tqdm.auto import tqdm

    tqdm.write(str(text), file=file)


def note_beside_bars(text):
    """:func:`write_beside_bars` to stderr, where the progress bar is drawn."""
    write_beside_bars(text, file=sys.stderr)


def print_on_main_process(accelerator, text):
    """:func:`write_beside_bars` in the accelerator's main process only (its ``print``)."""
    if accelerator.is_main_process:
        write_beside_bars(text)


class LastEpochEarlyStopping(EarlyStopping):
    """skorch's ``EarlyStopping``, placed after every other callback, whose stopping epoch
    reaches skorch's table too.

    skorch stops training by a ``KeyboardInterrupt`` from this callback's ``on_epoch_end``:
    callbacks after it never see the stopping epoch. skorch runs its ``PrintLog`` after every
    callback, so its row of that epoch is written here before training stops, and then the
    note saying why (to ``sink``, whatever the net's own verbosity). The best epoch's weights
    are put back by :class:`RestoreBestWeights`, placed before the user's callbacks, so that
    their ``on_train_end`` (skorch's ``TrainEndCheckpoint``) sees the fitted model.
    """

    def on_epoch_end(self, net, **kwargs):
        notes, sink = [], self.sink
        self.sink = notes.append
        try:
            super().on_epoch_end(net, **kwargs)
        except KeyboardInterrupt:
            for _, cb in net.callbacks_:
                if isinstance(cb, PrintLog):
                    cb.on_epoch_end(net, **kwargs)
            if not notes:  # skorch writes its note only with the net's own verbose on
                notes.append(
                    f"Stopping since {self.monitor} has not improved in the last "
                    f"{self.patience} epochs."
                )
            for note in notes:
                sink(note)
            raise
        finally:
            self.sink = sink

    def on_train_end(self, net, **kwargs):
        """Nothing: :class:`RestoreBestWeights` has put the best weights back."""


class RestoreBestWeights(Callback):
    """Put back the weights ``early_stopping`` kept (skorch's ``EarlyStopping.on_train_end``)
    at the end of training, before the callbacks placed after this one see the model."""

    def __init__(self, early_stopping):
        self.early_stopping = early_stopping

    def on_train_end(self, net, **kwargs):
        EarlyStopping.on_train_end(self.early_stopping, net, **kwargs)


class ValidationSegmentalScore(Callback):
    """Record F1@k of the last stage on the validation split as ``valid_f1@<k>`` each epoch.

    Uses the predictions skorch already computed for the validation loss (no second pass).
    """

    def __init__(self, k=0.5):
        self.k = k

    @property
    def key(self):
        return f"valid_f1@{round(self.k * 100)}"

    def on_epoch_begin(self, net, **kwargs):
        self._true, self._pred = [], []

    def on_batch_end(self, net, batch=None, training=None, y_pred=None, **kwargs):
        if training or y_pred is None:
            return
        y = batch[1].cpu().numpy()
        pred = y_pred[-1].argmax(dim=1).cpu().numpy()  # (B, T) from the last stage
        for yi, pi in zip(y, pred, strict=True):
            valid = yi != IGNORE_INDEX
            self._true.append(yi[valid])
            self._pred.append(pi[valid])

    def on_epoch_end(self, net, **kwargs):
        if self._true:
            net.history.record(self.key, float(f1_at_k_score(self._true, self._pred, k=self.k)))


class EpochProgressBar(Callback):
    """A tqdm progress bar over epochs showing train loss, validation loss and F1@50."""

    def __init__(self, total, desc=None, keys=("train_loss", "valid_loss", "valid_f1@50")):
        self.total = total
        self.desc = desc
        self.keys = keys

    def on_train_begin(self, net, **kwargs):
        from tqdm.auto import tqdm

        self._bar = tqdm(total=self.total, desc=self.desc, unit="epoch", leave=True)

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        post = {}
        for key in self.keys:
            if key in row and np.isfinite(row[key]):
                post[key.replace("train_", "").replace("valid_", "val_")] = f"{row[key]:.3f}"
        self._bar.set_postfix(post, refresh=False)
        self._bar.update(1)

    def on_train_end(self, net, **kwargs):
        bar = getattr(self, "_bar", None)
        if bar is not None:
            bar.close()
            self._bar = None

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_bar", None)
        return state
