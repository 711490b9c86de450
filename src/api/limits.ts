/**
 * Message size limits shared by the daemon's servers and the clients: a ReadStreamRange of a long
 * window or an ExportRun chunk is far beyond grpc's default 4 MiB receive limit.
 */

/** The largest message either side accepts, bytes (the Python client uses the same figure). */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/**
 * The most bytes of data a streamed reply message carries (ExportRun chunks, ReadStreamRange
 * pieces): 1 MiB, well under grpc's default 4 MiB receive limit, so default clients read them.
 */
export const PIECE_BYTES = 2 ** 20;
