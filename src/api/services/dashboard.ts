/**
 * ControlService methods the web dashboard needs (and any editor or viewer may use): what the
 * ring holds (the time-travel timeline), stored scripts' sources, and the script editor's
 * services: the lab's declarations, type problems and completions, the same as `daq types` and
 * `daq check` compute.
 */
import { DaqError } from '../../core/index.js';
import { RingIndex } from '../../data/index.js';
import type { EditorPool } from '../../scripting/types/index.js';
import type { ServiceHandlers } from '../handlers.js';
import { RUN_STATES } from '../convert.js';
import type { DaemonCore } from '../core.js';
import type { ControlService } from '../gen/daq/v1/control_pb.js';

type DashboardMethods = 'describeRing' | 'getScript' | 'getScriptTypes' | 'checkScript' | 'completeScript';

/** Longest script the editor services take, in UTF-16 code units (a long experiment script is a few thousand). */
const MAX_EDITOR_SOURCE = 200_000;

/**
 * The dashboard's ControlService handlers over `core`; `editor` checks and completes scripts (in
 * a worker with a time budget: never on the main thread, whoever asks), against `declarations`.
 */
export function dashboardHandlers(core: DaemonCore, editor: EditorPool, declarations: () => string): Pick<ServiceHandlers<typeof ControlService>, DashboardMethods> {
  let index: RingIndex | undefined;
  let warm = false;
  core.shutdown.addEventListener('abort', () => {
    index?.close();
    void editor.close();
  }, { once: true });
  const checked = (name: string, source: string): string => {
    if (source.length > MAX_EDITOR_SOURCE) throw new DaqError('invalid_argument', `script ${name || '(unnamed)'} is ${source.length} characters; the editor services take at most ${MAX_EDITOR_SOURCE}`);
    return name || 'script.js';
  };
  return {
    async describeRing() {
      const path = core.facts.ring.path;
      if (path === '') throw new DaqError('failed_precondition', 'this daemon writes no ring buffer (started with --no-ring)');
      index ??= new RingIndex(path);
      const ring = index.describe();
      const from = ring.tFirstS;
      const current = core.engine.currentRun;
      const runs = [...core.engine.finished(), ...(current === undefined ? [] : [current])]
        .map((run) => run.summary())
        .filter((summary) => summary.startTimeS !== undefined && (summary.endTimeS === undefined || summary.endTimeS >= from))
        .map((summary) => ({ uid: summary.uid, scriptName: summary.scriptName, startTimeS: summary.startTimeS ?? 0, endTimeS: summary.endTimeS ?? 0, state: RUN_STATES[summary.state] }));
      return { path, capacityBytes: ring.capacityBytes, usedBytes: ring.usedBytes, tFirstS: ring.tFirstS, tLastS: ring.tLastS, streams: ring.streams, runs, nowS: core.clock.now() };
    },
    async getScript(request) {
      const script = core.scripts.get(request.scriptId);
      return { script: { ...script, sizeBytes: Buffer.byteLength(script.source) }, source: script.source };
    },
    async getScriptTypes() {
      // An editor is opening: build the language service now (about a second the first time, in
      // its worker), so the first check as the user types is quick.
      if (!warm) editor.warmUp();
      warm = true;
      return { declarations: declarations(), labName: core.lab.name };
    },
    async checkScript(request) {
      const name = checked(request.name, request.source);
      return { problems: (await editor.check(name, request.source)).map(({ line, column, start, end, message, code }) => ({ line, column, start, end, message, code })) };
    },
    async completeScript(request) {
      const name = checked(request.name, request.source);
      if (request.position > request.source.length) throw new DaqError('invalid_argument', `position ${request.position} is past the end of the script (${request.source.length} characters)`);
      const { from, items } = await editor.complete(name, request.source, request.position);
      return { from, completions: items };
    },
  };
}
