/**
 * Editor: experiment scripts in CodeMirror 6 with JavaScript/TypeScript highlighting, and the
 * lab's own types from the daemon: completions (CompleteScript) and inline type errors
 * (CheckScript, the same check as `daq check`), so `camera.moveAbs(1)` is underlined before it
 * runs. Scripts are saved on the daemon (UploadScript, GetScript); a run starts with parameters
 * and can be paused, resumed and stopped; its log and progress show beside the editor.
 */
import { autocompletion, type CompletionContext, type CompletionResult } from '@codemirror/autocomplete';
import { javascript } from '@codemirror/lang-javascript';
import { type Diagnostic, forceLinting, linter, lintGutter } from '@codemirror/lint';
import { Compartment, EditorState } from '@codemirror/state';
import { basicSetup, EditorView } from 'codemirror';
import { RunState } from '../../src/api/gen/daq/v1/control_pb.js';
import { ExitStatus } from '../../src/api/gen/daq/v1/documents_pb.js';
import { call, control, follow, messageOf } from './api.js';
import type { App, View } from './app.js';
import { formatQuantity, formatTime } from '../../src/core/format/index.js';
import { decodeRows, readRange } from './arrow.js';
import { h, replace, setOptions } from './dom.js';
import { parseParams } from './values.js';

const STARTER = `// An experiment: step the stage, read the power meter at each point.
// Devices are globals by their names in the lab config; Ctrl-Space completes.
const steps = Number(params.steps ?? 10);
for (let i = 0; i < steps; i++) {
  stage.moveAbs(i);
  record('scan', { position: stage.position(), power: power_meter.read() });
  progress(i + 1, steps);
}
`;

const DRAFT_KEY = 'daq.dashboard.draft';

/** The Editor panel. */
export function createEditorView(app: App): View {
  const name = h('input', { id: 'script-name', value: 'scan.js', size: 16 });
  const saved = h('select', { id: 'script-saved' }, h('option', { value: '' }, 'open a saved script…'));
  const params = app.guard(h('textarea', { id: 'script-params', rows: 3, cols: 24, placeholder: 'steps=10' }));
  const save = app.guard(h('button', { id: 'script-save' }, 'Save'));
  const run = app.guard(h('button', { id: 'script-run', class: 'primary' }, 'Run'));
  const pause = app.guard(h('button', { id: 'run-pause' }, 'Pause'));
  const resume = app.guard(h('button', { id: 'run-resume' }, 'Resume'));
  const stopRun = app.guard(h('button', { id: 'run-stop' }, 'Stop'));
  const check = h('button', { id: 'script-check' }, 'Check');
  const problems = h('ul', { id: 'script-problems', class: 'problems' });
  const message = h('p', { class: 'message', id: 'editor-message' });
  const runInfo = h('div', { id: 'run-info' }, 'no run started from here yet');
  const progress = h('progress', { id: 'run-progress', max: 1, value: 0 });
  const log = h('pre', { id: 'run-log', class: 'log' });
  const runValues = h('div', { id: 'run-values', class: 'run-values' });
  const types = h('pre', { class: 'types' });
  const editorBox = h('div', { class: 'editor', id: 'script-editor' });
  const lockedNote = app.may('operator') ? null : h('p', { class: 'notice', id: 'editor-locked' }, `Run, Save, Pause, Resume and Stop are disabled: ${app.reason('operator')}.`);
  const el = h(
    'section',
    { class: 'editor-view' },
    h(
      'div',
      { class: 'editor-main' },
      h('div', { class: 'toolbar' }, 'file ', name, ' ', saved, ' ', check, ' ', save),
      editorBox,
      h('h4', {}, 'problems'),
      problems,
      h('details', {}, h('summary', {}, 'the lab\'s types (daq types)'), types),
    ),
    h('aside', { class: 'editor-side' }, lockedNote, h('label', {}, 'parameters (name=value, one a line)', h('br'), params), h('div', { class: 'toolbar' }, run, pause, resume, stopRun), message, runInfo, progress, runValues, h('h4', {}, 'log'), log),
  );

  const language = new Compartment();
  const languageFor = (file: string) => javascript({ typescript: /\.[mc]?ts$/.test(file) });
  const lint = linter(
    async (view) => {
      const source = view.state.doc.toString();
      try {
        const found = (await call(() => control.checkScript({ name: name.value, source }))).problems;
        replace(problems, ...(found.length === 0 ? [h('li', { class: 'ok' }, 'no problems')] : found.map((p) => h('li', { class: 'error' }, `${p.line}:${p.column} ${p.message}`))));
        problems.dataset['count'] = String(found.length);
        const length = view.state.doc.length;
        return found.map((p): Diagnostic => ({ from: Math.min(p.start, length), to: Math.min(Math.max(p.end, p.start + 1), length), severity: 'error', message: p.message, source: `TS${p.code}` }));
      } catch (error) {
        replace(problems, h('li', { class: 'error' }, `cannot check: ${messageOf(error)}`));
        return [];
      }
    },
    { delay: 400 },
  );
  const complete = async (context: CompletionContext): Promise<CompletionResult | null> => {
    const word = context.matchBefore(/[\w$]*/);
    const afterDot = context.matchBefore(/\.[\w$]*/) !== null;
    if (!context.explicit && !afterDot && (word === null || word.from === word.to)) return null;
    try {
      const result = await control.completeScript({ name: name.value, source: context.state.doc.toString(), position: context.pos });
      return {
        from: result.from,
        options: result.completions.map((c) => ({ label: c.label, type: c.kind === 'method' ? 'method' : c.kind === 'property' ? 'property' : c.kind === 'function' ? 'function' : c.kind === 'keyword' ? 'keyword' : 'variable', detail: c.detail, ...(c.documentation === '' ? {} : { info: c.documentation }) })),
        validFor: /^[\w$]*$/,
      };
    } catch {
      return null;
    }
  };
  const editor = new EditorView({
    parent: editorBox,
    state: EditorState.create({
      doc: sessionStorage.getItem(DRAFT_KEY) ?? STARTER,
      extensions: [
        basicSetup,
        language.of(languageFor(name.value)),
        autocompletion({ override: [complete], activateOnTyping: true }),
        lint,
        lintGutter(),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) sessionStorage.setItem(DRAFT_KEY, update.state.doc.toString());
        }),
      ],
    }),
  });
  name.addEventListener('change', () => {
    editor.dispatch({ effects: language.reconfigure(languageFor(name.value)) });
    forceLinting(editor);
  });
  check.addEventListener('click', () => forceLinting(editor));

  const say = (text: string, error = false): void => {
    message.textContent = text;
    message.className = `message${error ? ' error' : ''}`;
  };
  const refreshSaved = async (): Promise<void> => {
    const scripts = (await call(() => control.listScripts({}))).scripts;
    setOptions(saved, [['', 'open a saved script…'], ...scripts.map((s): [string, string] => [s.scriptId, `${s.name} (${formatTime(s.uploadedAtS)})`])]);
    saved.value = '';
  };
  saved.addEventListener('change', async () => {
    if (saved.value === '') return;
    try {
      const script = await call(() => control.getScript({ scriptId: saved.value }));
      name.value = script.script?.name ?? 'script.js';
      editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: script.source }, effects: language.reconfigure(languageFor(name.value)) });
      say(`opened ${name.value}`);
    } catch (error) {
      say(messageOf(error), true);
    }
  });
  const upload = async (): Promise<string> => {
    const script = (await call(() => control.uploadScript({ name: name.value, source: editor.state.doc.toString() }))).script;
    void refreshSaved();
    return script?.scriptId ?? '';
  };
  save.addEventListener('click', async () => {
    try {
      await upload();
      say(`saved ${name.value} on the daemon`);
    } catch (error) {
      say(messageOf(error), true);
    }
  });

  let runUid = '';
  let stopLog: (() => void) | undefined;
  run.addEventListener('click', async () => {
    try {
      const scriptId = await upload();
      const started = (await call(() => control.startRun({ script: { case: 'scriptId', value: scriptId }, params: parseParams(params.value) }))).run;
      runUid = started?.uid ?? '';
      say(`started run ${runUid.slice(0, 8)} of ${name.value}`);
      log.textContent = '';
      log.dataset['lines'] = '0';
      replace(runValues);
      shownValuesOf = '';
      runInfo.dataset['run'] = runUid;
      stopLog?.();
      stopLog = follow(
        (signal) => control.streamLogs({ runUid }, { signal }),
        (line) => {
          if (log.dataset['lines'] === '0') log.textContent = '';
          log.dataset['lines'] = String(Number(log.dataset['lines'] ?? '0') + 1);
          log.textContent += `${formatTime(line.timeS, { timeOnly: true })} ${line.message}\n`;
          log.scrollTop = log.scrollHeight;
        },
      );
    } catch (error) {
      say(messageOf(error), true);
    }
  });
  const act = (button: HTMLButtonElement, what: string, fn: () => Promise<unknown>): void =>
    button.addEventListener('click', async () => {
      try {
        await call(fn);
        say(`${what}: done`);
      } catch (error) {
        say(`${what}: ${messageOf(error)}`, true);
      }
    });
  act(pause, 'pause', () => control.pauseRun({ uid: runUid }));
  act(resume, 'resume', () => control.resumeRun({ uid: runUid }));
  act(stopRun, 'stop', () => control.stopRun({ uid: runUid, reason: 'stopped from the dashboard' }));

  const showRun = async (): Promise<void> => {
    if (runUid === '') return;
    const summary = (await call(() => control.getRun({ uid: runUid }))).run;
    if (summary === undefined) return;
    const state = RunState[summary.state].toLowerCase();
    const ended =
      summary.state === RunState.FINISHED
        ? ` · ${ExitStatus[summary.exitStatus].toLowerCase()}${summary.reason ? `: ${summary.reason}` : ''}`
        : summary.suspendedReason
          ? ` (${summary.suspendedReason}; it goes on by itself once that clears)`
          : '';
    const events = Object.entries(summary.numEvents).map(([s, n]) => `${s}: ${n}`).join(', ');
    runInfo.textContent = `run ${summary.uid.slice(0, 8)} · ${state}${ended} · progress ${summary.progressDone}/${summary.progressTotal}${events ? ` · events ${events}` : ''}`;
    runInfo.dataset['state'] = state;
    if (summary.state === RunState.FINISHED && shownValuesOf !== summary.uid) {
      shownValuesOf = summary.uid;
      if (log.dataset['lines'] === '0') log.textContent = '(the run logged nothing)';
      await showValues(summary.uid, Object.keys(summary.numEvents));
    }
    progress.max = Math.max(1, summary.progressTotal);
    progress.value = summary.progressDone;
  };
  /** The run whose values are shown below its summary. */
  let shownValuesOf = '';
  /** What a finished run recorded: the last rows of each of its streams, with units (from the ring). */
  const showValues = async (uid: string, streams: string[]): Promise<void> => {
    const ring = await call(() => control.describeRing({}));
    const parts: HTMLElement[] = [];
    for (const stream of streams) {
      const described = ring.streams.find((s) => s.name === stream);
      const rows = decodeRows(await call(() => readRange({ stream, t0S: 0, t1S: 0, lastRows: 2000, withoutFrames: true })));
      const mine: number[] = [];
      for (let i = 0; i < rows.length; i++) if (rows.runUid[i] === uid) mine.push(i);
      const fields = rows.fields.map((f) => f.name).filter((n) => !['time', 'run_uid', 'seq_num'].includes(n));
      if (mine.length === 0) {
        parts.push(h('p', { class: 'muted' }, `${stream}: no longer in the ring (see the run's file in Runs)`));
        continue;
      }
      const last = mine.slice(-10);
      const cell = (field: string, i: number): string => {
        const v: unknown = rows.value(field, i);
        const units = described?.fields.find((f) => f.name === field)?.units ?? '';
        return typeof v === 'number' ? formatQuantity(v, units, { integer: units === '' && Number.isInteger(v) }) : typeof v === 'bigint' ? String(v) : v !== null && typeof v === 'object' ? '[array]' : String(v);
      };
      parts.push(
        h('h4', {}, `${stream}: ${mine.length} event${mine.length === 1 ? '' : 's'}${mine.length > last.length ? ` (the last ${last.length})` : ''}`),
        h(
          'table',
          { class: 'grid run-values-table', 'data-stream': stream },
          h('thead', {}, h('tr', {}, h('th', {}, '#'), ...fields.map((f) => h('th', {}, f)))),
          h('tbody', {}, ...last.map((i) => h('tr', {}, h('td', {}, String(rows.seqNum[i])), ...fields.map((f) => h('td', { 'data-field': f, 'data-value': String(rows.value(f, i)) }, cell(f, i)))))),
        ),
      );
    }
    replace(runValues, ...parts);
  };
  let stopStatus: (() => void) | undefined;
  let types0 = false;
  return {
    el,
    show() {
      void refreshSaved().catch(() => undefined);
      if (!types0) {
        types0 = true;
        void call(() => control.getScriptTypes({})).then((r) => (types.textContent = r.declarations)).catch(() => (types0 = false));
      }
      stopStatus = app.onStatus(() => void showRun().catch(() => undefined));
      editor.requestMeasure();
    },
    hide() {
      stopStatus?.();
    },
  };
}
