"""Docstring fragments shared by the neural segmenters (one source for the shared parameters)."""

import re

SHARED_PARAMETERS = """\
    hidden_channels : int, default=64
        Width of the encoders, graph layers and temporal stages.
    n_stages : int, default=4
        Number of MS-TCN stages (the first predicts, the others refine).
    n_layers : int, default=10
        Dilated residual layers per stage (dilations 1, 2, ..., 2**(n_layers - 1)).
    dropout : float, default=0.5
        Dropout probability.
    input_noise : float, default=0.0
        Standard deviation of Gaussian noise added to the present sensors' input features at
        every training step, drawn afresh each time (jittering, a common augmentation of
        wearable-sensor data); after :class:`~stgraph_sklearn.transformers.SequenceScaler`
        it is a fraction of each feature's standard deviation. Prediction never adds noise.
        0 trains on the inputs as given. On the kitchen simulation 0.1 halved what three
        missing accelerometers cost :class:`AdaptiveGraphSegmenter` (3.5 points of F1@50
        against 7.0 over five seeds of 16 training recordings; 3.8 against 5.9 over four
        of 8), but lowered its clean F1@50 by 2.8 points, its score under added noise by
        4.3 and its learning curve (F1@50 7.9 against 12.3 with two training recordings);
        on five BasicMotions sequences it changed nothing (Benchmarks page, "Model
        search"). Like ``sensor_dropout``, it trades accuracy for robustness.
    smoothing_weight : float, default=0.15
        Weight of the truncated-MSE smoothing term of the loss (MS-TCN's lambda).
    smoothing_clip : float, default=4.0
        Clip of the smoothing term (MS-TCN's tau).
    temporal_stride : int, default=1
        Train on every ``temporal_stride``-th frame (a random phase each time a recording is
        drawn); at prediction every phase is run, so every frame gets its own prediction.
    max_epochs : int, default=50
        Passes over the training recordings.
    lr : float, default=5e-4
        Learning rate of the optimizer.
    batch_size : int, default=1
        Recordings per batch (padded to the longest; padding never reaches the loss).
    weight_decay : float, default=0.0
        Weight decay of the optimizer.
    class_weight : "balanced", dict or None, default=None
        Cross-entropy class weights; "balanced" uses the frame frequencies of all recordings
        given to ``fit`` (validation ones included), anew at each ``fit`` or ``partial_fit``
        call that continues training; in a dict, classes left out weigh 1.
    validation_fraction : float, default=0.1
        Fraction of the training *recordings* held out for validation loss and F1@50
        (none if it rounds to zero recordings: fewer than 6 recordings at 0.1), scored on whole
        recordings even with ``crop_length``.
    patience : int or None, default=None
        Early stopping after this many epochs without validation-loss improvement (the best
        weights are restored); without validation recordings it watches the training loss
        and keeps the last weights. None trains ``max_epochs`` epochs.
    crop_length : int or None, default=None
        Train on random temporal crops of at most this many (strided) frames: each time a
        recording is drawn, a window at a uniformly drawn start (validation recordings are
        scored whole). Training memory is then bounded by ``crop_length`` and ``batch_size``
        rather than by the longest recording. Crops several times longer than the receptive
        field (``receptive_field_``; with ``stage_stride`` and ``refinement_stride`` of 1,
        ``2 * (n_stages * (2**n_layers - 1) + 2**n_spatial_layers - 1) + 1`` strided frames,
        ``n_spatial_layers = 0`` for the graph-free model; strided stages reach further)
        train the network on the context it sees at prediction. None trains on whole
        recordings.
    chunk_size : int or None, default=None
        Predict recordings longer than this many (strided) frames in windows, so memory is
        bounded by ``chunk_size`` rather than by the recording length. Offline models: with
        ``chunk_size >= receptive_field_`` (plus ``chunk_alignment(net_.module_) - 1`` with
        strided stages: 3 more frames with ``stage_stride = refinement_stride = 2``) the
        windows overlap by the receptive field and the predictions equal the unchunked ones
        (up to float rounding). Each window advances by ``chunk_size - receptive_field_ + 1``
        frames, so predicting a long recording costs about ``chunk_size / (chunk_size -
        receptive_field_ + 1)`` passes: twice the receptive field costs about 2, and windows
        that advance by less than a quarter of their length warn of their cost; smaller windows
        (or a network of unknown reach) approximate them, with a warning. Causal models (``lookahead`` not None) carry each
        layer's past between chunks instead, so their chunked predictions equal the
        unchunked ones.
    accelerator : accelerate.Accelerator or None, default=None
        Train through skorch's Hugging Face Accelerate integration
        (:class:`skorch.hf.AccelerateMixin`): several GPUs or processes (one per device,
        started with ``accelerate launch`` or ``torchrun``), mixed precision, gradient
        accumulation. The accelerator then places the model and the batches (``device`` is
        not used for training); prediction runs on ``device``. None trains a plain skorch
        net on ``device``.
    lookahead : int or None, default=None
        None: offline model, every temporal convolution is centred and a frame's label uses
        the whole recording around it. An int ``k >= 0``: online model, every temporal
        convolution is causal (left-padded) and the label of frame ``t`` is read from the
        network's output at frame ``t + k``, so it depends on no input after frame ``t + k``
        (``0``: strictly causal). Such a model runs on a live stream
        (:meth:`~stgraph_sklearn.pipeline.SegmentationPipeline.stream`) with the same labels
        as ``predict``. The ``k`` frames after a recording's end are given to the network as
        frames without any sensor (all nodes masked), in training and prediction alike.
    device : str or torch.device, default="cpu"
        Where to train and predict ("cuda" needs a CUDA device).
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, dropout and the validation split. The same
        int gives the same predictions on CPU. The caller's global torch RNG is left untouched.
    verbose : int, default=0
        0 silent; 1 a progress bar over epochs with loss, validation loss and F1@50 (on
        stderr, with a note when early stopping ends training and which epoch's weights it
        kept); 2 also skorch's per-epoch table (on stdout).
    callbacks : list of skorch callbacks or of (name, callback) pairs, default=None
        Extra skorch callbacks, for example ``skorch.callbacks.Checkpoint`` (keep the best
        epoch), ``LRScheduler`` (learning-rate schedules) or ``TensorBoard``. They are copied
        when training starts, so the objects passed in are never modified; the trained ones
        are in ``net_.callbacks_``. One that cannot be deep-copied (``TensorBoard`` holds a
        ``SummaryWriter``) is copied shallowly and writes through the same writer. Every
        trained epoch reaches them, the one early stopping (``patience``) stops at included,
        and at the end of training they see the weights early stopping kept. The names
        ``"valid_f1"``, ``"early_stopping"`` and ``"restore_best"`` (with ``patience``),
        ``"progress"`` (with ``verbose``) and those of skorch's default callbacks
        (``"epoch_timer"``, ``"train_loss"``, ``"valid_loss"``, ``"print_log"``) are those of
        callbacks the segmenter adds: a (name, callback) pair may not use them.
    optimizer : {"adam", "adamw", "sgd"} or torch.optim.Optimizer subclass, default="adam"
        The optimizer, built with ``lr`` and ``weight_decay``.
    warm_start : bool, default=False
        If True and the model is fitted, ``fit`` continues training the fitted weights for
        ``max_epochs`` more epochs (same classes and input layout required) instead of
        starting afresh; parameters that build another network (``set_params(n_layers=...)``
        after fit) are an error, since the fitted one would go on training. Ctrl-C during
        ``fit`` or ``partial_fit`` stops training and keeps the model trained so far (with
        ``patience``, the best epoch's weights), as skorch and scikit-learn's MLP do:
        ``history_`` holds the complete epochs, and a
        :class:`~stgraph_sklearn.exceptions.TrainingInterruptedWarning` says how many of those asked were
        trained. Under ``GridSearchCV``, ``cross_validate`` or
        :func:`~stgraph_sklearn.model_selection.evaluate_segmenters` each interrupted fit thus
        returns its model with that warning, and the search goes on."""

SHARED_ATTRIBUTES = """\
    classes_ : ndarray of shape (n_classes,)
        The labels seen in fit, sorted.
    modalities_ : dict of str to tuple (n_nodes, n_features)
        The input layout the model was built for.
    node_names_ : tuple of str
        Node names in model order.
    net_ : skorch.NeuralNet
        The fitted skorch net; its ``module_`` is the torch model.
    receptive_field_ : int or None
        Number of consecutive (strided) frames the prediction of one frame depends on:
        ``2 * r + 1`` for a temporal reach of ``r`` frames on each side (for a causal model,
        ``lookahead`` not None, all of them lie before the frame read); None if the network
        holds layers whose reach the package cannot measure (a user module's recurrent,
        attention or wider-kernel torch layers).
    history_ : skorch.History
        Per-epoch ``train_loss``, ``dur`` and, when recordings are held out for validation,
        ``valid_loss`` and ``valid_f1@50``."""


STRIDE_PARAMETERS = """\
    stage_stride : int or "auto", default=1
        Run the MS-TCN stages on the mean of every ``stage_stride`` consecutive frames of the
        read-out (:class:`~stgraph_sklearn.nn.StridedTemporal`), their logits linearly
        interpolated back to every frame: the stages then cost ``1 / stage_stride`` and reach
        ``stage_stride`` times farther, while the encoders and graph blocks keep every frame.
        ``"auto"`` runs the stages at no less than 15 frames per second, the rate MS-TCN was
        designed for: ``floor(frame_rate / temporal_stride / 15)`` (2 at 30 fps, 1 at 10
        or 25 fps) when the training recordings carry one frame rate, 1 when they carry none.
        A causal model (``lookahead`` not None) streams frame by frame and needs 1 ("auto"
        gives 1). On the 30-fps kitchen simulation "auto" (2) trained
        :class:`AdaptiveGraphSegmenter` 0.86x as long per step as :class:`MSTCNSegmenter`
        (stride 1: 1.26x) with the same learning curve, but three missing accelerometers cost
        it 7.5 points of F1@50 instead of 5.0 (five seeds, Benchmarks page), so the default
        keeps every frame.
    refinement_stride : int or "auto", default=1
        Run only the refinement stages on means of ``refinement_stride`` frames (of the
        stages' frames: ``stage_stride * refinement_stride`` input frames), the prediction
        stage on every one (``refinement_stride`` of
        :class:`~stgraph_sklearn.nn.MultiStageTCN`). The refinement stages read only the
        previous stage's class probabilities, which change slowly. ``"auto"`` follows the
        rule of ``stage_stride`` at the stages' own rate (2 at 30 fps with
        ``stage_stride=1``); a causal model needs 1. On the kitchen simulation 2 trained
        :class:`AdaptiveGraphSegmenter` 0.84-1.03x as long per step as
        :class:`MSTCNSegmenter`, level with the default's learning curve, and lost less
        with accelerometers missing (three: 5.2 points of F1@50 against 6.0; ten seeds), but
        it scored 3.2 points lower under added noise and 0.9 lower on clean recordings
        (Benchmarks page), so the default is 1."""

STRIDE_ATTRIBUTES = """\
    stage_stride_ : int
        The frames per step of the MS-TCN stages (``stage_stride`` with "auto" resolved).
    refinement_stride_ : int
        The stages' frames per step of the refinement stages (``refinement_stride`` with
        "auto" resolved)."""


def fill_doc(cls):
    """Class decorator: replace the lines ``%(shared_parameters)s``, ``%(shared_attributes)s``,
    ``%(stride_parameters)s`` and ``%(stride_attributes)s`` (whatever their indentation) by
    the shared sections."""
    doc = cls.__doc__
    for key, text in (
        ("shared_parameters", SHARED_PARAMETERS),
        ("shared_attributes", SHARED_ATTRIBUTES),
        ("stride_parameters", STRIDE_PARAMETERS),
        ("stride_attributes", STRIDE_ATTRIBUTES),
    ):
        doc = re.sub(rf"^[ \t]*%\({key}\)s$", lambda _m, text=text: text, doc, flags=re.MULTILINE)
    cls.__doc__ = doc
    return cls
