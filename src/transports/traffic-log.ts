/**
 * The log of what crosses the wire, at debug level: every line sent and received, and every
 * line dropped (unsolicited, late or garbage). Off unless `DAQ_DEBUG` names `transport` (or `*`),
 * or a logger is passed in (tests collect it).
 */

/** One logged event: `tx` sent, `rx` received as a reply, `drop` received but unwanted. */
export type TrafficDirection = 'tx' | 'rx' | 'drop' | 'info';

/** Receives the traffic of one port. */
export type TrafficLog = (direction: TrafficDirection, port: string, text: string) => void;

/** The default traffic log: lines on stderr when `DAQ_DEBUG` includes `transport`, else nothing. */
export function defaultTrafficLog(): TrafficLog | undefined {
  const wanted = (process.env['DAQ_DEBUG'] ?? '').split(',').map((s) => s.trim());
  if (!wanted.includes('transport') && !wanted.includes('*')) return undefined;
  return (direction, port, text) => {
    process.stderr.write(`debug transport ${port} ${direction} ${JSON.stringify(text)}\n`);
  };
}
