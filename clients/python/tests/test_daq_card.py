"""A 10 kHz analog-input stream of the simulated DAQ card through a real daemon: every sample
reaches the ring and the HDF5 file, none lost, none repeated. The card's ai2 counts samples (sample
i is (i mod 10000) mV), so a gap or a repeat anywhere shows."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pyarrow as pa
import pytest

import daq_client
from daq_client.ring import RingReader, frames

from conftest_daemon import DAQ, ROOT, Daemon, wait_for

RATE_HZ = 10_000
SECONDS = 3
BLOCK = 1000


@pytest.fixture(scope="module")
def daemon(tmp_path_factory):
    d = Daemon(tmp_path_factory.mktemp("daq-data"), config=ROOT / "examples" / "lab-daq.toml")
    yield d
    assert d.stop() == 0


def blocks_of(data, field: str) -> np.ndarray:
    """An array field as rows x samples, whether the ring holds it as a list or a fixed-size column."""
    column = data.column(field)
    if pa.types.is_list(column.type) or pa.types.is_large_list(column.type) or pa.types.is_fixed_size_list(column.type):
        return np.array(column.to_pylist(), dtype=np.float64)
    return frames(data, field).reshape(len(column), -1)


def expect_every_sample(ramp: np.ndarray, first_sample: np.ndarray, what: str) -> None:
    samples = RATE_HZ * SECONDS
    assert ramp.shape == (samples // BLOCK, BLOCK), what
    assert first_sample.tolist() == list(range(0, samples, BLOCK)), what
    counted = np.rint(ramp.reshape(-1) / 1e-3).astype(np.int64)
    assert np.array_equal(counted, np.arange(samples) % 10_000), f"{what}: a sample is missing or repeated"


def test_a_10_khz_stream_reaches_ring_and_file_without_a_lost_sample(daemon):
    out = subprocess.run(
        ["node", str(DAQ), "run", "examples/daq_stream.js", "--remote", daemon.address,
         "--param", f"rate={RATE_HZ}", "--param", f"seconds={SECONDS}", "--param", f"block={BLOCK}", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["exitStatus"] == "success", summary["reason"]
    assert summary["numEvents"] == {"ai": RATE_HZ * SECONDS // BLOCK}
    with daq_client.Client(daemon.address) as client:
        run = wait_for(lambda: (r := client.get_run(summary["uid"]))["file_finished"] and r, what="the file to be finished")
        assert run["events_lost"] == 0 and run["storage_error"] == ""
        with client.open_run(summary["uid"]) as f:
            ai = f["entry/data/ai"]
            expect_every_sample(ai["ai2"][()], ai["first_sample"][()], "HDF5 file")
            assert ai["ai2"].attrs["units"] == "V" and ai["ai0"].attrs["units"] == "V" and ai["ai2"].attrs["source"] == "daq"
            sine = ai["ai0"][()].reshape(-1)
            assert 1.9 < sine.max() <= 2.0 and -2.0 <= sine.min() < -1.9  # lab-daq.toml: a 2 V sine
    ring = RingReader(daemon.process.args[daemon.process.args.index("--ring") + 1])
    try:
        table = ring.latest("ai", 1000)
        expect_every_sample(blocks_of(table, "ai2"), np.array(table.column("first_sample").to_pylist()), "ring")
    finally:
        ring.close()


def test_outputs_and_lines_set_from_python(daemon):
    with daq_client.Client(daemon.address) as client:
        client.set_analog_output("daq", "ao0", 1.5)
        client.set_digital_line("daq", "port0/line1", True)
        # ao0 is wired to ai1, port0/line1 to port0/line5 (examples/lab-daq.toml): a script sees both.
        check = """
        daq.configureAnalogInput({ rateHz: 1000, samplesPerChannel: 10, channels: ['ai1'] });
        daq.startAnalogInput();
        const ai1 = daq.readAnalogInput(10).channels.ai1.value;
        daq.stopAnalogInput();
        if (daq.analogOutput('ao0') !== 1.5 || JSON.stringify(ai1) !== JSON.stringify(Array(10).fill(1.5))) throw new Error('ai1 is not 1.5 V: ' + ai1);
        if (daq.readLine('port0/line5') !== true) throw new Error('port0/line5 is not high');
        """
        summary = client.run(check, name="check.js")
        assert summary["exit_status"] == "success", summary["reason"]
        with pytest.raises(daq_client.DaqError) as error:
            client.set_digital_line("daq", "port0/line5", True)
        assert error.value.code == "FAILED_PRECONDITION" and "port0/line5 is an input" in error.value.message
        with pytest.raises(daq_client.DaqError) as error:
            client.set_analog_output("daq", "ao0", 11)
        assert error.value.code == "OUT_OF_RANGE"
