/** Helpers for run-engine tests: a simulated lab on a virtual clock, and run helpers. */
import { VirtualClock } from '../../core/index.js';
import { Lab, parseLabConfig } from '../../devices/index.js';
import { DRIVERS } from '../../drivers/index.js';
import type { RunDocument } from './documents.js';
import type { LogEntry } from './run-context.js';
import { RunEngine } from './run-engine.js';
import type { RunRequest } from './run.js';

/** The lab of examples/lab.toml, connected, with an engine; the clock auto-advances unless told not to. */
export async function engineFor(options: { file?: string; source?: string; autoAdvance?: boolean } = {}) {
  const clock = new VirtualClock({ autoAdvance: options.autoAdvance ?? true });
  const lab =
    options.source !== undefined
      ? Lab.create(parseLabConfig(options.source, 'test-lab.toml', DRIVERS), DRIVERS, clock)
      : await Lab.load(options.file ?? 'examples/lab.toml', DRIVERS, clock);
  const connecting = lab.connect();
  if (options.autoAdvance === false) await clock.advance(1);
  await connecting;
  const engine = new RunEngine(lab, clock);
  const documents: RunDocument[] = [];
  const logs: LogEntry[] = [];
  engine.onDocument(({ document }) => documents.push(document));
  engine.onLog((entry) => logs.push(entry));
  return { clock, lab, engine, documents, logs };
}

/** Runs one script to its end and returns its stop document. */
export async function runScript(engine: RunEngine, source: string, extra: Partial<RunRequest> = {}) {
  const run = engine.submit({ scriptName: 'test.js', source, ...extra });
  return { run, stop: await run.done };
}
