"""Ctrl-C and ``stgraph-seg``: one line and exit status 130, except during the training of
``fit``, which scores and writes the model of the complete epochs. Ctrl-C is simulated by
raising KeyboardInterrupt where it would land."""

import io

import pytest

import stgraph_sklearn.cli
import stgraph_sklearn.io
from stgraph_sklearn import load_model
from stgraph_sklearn.cli import main
from stgraph_sklearn.estimators._callbacks import ValidationSegmentalScore

FAST = [
    "--model",
    "mstcn",
    *(f"--set={k}" for k in ("max_epochs=50", "hidden_channels=4", "n_layers=2", "n_stages=1")),
    "--set=verbose=0",
]


def run(argv, capsys):
    stream = io.StringIO()
    try:
        code = main(argv, stream=stream)
    except KeyboardInterrupt:  # would end the whole test session
        pytest.fail("KeyboardInterrupt escaped main")
    return code, stream.getvalue(), capsys.readouterr().err


@pytest.fixture
def ctrl_c_in_epoch(monkeypatch):
    """Ctrl-C after the first training batch of epoch 3 (through the callback every neural
    segmenter has)."""

    def on_batch_end(self, net, training=None, **kwargs):
        if training and len(net.history) == 3 and "train_loss" not in net.history[-1]:
            raise KeyboardInterrupt

    monkeypatch.setattr(ValidationSegmentalScore, "on_batch_end", on_batch_end)


def test_ctrl_c_during_training_scores_and_writes_the_model_of_the_complete_epochs(
    csv_folder, tmp_path, capsys, ctrl_c_in_epoch
):
    """Check that Ctrl-C inside an epoch of fit says so in one line, then scores and writes
    the model of the complete epochs, and exits with 130; it ended with "error: missing entry
    "Key 'train_loss' was not found in history."", exit status 1 and no model."""
    model = tmp_path / "m.stgm"
    code, out, err = run(["fit", "--data", str(csv_folder), *FAST, "--out", str(model)], capsys)
    assert code == 130, err  # written, but `fit && predict` must not go on
    assert (
        "Training interrupted after 2 of 50 epochs: the model trained so far is scored and "
        "written." in out
    )
    assert "Training scores" in out and model.is_file()
    assert "missing entry" not in err and "interrupted by the user" not in err
    assert len(load_model(model).steps[-1][1].history_) == 2


def test_a_second_ctrl_c_stops_without_writing(csv_folder, tmp_path, capsys, ctrl_c_in_epoch):
    """Check that a Ctrl-C while the interrupted model is written ends with one line and exit
    status 130, leaving no file."""

    def interrupted_save(*args, **kwargs):
        raise KeyboardInterrupt

    model = tmp_path / "m.stgm"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(stgraph_sklearn.io, "save_model", interrupted_save)
        code, _, err = run(["fit", "--data", str(csv_folder), *FAST, "--out", str(model)], capsys)
    assert (code, err) == (130, "stgraph-seg fit: interrupted\n")
    assert list(tmp_path.iterdir()) == [csv_folder]


def test_ctrl_c_before_the_first_epoch_ends_writes_nothing(
    csv_folder, tmp_path, capsys, monkeypatch
):
    """Check that a fit interrupted before any complete epoch writes no (untrained) model."""

    def on_batch_end(self, net, training=None, **kwargs):
        if training:
            raise KeyboardInterrupt

    monkeypatch.setattr(ValidationSegmentalScore, "on_batch_end", on_batch_end)
    model = tmp_path / "m.stgm"
    code, _, err = run(["fit", "--data", str(csv_folder), *FAST, "--out", str(model)], capsys)
    assert (code, err) == (130, "stgraph-seg fit: interrupted\n")
    assert not model.exists()


@pytest.mark.parametrize("command", ["fit", "evaluate"])
def test_ctrl_c_outside_training_ends_with_one_line_and_status_130(
    csv_folder, tmp_path, capsys, monkeypatch, command
):
    """Check that Ctrl-C while the data or the model are read ends with "stgraph-seg
    <command>: interrupted" and exit status 130; it showed a Python traceback."""

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(stgraph_sklearn.io, "read_dataset", interrupted)
    monkeypatch.setattr(stgraph_sklearn.cli, "_load_model", interrupted)
    model = tmp_path / "m.stgm"
    if command == "fit":
        args = ["fit", "--data", str(csv_folder), *FAST, "--out", str(model)]
    else:
        args = ["evaluate", "--data", str(csv_folder), "--model", str(model)]
    code, _, err = run(args, capsys)
    assert (code, err) == (130, f"stgraph-seg {command}: interrupted\n")
    assert not model.exists()


def test_fit_help_tells_what_ctrl_c_does(capsys):
    """Check that ``stgraph-seg fit --help`` says what Ctrl-C does; it did not."""
    with pytest.raises(SystemExit):
        main(["fit", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "Ctrl-C during training stops it after the last complete epoch" in text
    assert "exit status 130" in text


def test_ctrl_c_during_the_demo_stops_the_demo(tmp_path, capsys, ctrl_c_in_epoch):
    """Check that Ctrl-C while the demo trains a model stops the demo (one line, status 130,
    no scores written); it stopped only that model's training and went on to the next."""
    out = tmp_path / "demo"
    code, stdout, err = run(["demo", "--quick", "--out", str(out)], capsys)
    assert code == 130 and err.endswith("stgraph-seg demo: interrupted\n"), err
    assert "Held-out" not in stdout and not (out / "scores.csv").exists()
