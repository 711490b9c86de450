"""A run's documents as Bluesky's event model defines them (event-model 1.24.0), unchanged.

    from bluesky.callbacks.best_effort import BestEffortCallback
    bec = BestEffortCallback()
    for name, doc in client.documents(uid):
        bec(name, doc)

Every (name, doc) pair is what a Bluesky callback takes: `start`, `descriptor`, `event`, `stop`,
and for frames (kept in the run's HDF5 file, not in the events) `stream_resource` and
`stream_datum`. `read_stream_datum` reads the values a stream_datum points to, with h5py.
"""

from __future__ import annotations

import json
from typing import Any, Iterable, Iterator
from urllib.parse import urlparse

#: The event-model version whose JSON schemas the documents follow.
EVENT_MODEL_VERSION = "1.24.0"


def bluesky_pairs(messages: Iterable[Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(name, doc) pairs of RunDocument messages (`daq.v1.RunDocument`), in order."""
    for message in messages:
        if message.name:
            yield message.name, json.loads(message.json)


def file_path(stream_resource: dict[str, Any]) -> str:
    """The local path of the file a stream_resource names (`file://localhost/abs/path`, the path as it is,
    as tiled reads it)."""
    uri = urlparse(stream_resource["uri"])
    if uri.scheme != "file":
        raise ValueError(f"stream_resource {stream_resource['uid']}: not a file URI: {stream_resource['uri']}")
    return uri.path


def read_stream_datum(stream_resource: dict[str, Any], stream_datum: dict[str, Any], h5file: Any | None = None):
    """The values a stream_datum points to, as a numpy array of shape (stop - start, ...):
    rows `indices.start` to `indices.stop` of the dataset `parameters.dataset` of the file.
    Pass an open `h5py.File` as `h5file` to read many; otherwise the file is opened (SWMR) and closed."""
    import h5py

    if stream_datum["stream_resource"] != stream_resource["uid"]:
        raise ValueError(f"stream_datum {stream_datum['uid']} belongs to stream_resource {stream_datum['stream_resource']}, not {stream_resource['uid']}")
    dataset = stream_resource["parameters"]["dataset"]
    start, stop = stream_datum["indices"]["start"], stream_datum["indices"]["stop"]
    if h5file is not None:
        return h5file[dataset][start:stop]
    with h5py.File(file_path(stream_resource), "r", swmr=True) as f:
        return f[dataset][start:stop]


def frames(pairs: Iterable[tuple[str, dict[str, Any]]]) -> Iterator[tuple[str, int, Any]]:
    """For every stream_datum of `pairs`, (data_key, seq_num, value) read from the run's file:
    the frames (and large arrays) that events leave out."""
    resources: dict[str, dict[str, Any]] = {}
    for name, doc in pairs:
        if name == "stream_resource":
            resources[doc["uid"]] = doc
        elif name == "stream_datum":
            resource = resources[doc["stream_resource"]]
            values = read_stream_datum(resource, doc)
            for i, seq_num in enumerate(range(doc["seq_nums"]["start"], doc["seq_nums"]["stop"])):
                yield resource["data_key"], seq_num, values[i]
