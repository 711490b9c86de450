/**
 * The shared-memory ring buffer: every recorded row and frame, as Arrow IPC record batches in a
 * file under /dev/shm that any process can map and read live (docs/ring-buffer.md).
 */
export { createDocumentSink, type DocumentSink, type DocumentSinkOptions } from './document-sink.js';
export { RING_MAGIC, RING_VERSION } from './layout.js';
export { mapFile, MAX_MAPPING_BYTES, type MapMode, type Mapping } from './native.js';
export { follow, readRange, RingReader, type FollowOptions, type RangeOptions, type RingReaderOptions } from './reader.js';
export { daemonRingPath, listRingFiles, readRingFile, type RingFileInfo, sharedMemoryDir } from './ring-files.js';
export { RingIndex, type RingDescription, type RingFieldInfo, type RingStreamInfo } from './ring-index.js';
export { rowsOf, type RowValue, toIpcBytes } from './rows.js';
export { type EncoderRow, StreamEncoder, type StreamSpec } from './stream-encoder.js';
export { blobByte, SYNTHETIC_STREAM, type SyntheticCheck, SyntheticWriter, verifySynthetic } from './synthetic.js';
export { DEFAULT_RING_BYTES, defaultRingPath, RingWriter, type RingWriterOptions } from './writer.js';
