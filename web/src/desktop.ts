/**
 * The dashboard inside the desktop app (desktop/, docs/desktop.md): native notifications when a
 * run ends or a device faults, through the app's `notify` command. In a browser there is no
 * `window.__TAURI__` and this does nothing.
 */
import { ExitStatus } from '../../src/api/gen/daq/v1/documents_pb.js';
import { RunState } from '../../src/api/gen/daq/v1/control_pb.js';
import { call, control } from './api.js';
import type { App } from './app.js';

type Invoke = (command: string, args: Record<string, unknown>) => Promise<unknown>;

/** The app's invoke, when the page runs in the desktop app. */
function desktopInvoke(): Invoke | undefined {
  return (globalThis as { __TAURI__?: { core?: { invoke?: Invoke } } }).__TAURI__?.core?.invoke;
}

/** Watches the daemon's status and raises a notification when a run ends or a device faults. */
export function notifyInDesktop(app: App): void {
  const invoke = desktopInvoke();
  if (invoke === undefined) return;
  const notify = (title: string, body: string): void => void invoke('notify', { title, body }).catch(() => undefined);
  const announced = new Set<string>();
  const runEnded = async (uid: string): Promise<void> => {
    if (announced.has(uid)) return;
    announced.add(uid);
    const run = (await call(() => control.getRun({ uid }))).run;
    if (run === undefined) return;
    const events = Object.values(run.numEvents).reduce((sum, n) => sum + n, 0);
    const seconds = run.endTimeS > run.startTimeS ? `, ${(run.endTimeS - run.startTimeS).toFixed(1)} s` : '';
    notify(`Run ${run.scriptName} ended: ${ExitStatus[run.exitStatus].toLowerCase()}`, `${app.info.labName}: ${events} events${seconds}${run.reason ? `; ${run.reason}` : ''}`);
  };
  let running: string | undefined;
  let faulted: Set<string> | undefined; // undefined until the first status: faults already there are not news
  app.onStatus((status) => {
    const run = status.currentRun;
    const uid = run === undefined || run.uid === '' ? undefined : run.uid;
    if (running !== undefined && uid !== running) void runEnded(running).catch(() => undefined);
    running = uid !== undefined && run?.state !== RunState.FINISHED ? uid : undefined;
    if (uid !== undefined && run?.state === RunState.FINISHED) void runEnded(uid).catch(() => undefined);
    const now = new Set(status.devices.filter((d) => d.state === 'faulted').map((d) => d.name));
    for (const device of status.devices) {
      if (faulted !== undefined && now.has(device.name) && !faulted.has(device.name)) notify(`${device.name} faulted`, `${app.info.labName}: ${device.fault || 'no reason given'}`);
    }
    faulted = now;
  });
}
