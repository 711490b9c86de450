/**
 * Runs: the queue (move up and down, remove; start and stop taking runs) and the history with
 * status, who started each, events per stream, a plot of any run still in the ring, and the run's
 * HDF5 file (ExportRun).
 */
import { ExportFormat, type RunSummary, RunState } from '../../src/api/gen/daq/v1/control_pb.js';
import { ExitStatus } from '../../src/api/gen/daq/v1/documents_pb.js';
import { call, control, every, messageOf } from './api.js';
import type { App, View } from './app.js';
import { formatDuration, formatTime } from '../../src/core/format/index.js';
import { download, h, replace } from './dom.js';
import { showValue } from './values.js';

/** Downloads a finished run's HDF5 file, streamed in chunks by ExportRun. */
async function downloadHdf5(run: RunSummary): Promise<void> {
  const chunks: Uint8Array[] = [];
  let name = `${run.uid}.h5`;
  for await (const part of control.exportRun({ runUid: run.uid, format: ExportFormat.H5 })) {
    if (part.fileName !== '') name = part.fileName;
    chunks.push(part.chunk.slice());
  }
  download(name, new Blob(chunks as BlobPart[]), 'application/x-hdf5');
}

/** The Runs panel. */
export function createRunsView(app: App): View {
  const queueBody = h('tbody', { id: 'queue-rows' });
  const historyBody = h('tbody', { id: 'history-rows' });
  const processing = h('span', { id: 'queue-processing', class: 'badge' });
  const message = h('p', { class: 'message', id: 'runs-message' });
  const startQueue = app.guard(h('button', {}, 'Start queue'), 'admin');
  const stopQueue = app.guard(h('button', {}, 'Stop queue'), 'admin');
  const clearQueue = app.guard(h('button', {}, 'Clear queue'), 'admin');
  const el = h(
    'section',
    {},
    h('h3', {}, 'Queue ', processing, ' ', startQueue, stopQueue, clearQueue),
    h('table', { class: 'grid' }, h('thead', {}, h('tr', {}, ...['#', 'run', 'script', 'queued', 'by', ''].map((t) => h('th', {}, t)))), queueBody),
    message,
    h('h3', {}, 'History'),
    h('table', { class: 'grid' }, h('thead', {}, h('tr', {}, ...['run', 'script', 'state', 'status', 'by', 'started', 'duration', 'events', 'parameters · metadata', ''].map((t) => h('th', {}, t)))), historyBody),
  );
  const act = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
    try {
      await call(fn);
      message.className = 'message';
      message.textContent = `${what}: done`;
      await refresh();
    } catch (error) {
      message.className = 'message error';
      message.textContent = `${what}: ${messageOf(error)}`;
    }
  };
  startQueue.addEventListener('click', () => void act('start queue', () => control.startQueue({})));
  stopQueue.addEventListener('click', () => void act('stop queue', () => control.stopQueue({})));
  clearQueue.addEventListener('click', () => void act('clear queue', () => control.clearQueue({})));

  const refresh = async (): Promise<void> => {
    const [queue, history] = await Promise.all([call(() => control.listQueue({})), call(() => control.listRuns({}))]);
    processing.textContent = queue.processing ? 'taking runs' : 'stopped';
    replace(
      queueBody,
      ...queue.runs.map((run, i) =>
        h(
          'tr',
          { 'data-run': run.uid },
          h('td', {}, i + 1),
          h('td', {}, run.uid.slice(0, 8)),
          // In a cluster the queue is the lab's: each run says the daemon that runs it.
          h('td', {}, run.scriptName, ...(run.daemon === '' ? [] : [h('span', { class: 'muted', 'data-daemon': run.daemon }, ` on ${run.daemon}`)])),
          h('td', {}, formatTime(run.queuedAtS)),
          h('td', {}, startedBy(run)),
          h(
            'td',
            {},
            app.guard(h('button', { title: 'earlier', disabled: i === 0, onclick: () => void act('move up', () => control.moveInQueue({ uid: run.uid, index: i - 1 })) }, '▲'), 'admin'),
            app.guard(h('button', { title: 'later', disabled: i === queue.runs.length - 1, onclick: () => void act('move down', () => control.moveInQueue({ uid: run.uid, index: i + 1 })) }, '▼'), 'admin'),
            app.guard(h('button', { onclick: () => void act('remove', () => control.removeFromQueue({ uid: run.uid })) }, 'Remove'), 'admin'),
          ),
        ),
      ),
    );
    if (queue.runs.length === 0) queueBody.append(h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'the queue is empty')));
    const done = history.runs.filter((r) => r.state !== RunState.QUEUED).reverse();
    replace(historyBody, ...done.map((run) => historyRow(app, run)));
  };
  let stop: (() => void) | undefined;
  return {
    el,
    show() {
      stop = every(2000, refresh);
    },
    hide() {
      stop?.();
    },
  };
}

/** Metadata a column of its own already shows (started_by), or too long for a table (a preset's content). */
const SHOWN_ELSEWHERE = new Set(['started_by', 'started_by_role', 'preset_content', 'preset_saved_at', 'preset_saved_by']);

/** A run's parameters and its metadata (from its start document) as `name=value` lines. */
function runMeta(run: RunSummary): HTMLElement[] {
  const line = (kind: string, values: RunSummary['params']) =>
    Object.entries(values)
      .filter(([name]) => !SHOWN_ELSEWHERE.has(name))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, value]) => h('span', { class: `meta-${kind}`, 'data-name': name }, `${name}=${value.kind.case === 'number' ? String(value.kind.value) : showValue(value)}`));
  const params = line('param', run.params);
  const metadata = line('meta', run.metadata);
  return [
    ...(params.length === 0 ? [] : [h('div', { class: 'params', title: 'parameters' }, ...params)]),
    ...(metadata.length === 0 ? [] : [h('div', { class: 'metadata muted', title: 'metadata' }, ...metadata)]),
  ];
}

/** Who started the run: the token's name and its role (`olivia (operator)`), or `local` without tokens. */
function startedBy(run: RunSummary): string {
  const role = run.metadata['started_by_role']?.kind;
  return run.startedBy === 'local' || role?.case !== 'text' ? run.startedBy : `${run.startedBy} (${role.value})`;
}

function historyRow(app: App, run: RunSummary): HTMLElement {
  const streams = Object.entries(run.numEvents);
  const duration = run.startTimeS > 0 ? (run.endTimeS > 0 ? run.endTimeS : Date.now() / 1000) - run.startTimeS : 0;
  const status = run.state === RunState.FINISHED ? ExitStatus[run.exitStatus].toLowerCase() : '';
  const plot = h('button', {
    title: 'plot this run (from the ring buffer)',
    disabled: streams.length === 0,
    onclick: () => app.go('plots', { stream: streams[0]?.[0] ?? '', run: run.uid, t0: String(run.startTimeS), t1: String(run.endTimeS > 0 ? run.endTimeS + 1 : 0) }),
  }, 'Plot');
  const hdf5 = h('button', { class: 'hdf5', disabled: run.state !== RunState.FINISHED, title: run.state === RunState.FINISHED ? 'download the run\'s HDF5 file' : 'the file is complete when the run has finished' }, 'HDF5');
  hdf5.addEventListener('click', () => void call(() => downloadHdf5(run)).catch((error: unknown) => (hdf5.title = `cannot download: ${messageOf(error)}`)));
  return h(
    'tr',
    { 'data-run': run.uid, class: `status-${status || RunState[run.state].toLowerCase()}` },
    h('td', {}, run.uid.slice(0, 8)),
    h('td', {}, run.scriptName),
    h('td', {}, RunState[run.state].toLowerCase()),
    h('td', { title: run.reason }, status, run.reason ? `: ${run.reason.split('\n')[0]}` : ''),
    h('td', { 'data-by': run.startedBy }, startedBy(run)),
    h('td', {}, formatTime(run.startTimeS)),
    h('td', {}, duration > 0 ? formatDuration(duration) : ''),
    h('td', {}, streams.map(([s, n]) => `${s}: ${n}`).join(', ')),
    h('td', { class: 'run-meta', 'data-meta': run.uid }, ...runMeta(run)),
    h('td', { class: 'actions' }, plot, hdf5),
  );
}
