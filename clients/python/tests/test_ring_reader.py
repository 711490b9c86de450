"""daq_client.ring against rings written by the TypeScript writer: reading, zero-copy, copies,
a killed writer, and files that are not rings."""

from __future__ import annotations

import json
import signal
import struct

import numpy as np
import pyarrow as pa
import pytest

from daq_client.ring import RingError, RingReader, frames
from ring_support import SYNTHETIC_CLI, node, write_synthetic


def expected_blob(seq: np.ndarray, width: int) -> np.ndarray:
    return ((seq[:, None] * 31 + np.arange(width)[None, :] * 7) & 0xFF).astype(np.uint8)


def test_latest_reads_the_newest_rows_zero_copy(tmp_path):
    path = tmp_path / "ring"
    write_synthetic(path, 20_000, "--capacity", str(1 << 20), "--blob", "128")
    with RingReader(path) as ring:
        assert ring.streams() == ["synthetic"]
        assert ring.closed
        table = ring.latest("synthetic", 1000)
        table.validate(full=True)
        seq = table.column("seq_num").to_numpy()
        assert seq.tolist() == list(range(19_001, 20_001))
        assert np.array_equal(table.column("value").to_numpy(), seq / 2)
        assert np.array_equal(frames(table.combine_chunks(), "blob").reshape(1000, -1), expected_blob(seq, 128))
        # Zero-copy: the blob bytes of the newest batch live inside the ring's mapping.
        batch = ring.latest("synthetic", 1).to_batches()[-1]
        start = ring._ring.buffer.address
        assert start <= batch.column("blob").buffers()[1].address < start + ring._ring.buffer.size
        assert ring.is_valid(table)


def test_copy_mode_keeps_data_after_the_writer_laps_it(tmp_path):
    path = tmp_path / "ring"
    writer = node(SYNTHETIC_CLI, "write", path, "--rows", "200", "--capacity", str(64 * 1024), "--blob", "64", "--wait")
    assert writer.stdout.readline().strip() == "ready"
    view_reader, copy_reader = None, None
    try:
        writer.stdin.write("go\n")
        writer.stdin.flush()
        json.loads(writer.stdout.readline())
    finally:
        writer.wait()
    view_reader, copy_reader = RingReader(path), RingReader(path, copy=True)
    view, copy = view_reader.latest("synthetic", 5), copy_reader.latest("synthetic", 5)
    assert view.equals(copy)
    assert view_reader.is_valid(view) and copy_reader.is_valid(copy)


def test_a_reader_started_after_the_writer_was_killed_reads_its_last_rows(tmp_path):
    path = tmp_path / "ring"
    writer = node(SYNTHETIC_CLI, "write", path, "--rows", "3000", "--capacity", str(1 << 20), "--blob", "32", "--hold")
    assert json.loads(writer.stdout.readline())["done"]
    writer.send_signal(signal.SIGKILL)
    assert writer.wait() == -signal.SIGKILL
    with RingReader(path) as ring:
        assert not ring.closed  # killed, never closed: state stays 1
        assert ring.writer_pid == writer.pid and not ring.writer_alive  # ... but its writer is gone
        seq = ring.latest("synthetic", 7).column("seq_num").to_pylist()
        assert seq == list(range(2994, 3001))
        # follow ends by itself after the last row: the writer is dead, nothing more will come
        seqs = [s for b in ring.follow("synthetic", from_oldest=True) for s in b.column("seq_num").to_pylist()]
        assert seqs == list(range(seqs[0], 3001))  # everything the ring still holds, in order


def test_unknown_stream_names_the_ones_there_are(tmp_path):
    path = tmp_path / "ring"
    write_synthetic(path, 10)
    with RingReader(path) as ring, pytest.raises(KeyError, match="has no stream 'nope'; it has synthetic"):
        ring.latest("nope")


def test_files_that_are_not_rings_are_refused_with_the_reason(tmp_path):
    (tmp_path / "notes.txt").write_text("Dear diary, " * 1000)
    with pytest.raises(RingError, match=r"notes.txt is not a ts-daq ring buffer: it starts with b'Dear dia', not b'TSDAQRNG'"):
        RingReader(tmp_path / "notes.txt")
    (tmp_path / "empty").write_bytes(b"")
    with pytest.raises(RingError, match="it is 0 bytes, shorter than the 4096-byte header"):
        RingReader(tmp_path / "empty")
    with pytest.raises(RingError, match="is a directory, not a ring buffer file"):
        RingReader(tmp_path)
    with pytest.raises(FileNotFoundError, match="no ring buffer at"):
        RingReader(tmp_path / "missing")
    write_synthetic(tmp_path / "v9", 10)
    data = bytearray((tmp_path / "v9").read_bytes())
    struct.pack_into("<I", data, 8, 9)
    (tmp_path / "v9").write_bytes(bytes(data))
    with pytest.raises(RingError, match="is a ring buffer of layout version 9; this reader knows version 1"):
        RingReader(tmp_path / "v9")
    (tmp_path / "cut").write_bytes((tmp_path / "v9").read_bytes()[:5000].replace(struct.pack("<I", 9), struct.pack("<I", 1), 1))
    with pytest.raises(RingError, match=r"it is 5000 bytes but its header says \d+ \(truncated\?\)"):
        RingReader(tmp_path / "cut")


def test_frames_gives_numpy_arrays_of_the_recorded_shape():
    batch = pa.RecordBatch.from_arrays(
        [pa.array([bytes(range(6)), bytes(range(6, 12))], pa.binary(6))],
        schema=pa.schema([pa.field("image", pa.binary(6), metadata={"dtype": "uint16", "shape": "[1,3]"})]),
    )
    image = frames(batch, "image")
    assert image.shape == (2, 1, 3) and image.dtype == np.uint16
    assert image[1, 0].tolist() == np.frombuffer(bytes(range(6, 12)), np.uint16).tolist()
