"""The data layer: datasets' native archives → preprocessed uint8 video store → clip indices → torch clips.

``DATASETS`` maps the CLI/config dataset key to the module that knows its source, layout, labels and split
(each module exposes ``URLS``, ``MANUAL``, ``STEPS`` and ``sources(downloads, seed, **options)``).
"""

DATASETS = {  # dataset key -> module (imported on use)
    "uva": "longvid.data.uva",
    "weizmann": "longvid.data.weizmann",
    "kth": "longvid.data.kth",
    "ucf101": "longvid.data.ucf101",
    "taichi": "longvid.data.taichi",
    "sky": "longvid.data.sky",
}


def dataset_module(name: str):
    """The module of dataset ``name`` (a key of ``DATASETS``)."""
    import importlib

    if name not in DATASETS:
        raise KeyError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    return importlib.import_module(DATASETS[name])
