/**
 * `daq types` and `daq check` as a user runs them: in process (the commands on a fresh program),
 * and once from the build (dist/, run `make build` first), where the capability declarations
 * come from the emitted `.d.ts` files.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { exitCodeFor } from '../output.js';
import { registerCheck } from './check.js';
import { registerTypes } from './types.js';
import { tempDir } from '../../test-support/cleanup.fixture.js';

const REPO = join(import.meta.dirname, '../../..');
const LAB = join(REPO, 'examples/lab.toml');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `daq ...args` in this process, as main.ts would: thrown errors give the exit code. */
async function daq(...args: string[]): Promise<Result> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  const program = new Command('daq').exitOverride();
  registerTypes(program);
  registerCheck(program);
  process.exitCode = undefined;
  let code: number;
  try {
    await program.parseAsync(args, { from: 'user' });
    code = Number(process.exitCode ?? 0);
  } catch (error) {
    stderr += `daq: ${error instanceof Error ? error.message : String(error)}\n`;
    code = exitCodeFor(error);
  } finally {
    process.exitCode = undefined;
    vi.restoreAllMocks();
  }
  return { code, stdout, stderr };
}

async function script(name: string, text: string): Promise<string> {
  const file = join(await tempDir('daq-check-'), name);
  await writeFile(file, text);
  return file;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('daq types', () => {
  it('prints the declarations of the lab', async () => {
    const result = await daq('types', '--config', LAB);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^declare const camera: Device & .*FrameProducer/m);
    expect(result.stdout).toContain('declare function lineScan(');
  });

  it('writes them to --out, ready to sit beside the scripts as lab.d.ts', async () => {
    const out = join(await tempDir('daq-types-'), 'lab.d.ts');
    const result = await daq('types', '--config', LAB, '--out', out);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`Wrote the declarations of lab "Simulated optics lab" (6 devices) to ${out}\n`);
    expect(await readFile(out, 'utf8')).toMatch(/^declare const stage: Device & Movable/m);
  });

  it('--editor sets up a folder of scripts: the compiler an editor runs there reports what daq check reports', async () => {
    const dir = join(await tempDir('daq-editor-'), 'scripts');
    const result = await daq('types', '--config', LAB, '--editor', dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`Wrote the declarations of lab "Simulated optics lab" to ${join(dir, 'lab.d.ts')}\nWrote ${join(dir, 'tsconfig.json')}: open the folder in VS Code for completion and the errors daq check reports\n`);
    // Two scripts that both declare `steps` (each has its own scope), one written with await, one in TypeScript.
    await writeFile(join(dir, 'scan.js'), "const steps = Number(params.steps ?? 10);\nconst p = await power_meter.read();\nif (p.value > 0.5) await stage.moveAbs(steps);\n");
    await writeFile(join(dir, 'peak.ts'), "const steps: number = 5;\nconst frame = camera.snap();\nlog(steps, frame.width);\n");
    await writeFile(join(dir, 'helpers.js'), 'function go(to) {\n  stage.moveAbs(to);\n}\ngo(1);\n');
    const tsc = (): Promise<{ code: number; stdout: string }> =>
      new Promise((resolve) => {
        execFile('node', [createRequire(import.meta.url).resolve('typescript/lib/tsc.js'), '-p', dir, '--pretty', 'false'], (error, stdout) => resolve({ code: error === null ? 0 : Number(error.code), stdout }));
      });
    expect(await tsc()).toEqual({ code: 0, stdout: '' });
    await writeFile(join(dir, 'bad.js'), 'stage.moveAbs(1);\ncamera.moveAbs(2);\n');
    const editor = await tsc();
    expect(editor.code).not.toBe(0);
    expect(editor.stdout.trim().split('\n')).toEqual([expect.stringMatching(/(^|\/)bad\.js\(2,8\): error TS2339: Property 'moveAbs' does not exist on type 'Device & Triggerable/)]);
    const check = await daq('check', join(dir, 'bad.js'), '--config', LAB);
    expect(check.stderr).toMatch(new RegExp(`^${join(dir, 'bad.js')}:2:8: Property 'moveAbs' does not exist on type 'Device & Triggerable`));
    // Run again, it keeps the user's tsconfig.json and refreshes lab.d.ts.
    await writeFile(join(dir, 'tsconfig.json'), '{ "compilerOptions": { "allowJs": true } }\n');
    const again = await daq('types', '--config', LAB, '--editor', dir);
    expect(again.stdout).toContain(`Kept ${join(dir, 'tsconfig.json')} (yours)`);
    expect(await readFile(join(dir, 'tsconfig.json'), 'utf8')).toBe('{ "compilerOptions": { "allowJs": true } }\n');
  }, 60_000);

  it('a missing lab config is an error with status 2', async () => {
    const result = await daq('types', '--config', 'no/such/lab.toml');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('daq: cannot read lab config no/such/lab.toml: no such file\n');
  });
});

describe('daq check', () => {
  it('says a correct script has no problems, and exits 0', async () => {
    const file = await script('ok.js', 'stage.moveAbs(5);\nrecord("p", { x: stage.position(), p: power_meter.read() });\n');
    const result = await daq('check', file, '--config', LAB);
    expect(result).toEqual({ code: 0, stdout: `${file}: no problems (checked against ${LAB})\n`, stderr: '' });
  });

  it('prints file:line:column: message for each type error to stderr, and exits 2', async () => {
    const file = await script('bad.ts', 'stage.moveAbs(5);\n\ncamera.moveAbs(1);\nsetTimeout(() => 0, 1);\n');
    const result = await daq('check', file, '--config', LAB);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^${file}:3:8: Property 'moveAbs' does not exist on type `));
    expect(lines[1]).toBe(`${file}:4:1: Cannot find name 'setTimeout'.`);
    expect(lines[2]).toBe(`daq: 2 problems in ${file} (checked against ${LAB})`);
    expect(lines).toHaveLength(3);
  });

  it('--json prints { ok, diagnostics } to stdout', async () => {
    const file = await script('bad.js', 'camera.moveAbs(1);\n');
    const result = await daq('check', file, '--config', LAB, '--json');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('');
    const output = JSON.parse(result.stdout) as { ok: boolean; diagnostics: unknown[] };
    expect(output.ok).toBe(false);
    expect(output.diagnostics).toEqual([{ file, line: 1, column: 8, code: 2339, message: expect.stringContaining("'moveAbs'") as unknown }]);
    const good = await daq('check', await script('ok.ts', 'sleep(1);\n'), '--config', LAB, '--json');
    expect(good.code).toBe(0);
    expect(JSON.parse(good.stdout)).toEqual({ ok: true, diagnostics: [] });
  });

  it('a missing script is an error with status 2', async () => {
    const result = await daq('check', 'no/such/script.ts', '--config', LAB);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('daq: cannot read script no/such/script.ts: no such file\n');
  });
});

describe('from the build', () => {
  it('daq types and daq check work from dist/, with the capability declarations of the .d.ts files', async () => {
    const dist = join(REPO, 'dist/src/cli/commands');
    for (const file of ['types.js', 'check.js']) {
      if (!existsSync(join(dist, file))) throw new Error(`${join(dist, file)} is missing: run \`make build\` first`);
    }
    // The commands wired as main.ts wires them.
    const main = await script('daq.mjs', [
      `import { Command } from ${JSON.stringify(pathToFileURL(createRequire(import.meta.url).resolve('commander')).href)};`,
      `import { registerTypes } from ${JSON.stringify(pathToFileURL(join(dist, 'types.js')).href)};`,
      `import { registerCheck } from ${JSON.stringify(pathToFileURL(join(dist, 'check.js')).href)};`,
      "const program = new Command('daq');",
      'registerTypes(program);',
      'registerCheck(program);',
      'await program.parseAsync(process.argv);',
    ].join('\n'));
    const run = (...args: string[]): Promise<Result> =>
      new Promise((resolve) => {
        execFile('node', [main, ...args], { cwd: REPO }, (error, stdout, stderr) => {
          resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr });
        });
      });
    const bad = await script('bad.js', '// a camera is not an axis\ncamera.moveAbs(1);\n');
    const checked = await run('check', bad, '--config', 'examples/lab.toml');
    expect(checked.stderr).toMatch(new RegExp(`^${bad}:2:8: Property 'moveAbs' does not exist`));
    expect(checked.code).toBe(2);
    const types = await run('types', '--config', 'examples/lab.toml');
    expect(types.code).toBe(0);
    expect(types.stdout).toContain('moveAbs(position: number, options?: MoveOptions): Promise<void>;');
  });
});
