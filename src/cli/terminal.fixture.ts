/**
 * The built `daq` in a real pseudo-terminal, for tests of what a person at a terminal sees:
 * the progress line, one-key prompts, Ctrl-C. The terminal comes from util-linux's `script`
 * (Debian's bsdutils; `make system` installs it): what the test writes to its stdin is typed
 * into the terminal (`\x03` is Ctrl-C and reaches `daq` as SIGINT), and everything the
 * terminal shows comes out on its stdout. Started through {@link TestProcesses}, so cleanup
 * kills it.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Proc, ROOT, type TestProcesses } from '../api/daemon.fixture.js';

const DAQ = join(ROOT, 'dist/src/cli/main.js');

/** `daq` running in a terminal. */
export interface TerminalDaq {
  proc: Proc;
  /** Types `keys` into the terminal. */
  type(keys: string): void;
  /** What the terminal showed, escape sequences and all. */
  screen(): string;
  /** Resolves when the screen shows `pattern` (after `from` characters, default 0). */
  waitFor(pattern: RegExp, giveUpS?: number): Promise<RegExpExecArray>;
}

function quote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Starts `daq ...args` in a terminal 160 columns wide, in the repository root. */
export function daqInTerminal(processes: TestProcesses, args: readonly string[], env: NodeJS.ProcessEnv = {}): TerminalDaq {
  const command = `stty cols 160 rows 40; exec ${[process.execPath, DAQ, ...args].map(quote).join(' ')}`;
  const child = spawn('script', ['--quiet', '--flush', '--return', '--command', command, '/dev/null'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const proc = new Proc(child);
  processes.defer(async () => {
    if (proc.running) await proc.stop('SIGKILL');
  });
  return {
    proc,
    type: (keys) => void child.stdin.write(keys),
    screen: () => proc.stdout,
    waitFor: (pattern, giveUpS = 60) => proc.waitFor(pattern, 'stdout', giveUpS),
  };
}
