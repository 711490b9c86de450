/**
 * Checks and completes scripts for editors off the daemon's main thread: a worker thread runs
 * the TypeScript language service (editor-worker.ts), requests wait their turn, and each has a
 * time budget. A request over budget (a huge or pathological script) ends with
 * `deadline_exceeded` and its worker is terminated; the next request starts a fresh one. A
 * 1 MB script sent by any observer used to block the daemon, and every running experiment's
 * device calls, for a minute.
 */
import { Worker } from 'node:worker_threads';
import { DaqError } from '../../core/errors.js';
import { setLongTimeout } from '../../core/timeout.js';
import { workerEntry } from '../../core/worker-entry.js';
import type { ScriptCompletionItem, ScriptProblemSpan } from './script-editor.js';

/** A request to the editor worker. */
export interface EditorRequest {
  id: number;
  kind: 'check' | 'complete';
  declarations: string;
  name: string;
  source: string;
  position?: number;
}

/** The worker's answer. */
export type EditorReply =
  | { id: number; ok: true; problems?: ScriptProblemSpan[]; completion?: { from: number; items: ScriptCompletionItem[] } }
  | { id: number; ok: false; message: string };

/** Seconds a check or completion may take (a cold language service takes about 1 s). */
export const EDITOR_BUDGET_S = 20;

/** The editor services of one daemon, in one worker. */
export class EditorPool {
  private worker: Worker | undefined;
  private nextId = 1;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly declarations: () => string,
    private readonly budgetS = EDITOR_BUDGET_S,
  ) {}

  /** The problems of `source` (see ScriptEditorService.check). */
  async check(name: string, source: string): Promise<ScriptProblemSpan[]> {
    return (await this.ask({ kind: 'check', name, source })).problems ?? [];
  }

  /** Completions at `position` (see ScriptEditorService.complete). */
  async complete(name: string, source: string, position: number): Promise<{ from: number; items: ScriptCompletionItem[] }> {
    return (await this.ask({ kind: 'complete', name, source, position })).completion ?? { from: position, items: [] };
  }

  /** Starts the worker and its language service now, so the first real check is quick. */
  warmUp(): void {
    void this.check('warm-up.js', '').catch(() => undefined);
  }

  /** Stops the worker. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private ask(request: Omit<EditorRequest, 'id' | 'declarations'>): Promise<Extract<EditorReply, { ok: true }>> {
    const turn = this.queue.then(() => this.send({ ...request, id: this.nextId++, declarations: this.declarations() }));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private send(request: EditorRequest): Promise<Extract<EditorReply, { ok: true }>> {
    const worker = this.start();
    return new Promise((resolve, reject) => {
      const done = (): void => {
        cancel();
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      const onMessage = (reply: EditorReply): void => {
        if (reply.id !== request.id) return;
        done();
        if (reply.ok) resolve(reply);
        else reject(new DaqError('internal', `the script editor failed: ${reply.message}`));
      };
      const onError = (error: Error): void => {
        done();
        this.worker = undefined;
        reject(new DaqError('internal', `the script editor stopped: ${error.message}`));
      };
      const onExit = (): void => onError(new Error('its worker exited'));
      const cancel = setLongTimeout(() => {
        done();
        if (this.worker === worker) this.worker = undefined;
        void worker.terminate();
        reject(new DaqError('deadline_exceeded', `checking ${request.name} took longer than ${this.budgetS} s; the script is too large or too complex for the editor services`));
      }, this.budgetS * 1000);
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage(request);
    });
  }

  private start(): Worker {
    if (this.worker !== undefined) return this.worker;
    const entry = workerEntry(new URL('./editor-worker.js', import.meta.url), new URL('./editor-worker.ts', import.meta.url));
    const worker = new Worker(entry.url, { execArgv: entry.execArgv, ...(entry.devSources === undefined ? {} : { workerData: { devSources: entry.devSources } }) });
    worker.unref();
    this.worker = worker;
    return worker;
  }
}
