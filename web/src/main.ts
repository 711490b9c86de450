/**
 * The ts-daq web dashboard: served by the daemon at `/` of its HTTP address, talking to it only
 * through the public API. Log in (when the daemon has tokens), then six panels: devices, plots,
 * camera, editor, runs, time travel. Closing the tab never touches a run: runs live in the daemon.
 */
import './locale.js'; // first: before uPlot reads navigator.language
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { RunState } from '../../src/api/gen/daq/v1/control_pb.js';
import { call, control, follow, isUnauthenticated, messageOf, onConnection, setToken, token } from './api.js';
import { App, type View } from './app.js';
import { h, replace } from './dom.js';
import { createCameraView } from './camera.js';
import { notifyInDesktop } from './desktop.js';
import { createDevicesView } from './devices.js';
import { createEditorView } from './editor.js';
import { createPlotsView } from './plots.js';
import { createRunsView } from './runs.js';
import { createTimeTravelView } from './time-travel.js';

const root = document.getElementById('app') as HTMLElement;

const TABS: readonly [string, string, (app: App) => View][] = [
  ['devices', 'Devices', createDevicesView],
  ['plots', 'Plots', createPlotsView],
  ['camera', 'Camera', createCameraView],
  ['editor', 'Editor', createEditorView],
  ['runs', 'Runs', createRunsView],
  ['time', 'Time travel', createTimeTravelView],
];

async function start(): Promise<void> {
  try {
    const info = await call(() => control.getDaemonInfo({}));
    open(new App(info));
  } catch (error) {
    if (isUnauthenticated(error)) return login(token() === null ? '' : 'That token was not accepted.');
    replace(root, h('div', { class: 'login' }, h('h1', {}, 'ts-daq'), h('p', { class: 'error' }, `Cannot reach the daemon: ${messageOf(error)}. Retrying…`)));
    setTimeout(() => void start(), 2000);
  }
}

function login(problem: string): void {
  const input = h('input', { id: 'token', type: 'password', placeholder: 'token', autocomplete: 'current-password', size: 40 });
  const form = h(
    'form',
    { class: 'login', id: 'login' },
    h('h1', {}, 'ts-daq'),
    h('p', {}, 'This daemon needs a token. Ask its administrator for one (observer, operator or admin).'),
    h('label', {}, 'Token ', input),
    h('button', { type: 'submit' }, 'Log in'),
    problem === '' ? null : h('p', { class: 'error' }, problem),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    setToken(input.value.trim());
    void start();
  });
  replace(root, form);
  input.focus();
}

function open(app: App): void {
  const connection = h('span', { id: 'connection', class: 'badge ok' }, 'connected');
  const daemonState = h('span', { id: 'daemon-state', class: 'badge' }, '…');
  const currentRun = h('span', { id: 'current-run' });
  const views = new Map<string, { view: View; button: HTMLButtonElement }>();
  const nav = h('nav', { class: 'tabs' });
  const main = h('main');
  let shown: string | undefined;
  const show = (tab: string): void => {
    if (!views.has(tab)) tab = 'devices';
    if (shown === tab) return;
    if (shown !== undefined) {
      const old = views.get(shown);
      old?.view.hide();
      old?.view.el.classList.add('hidden');
      old?.button.classList.remove('active');
    }
    shown = tab;
    const entry = views.get(tab);
    entry?.view.el.classList.remove('hidden');
    entry?.button.classList.add('active');
    entry?.view.show();
    if (location.hash !== `#${tab}`) history.replaceState(null, '', `#${tab}`);
  };
  app.go = (tab, detail) => {
    show(tab);
    if (detail !== undefined) views.get(tab)?.view.el.dispatchEvent(new CustomEvent('open', { detail }));
  };
  for (const [id, label, create] of TABS) {
    const view = create(app);
    view.el.classList.add('view', 'hidden');
    view.el.id = `view-${id}`;
    const button = h('button', { class: 'tab', 'data-tab': id, onclick: () => show(id) }, label);
    nav.append(button);
    main.append(view.el);
    views.set(id, { view, button });
  }
  const logout = app.info.authEnabled ? h('button', { class: 'link', onclick: () => { setToken(null); location.reload(); } }, 'log out') : null;
  const roleNote = app.may('operator') ? null : h('div', { class: 'notice', id: 'observer-notice' }, `You are logged in as an ${app.role}: you see everything, and every command is disabled (commands need the operator role).`);
  replace(
    root,
    h('header', {}, h('strong', {}, 'ts-daq'), h('span', { id: 'lab-name' }, app.info.labName), connection, daemonState, currentRun, h('span', { class: 'spacer' }), h('span', { id: 'role', class: 'badge' }, app.role), logout),
    roleNote,
    nav,
    main,
  );
  onConnection((up, why) => {
    connection.textContent = up ? 'connected' : `disconnected: ${why || 'the daemon cannot be reached'}; reconnecting…`;
    connection.className = `badge ${up ? 'ok' : 'bad'}`;
    document.body.classList.toggle('disconnected', !up);
  });
  follow(
    (signal) => control.streamStatus({ heartbeatS: 1 }, { signal }),
    (status) => {
      daemonState.textContent = status.daemonState;
      const run = status.currentRun;
      if (run === undefined || run.uid === '') replace(currentRun);
      else {
        const total = run.progressTotal;
        replace(currentRun, `${runStateText(run)} ${run.scriptName} `, total > 0 ? h('progress', { max: total, value: run.progressDone }) : null, total > 0 ? ` ${run.progressDone}/${total}` : '');
      }
      app.publishStatus(status);
    },
    (error) => {
      if (isUnauthenticated(error)) login('The daemon no longer accepts this token.');
    },
  );
  notifyInDesktop(app);
  window.addEventListener('hashchange', () => show(location.hash.slice(1)));
  show(location.hash.slice(1) || 'devices');
}

/** The current run's state as the header shows it: a suspended run says why. */
function runStateText(run: { state: RunState; suspendedReason: string }): string {
  if (run.state === RunState.SUSPENDED) return `suspended (${run.suspendedReason})`;
  return run.state === RunState.PAUSED ? 'paused' : 'running';
}

void start();
