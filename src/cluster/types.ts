/** Types the parts of src/cluster share (the daemon's log, its documents). */

/** How the member logs (the daemon's log). */
export type ClusterLog = (level: 'info' | 'warn' | 'error', message: string) => void;

/** One document of a run as the API streams it: its place in the run, Bluesky's name and JSON. */
export interface PublishedDocument {
  index: number;
  name: string;
  json: string;
}

/**
 * Where the member reads a run's documents (the daemon's document log): from `fromIndex`, then
 * live until the run's stop document; ends early when `signal` aborts.
 */
export interface DocumentSource {
  follow(runUid: string, fromIndex: number, signal: AbortSignal): AsyncIterable<PublishedDocument>;
}
