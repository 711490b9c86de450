/**
 * The desktop app (desktop/, docs/desktop.md) through tauri-driver (WebDriver) under Xvfb, against
 * a real daemon that needs a token: the app lists the daemons of this machine (the daemon's
 * discovery file), opens the daemon's dashboard with a typed token that it keeps in the OS keyring
 * (a real GNOME Keyring, the Secret Service on a D-Bus session bus started here), lists the
 * devices, runs a scan from the editor and shows its plot, raises a native notification when the
 * run ends, opens the dashboard again with the keyring's token alone, and raises one when a device
 * faults (an ESP300 on a PTY, its cable pulled). Notifications are checked as the app's Notify
 * calls to org.freedesktop.Notifications on the session bus (dbus-monitor): no notification server
 * runs here to show them.
 *
 * Skipped only when the app was not built (`make desktop`; `make test` builds it first). The tools
 * (tauri-driver, WebKitWebDriver, Xvfb, dbus-daemon, gnome-keyring-daemon) must then be there:
 * `make desktop` and `make system` install them.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSerialLab, type SerialLab } from '../drivers/serial-lab.js';
import { freePort } from '../test-support/free-port.fixture.js';
import { driverReady, Session } from '../test-support/webdriver.fixture.js';
import { type DaemonProcess, Proc, ROOT, startDaemonProcess, TestProcesses, writeTokens } from './daemon.fixture.js';

/** Where `make desktop` builds (the Makefile's DESKTOP_TARGET). */
const TARGET = process.env['DAQ_DESKTOP_TARGET'] ?? join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'ts-daq', 'desktop-target');
const APP = join(TARGET, 'debug', 'ts-daq-desktop');
const TAURI_DRIVER = process.env['TAURI_DRIVER'] ?? join(TARGET, 'tools', 'bin', 'tauri-driver');
const OPERATOR = 'desktop-operator-token-0123456789';
/** Screenshots of the app's windows, for review. */
const SHOTS = join(ROOT, 'test-output/desktop');
const run = promisify(execFile);

/** Waits for the app to get there (the machine is loaded: generous). */
const eventually = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 90_000, interval: 100 });

/** In a hook (expect.poll works only in tests): checks `condition` every 100 ms until it holds; fails after 90 s saying what it waited for. */
async function until(what: string, condition: () => Promise<boolean>): Promise<void> {
  const giveUp = Date.now() + 90_000;
  while (!(await condition())) {
    if (Date.now() > giveUp) throw new Error(`still waiting after 90 s: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The lab: simulated stage, laser and power meter, and an ESP300 axis on a PTY (its cable can be pulled: a fault). */
const lab = (dir: string): string => `[lab]
name = "desktop test lab"

[devices.axis]
driver = "newport-esp300"
port = "${dir}/esp300"
axis = 1
min = 0
max = 25

[devices.stage]
driver = "sim-stage"
min = 0
max = 100
settings = { velocity = 100, acceleration = 2000 }

[devices.laser]
driver = "sim-laser"
warmup_time = 0

[devices.power_meter]
driver = "sim-power-meter"
laser = "laser"
stage = "stage"
peak_position = 5
`;

describe.skipIf(!existsSync(APP))('the desktop app through tauri-driver under Xvfb', () => {
  const processes = new TestProcesses();
  let daemon: DaemonProcess;
  let dashboardUrl: string;
  let driver: Proc;
  let monitor: Proc;
  let bench: SerialLab;
  let session: Session;
  let env: NodeJS.ProcessEnv;
  /** The daemon list window (the app's first). */
  let listWindow: string;

  /** Starts a tool in its own process group (so cleanup ends its children too: the app, WebKit's processes). */
  const start = (command: string, args: readonly string[], stdin: 'ignore' | 'pipe' = 'ignore'): Proc => {
    const child: ChildProcess = spawn(command, args, { env, stdio: [stdin, 'pipe', 'pipe'], detached: true });
    const proc = new Proc(child);
    processes.defer(async () => {
      if (proc.running && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      await proc.exited;
    });
    return proc;
  };

  /** Whether a name is owned on the session bus of `env` (dbus-send asks the bus). */
  const busNameOwned = async (name: string): Promise<boolean> => {
    const { stdout } = await run('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', `string:${name}`], { env });
    return /boolean true/.test(stdout);
  };

  beforeAll(async () => {
    for (const tool of [TAURI_DRIVER, '/usr/bin/WebKitWebDriver']) if (!existsSync(tool)) throw new Error(`the desktop app is built but ${tool} is missing: make desktop (tauri-driver) and make system (webkit2gtk-driver)`);
    const dir = await processes.labDir();
    bench = await startSerialLab(dir);
    processes.defer(() => bench.close());
    await writeFile(join(dir, 'lab.toml'), lab(dir));
    const tokens = await writeTokens(dir, [{ name: 'olivia', role: 'operator', token: OPERATOR }]);
    daemon = await startDaemonProcess(processes, dir, { http: true, tokensFile: tokens });
    [, dashboardUrl = ''] = await daemon.proc.waitFor(/dashboard: (http:\/\/\S+)\/\n/, 'stderr');

    // A home of its own: the webview's storage, the keyring's files, the runtime directory.
    const home = await mkdtemp(join(tmpdir(), 'daq-desktop-test-'));
    processes.defer(() => rm(home, { recursive: true, force: true }));
    const runtime = join(home, 'runtime');
    await mkdir(runtime, { mode: 0o700 });
    env = {
      ...process.env,
      HOME: home,
      XDG_DATA_HOME: join(home, 'data'),
      XDG_CONFIG_HOME: join(home, 'config'),
      XDG_CACHE_HOME: join(home, 'cache'),
      XDG_RUNTIME_DIR: runtime,
      // The daemons of this test run announce themselves there (the global setup sets it).
      DAQ_DAEMONS_DIR: process.env['DAQ_DAEMONS_DIR'] ?? join(runtime, 'ts-daq', 'daemons'),
      NO_AT_BRIDGE: '1',
    };
    delete env['DBUS_SESSION_BUS_ADDRESS'];
    delete env['WAYLAND_DISPLAY'];

    const xvfb = start('Xvfb', ['-displayfd', '1', '-screen', '0', '1600x1000x24', '-nolisten', 'tcp']);
    const [, display = ''] = await xvfb.waitFor(/^(\d+)\n/);
    env['DISPLAY'] = `:${display}`;
    const bus = start('dbus-daemon', ['--session', '--nofork', `--address=unix:path=${join(runtime, 'bus')}`, '--print-address=1']);
    const [, busAddress = ''] = await bus.waitFor(/^(unix:\S+)\n/);
    env['DBUS_SESSION_BUS_ADDRESS'] = busAddress;
    // GNOME Keyring's Secret Service, its login keyring created and unlocked with this password.
    const keyring = start('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], 'pipe');
    keyring.child.stdin?.end('desktop-test-password');
    await until('GNOME Keyring on the session bus (org.freedesktop.secrets)', async () => (await busNameOwned('org.freedesktop.secrets')) || !keyring.running);
    if (!keyring.running) throw new Error(`gnome-keyring-daemon exited: ${keyring.stderr}`);

    // Watches the calls of the desktop's notification service (org.freedesktop.Notifications).
    monitor = start('dbus-monitor', ['--session', "interface='org.freedesktop.Notifications'"]);
    await monitor.waitFor(/member=NameAcquired/);
    const port = await freePort();
    driver = start(TAURI_DRIVER, ['--port', String(port), '--native-port', String(await freePort()), '--native-driver', '/usr/bin/WebKitWebDriver']);
    const base = `http://127.0.0.1:${port}`;
    await until('tauri-driver answering /status', async () => (await driverReady(base)) || !driver.running);
    if (!driver.running) throw new Error(`tauri-driver exited: ${driver.stderr}`);
    session = await Session.open(base, { 'tauri:options': { application: APP } });
    listWindow = await session.windowHandle();
  }, 300_000);

  afterAll(async () => {
    await session?.close().catch(() => undefined);
    await processes.cleanup();
  });

  /** The window that is not the daemon list, once it is open. */
  const dashboardWindow = async (list: string): Promise<string> => {
    let found: string | undefined;
    await eventually(async () => {
      found = (await session.windowHandles()).find((handle) => handle !== list);
      return found !== undefined;
    }).toBe(true);
    return found ?? '';
  };

  it('lists the daemon of this machine, opens its dashboard with a token kept in the keyring, lists the devices, runs a scan and plots it', async () => {
    const list = listWindow;
    // Other test files' daemons may be listed too (they share the run's DAQ_DAEMONS_DIR): this one by its pid.
    const entry = `#daemons li[data-pid="${daemon.proc.child.pid}"]`;
    await eventually(() => session.textOf(entry)).toMatch(new RegExp(`^desktop test lab.*${dashboardUrl.replaceAll('.', '\\.')}.*pid ${daemon.proc.child.pid}.*tokens`, 's'));

    await mkdir(SHOTS, { recursive: true });
    await writeFile(join(SHOTS, 'daemons.png'), await session.screenshot());
    await (await session.get('#token')).type(OPERATOR);
    expect(await (await session.get('#remember')).attribute('checked')).not.toBeNull();
    await (await session.get(`${entry} button.open`)).click();
    await eventually(() => session.textOf('#status')).toBe(`Opened ${dashboardUrl} with the token typed here (kept in the keyring).`);

    await session.switchTo(await dashboardWindow(list));
    // The dashboard logged in with the token (no login form), and lists the devices.
    await eventually(() => session.textOf('#lab-name')).toBe('desktop test lab');
    expect(await session.textOf('#role')).toBe('operator');
    await eventually(async () => (await session.all('article.card')).length).toBe(4);
    await eventually(() => session.textOf('article[data-device="stage"] .badge')).toBe('idle');
    // The daemon's page may ask for notifications, and nothing else of the app (not the keyring).
    const tryCommand = (command: string, args: Record<string, unknown>) => session.execute<string>('return window.__TAURI__.core.invoke(arguments[0], arguments[1]).then(() => "allowed", (e) => "refused: " + e)', command, args);
    expect(await tryCommand('connect', { url: dashboardUrl, token: null, remember: false })).toMatch(/^refused: .*connect not allowed/);
    expect(await tryCommand('forget_token', { url: dashboardUrl })).toMatch(/^refused: .*forget_token not allowed/);

    // A scan from the editor (its starter script: the stage steps, the power meter reads).
    await (await session.get('button.tab[data-tab="editor"]')).click();
    const params = await session.get('#script-params');
    await params.clear();
    await params.type('steps=25');
    await (await session.get('#script-run')).click();
    await eventually(() => session.textOf('#editor-message')).toMatch(/^started run /);
    await eventually(async () => (await session.get('#run-info')).attribute('data-state')).toBe('finished');
    expect(await session.textOf('#run-info')).toMatch(/success.*events scan: 25/);

    // Its plot: 25 points drawn, not the "nothing recorded" message.
    await (await session.get('button.tab[data-tab="plots"]')).click();
    await eventually(async () => Number(await (await session.get('#plot-chart')).attribute('data-points'))).toBe(25);
    expect(await (await session.get('#plot-chart-empty')).displayed()).toBe(false);
    expect(await session.execute<number>("return document.querySelectorAll('#plot-chart canvas').length")).toBeGreaterThan(0);
    await writeFile(join(SHOTS, 'dashboard-plot.png'), await session.screenshot());

    // The run's end raised a native notification: the app's notify command, and its call of the
    // desktop's notification service on the session bus (summary, then body).
    await eventually(() => driver.stderr).toMatch(/ts-daq desktop: notification: Run scan\.js ended: success: desktop test lab: 25 events, \d+\.\d s\n/);
    await eventually(() => monitor.stdout).toMatch(/member=Notify\n(?:.*\n){3}\s*string "Run scan\.js ended: success"\n\s*string "desktop test lab: 25 events, \d+\.\d s"\n/);
  }, 300_000);

  it('opens the dashboard again without typing the token: the OS keyring has it', async () => {
    const list = listWindow;
    for (const handle of (await session.windowHandles()).filter((h) => h !== list)) {
      await session.switchTo(handle);
      await session.closeWindow();
    }
    expect(await session.windowHandles()).toEqual([list]);
    await session.switchTo(list);
    const url = await session.get('#url');
    await url.clear();
    await url.type(dashboardUrl);
    await (await session.get('#token')).clear();
    await (await session.get('#connect')).click();
    await eventually(() => session.textOf('#status')).toBe(`Opened ${dashboardUrl} with the keyring's token.`);
    await session.switchTo(await dashboardWindow(list));
    await eventually(() => session.textOf('#lab-name')).toBe('desktop test lab');
    expect(await session.textOf('#role')).toBe('operator');
    expect(driver.stderr).toMatch(new RegExp(`opened ${dashboardUrl.replaceAll('.', '\\.')} in window daemon-\\d+ \\(token: keyring\\)`));
  }, 300_000);

  it('raises a notification when a device faults while the dashboard is open (its cable pulled)', async () => {
    await eventually(() => session.textOf('#lab-name')).toBe('desktop test lab');
    const esp300 = bench.servers.get('esp300');
    if (esp300 === undefined) throw new Error('no ESP300 PTY');
    await esp300.unplug();
    await eventually(() => monitor.stdout).toMatch(/member=Notify\n(?:.*\n){3}\s*string "axis faulted"\n\s*string "desktop test lab: axis: lost the connection: serial port \S*esp300 was lost/);
    expect(driver.stderr).toMatch(/ts-daq desktop: notification: axis faulted: desktop test lab: axis: lost the connection/);
    await esp300.plug();
  }, 300_000);

  it("log out in a dashboard window forgets the token there: the reloaded page asks for one", async () => {
    await eventually(() => session.textOf('#lab-name')).toBe('desktop test lab');
    await (await session.get('header button.link')).click();
    await eventually(async () => (await session.find('#login')) !== undefined).toBe(true);
    expect(await session.execute("return sessionStorage.getItem('daq.dashboard.token')")).toBeNull();
  }, 300_000);
});
