"""The generic training engine shared by every model family (Sec. 3.3.2, 3.4.2; Alg. 1), one idea per module.

* ``config``      ``TrainConfig`` (the run config's ``train:`` block) and the hook schedule; torch-free.
* ``distributed`` ``Context`` (device, rank, precision, gradient averaging) and the torchrun / DDP helpers.
* ``rng``         seeding and the generator states a checkpoint carries.
* ``checkpoint``  the checkpoint format, atomic save, verified load, resume-point selection, temp-file cleanup.
* ``rebuild``     ``model_args`` (what a checkpoint's model is built from) and ``rebuild_model(ckpt)``.
* ``progress``    the live metrics log and the progress line.
* ``signals``     stop signals (SIGTERM / SIGUSR1): the trainer's flag, DataLoader workers that ignore them.
* ``lock``        one trainer per checkpoint folder.
* ``hooks``       the periodic evaluation hooks (``EVAL_HOOKS``).
* ``loop``        ``fit``: the loop itself, and the data order (``epoch_batches``).
* ``command``     ``longvid train``.

Nothing is imported here, so ``import longvid.train.config`` stays torch-free; import the module you need.
"""
