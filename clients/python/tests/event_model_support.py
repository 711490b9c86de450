"""Helpers of test_event_model.py: the lab and scripts of the runs, and what checks a run's
Bluesky documents against the event-model schemas, BestEffortCallback and a tiled catalog."""

from __future__ import annotations

import os
from collections import defaultdict
from typing import Any

import matplotlib

matplotlib.use("Agg")  # BestEffortCallback draws its plots without a display

LAB = """[lab]
name = "event-model test lab"
[devices.stage]
driver = "sim-stage"
min = 0
max = 50
settings = { velocity = 500, acceleration = 20000 }
[devices.stage_y]
driver = "sim-stage"
min = 0
max = 50
settings = { velocity = 500, acceleration = 20000 }
[devices.laser]
driver = "sim-laser"
wavelength = 800
[devices.power_meter]
driver = "sim-power-meter"
laser = "laser"
stage = "stage"
peak_position = 5
beam_width = 1.5
[devices.camera]
driver = "sim-camera"
width = 24
height = 16
settings = { exposure = 0.001 }
"""

SCRIPTS = {
    "line_scan": "lineScan(stage, power_meter, { start: 0, stop: 10, num: 6 });",
    "fly_scan": "flyScan(stage, [camera, power_meter], { start: 2, stop: 8, num: 13, velocity: 5 });",
    "grid_scan": "gridScan(stage_y, stage, power_meter, { outer: {start: 0, stop: 2, num: 3}, inner: {start: 0, stop: 3, num: 4}, snake: true });",
    "frames_loop": """
for (let i = 0; i < 5; i++) {
  stage.moveAbs(i);
  const frame = camera.snap();
  record('images', { position: stage.position(), power: power_meter.read(), image: frame, mean: frame.mean });
}""",
    "kinds": """
const big = [];
for (let k = 0; k < 2000; k++) big.push(k * 0.5);
for (let i = 1; i <= 4; i++) {
  record('mixed', { n: i, label: 'point ' + i, ok: i % 2 === 0, spectrum: [i, i + 0.5, i * 2], wide: big.map((x) => x + i) });
}""",
    "exposure_change": """
camera.setExposure(0.002);
for (let i = 0; i < 2; i++) record('images', { image: camera.snap(), i });
camera.setExposure(0.004);
for (let i = 2; i < 5; i++) record('images', { image: camera.snap(), i });""",
    "failing": """
record('primary', { x: 1 });
record('primary', { x: 2 });
throw new Error('sample lost');""",
    "aborted": """
for (let i = 1; ; i++) {
  record('steady', { i, position: stage.position() });
  sleep(0.02);
}""",
    # suspended from the declaration until the stage has passed 10 mm (0.5 s at 20 mm/s), then 0.05 s more
    "suspended": """
stage.moveAbs(0);
stage.setParameter('velocity', 20);
stage.moveAbs(20, { wait: false });
suspendWhen(stage, { method: 'position', below: 10, settle: 0.05 });
lineScan(stage, power_meter, { start: 20, stop: 22, num: 3 });
stage.setParameter('velocity', 500);""",
}


def by_name(pairs: list[tuple[str, dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """The documents of a run grouped by name."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for name, doc in pairs:
        out[name].append(doc)
    return out


def validate_all(pairs: list[tuple[str, dict[str, Any]]]) -> None:
    """Validates every document with event-model's own JSON schemas."""
    from event_model import DocumentNames, schema_validators

    for name, doc in pairs:
        schema_validators[DocumentNames(name)].validate(doc)


def best_effort(pairs: list[tuple[str, dict[str, Any]]]) -> None:
    """Feeds the run to BestEffortCallback (tables and plots, Agg backend); raises what it raises."""
    import matplotlib.pyplot as plt
    from bluesky.callbacks.best_effort import BestEffortCallback

    # Bluesky callbacks swallow their exceptions (logged) unless BLUESKY_DEBUG_CALLBACKS is set.
    before = os.environ.get("BLUESKY_DEBUG_CALLBACKS")
    os.environ["BLUESKY_DEBUG_CALLBACKS"] = "1"
    bec = BestEffortCallback()
    try:
        for name, doc in pairs:
            bec(name, doc)
    finally:
        plt.close("all")
        if before is None:
            del os.environ["BLUESKY_DEBUG_CALLBACKS"]
        else:
            os.environ["BLUESKY_DEBUG_CALLBACKS"] = before


def scalar_fields(descriptors: list[dict[str, Any]]) -> list[str]:
    """The scalar fields of a stream (inline in events)."""
    keys = descriptors[0]["data_keys"]
    return [k for k, v in keys.items() if v["shape"] == [] and "external" not in v]


def external_fields(descriptors: list[dict[str, Any]]) -> list[str]:
    return [k for k, v in descriptors[0]["data_keys"].items() if "external" in v]


def streams(pairs: list[tuple[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Per stream: its descriptors and its events in order."""
    out: dict[str, dict[str, Any]] = {}
    stream_of: dict[str, str] = {}
    for name, doc in pairs:
        if name == "descriptor":
            stream_of[doc["uid"]] = doc["name"]
            out.setdefault(doc["name"], {"descriptors": [], "events": []})["descriptors"].append(doc)
        elif name == "event":
            out[stream_of[doc["descriptor"]]]["events"].append(doc)
    return out


class TemporaryCatalog:
    """A tiled catalog in `directory` (SQLite for metadata, DuckDB for event tables) served in this
    process, that may read the run files under `readable`; `client` is databroker's view of it
    (bluesky-tiled-plugins: runs as BlueskyRun, streams read as xarray)."""

    def __init__(self, directory, readable: list[str]):
        from tiled.catalog import from_uri
        from tiled.client import Context, from_context
        from tiled.server.app import build_app

        directory.mkdir(parents=True, exist_ok=True)
        catalog = from_uri(f"sqlite:///{directory}/catalog.db", writable_storage=[str(directory / "data"), f"duckdb:///{directory}/tables.duckdb"],
                           readable_storage=readable, init_if_not_exists=True)
        self._context = Context.from_app(build_app(catalog))
        self.client = from_context(self._context)

    def write(self, pairs: list[tuple[str, dict[str, Any]]]) -> None:
        """Pours a run's documents in with bluesky's TiledWriter."""
        from bluesky.callbacks.tiled_writer import TiledWriter

        writer = TiledWriter(self.client)
        for name, doc in pairs:
            writer(name, doc)

    def close(self) -> None:
        self._context.close()
