import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { lockDataDir, unlockDataDir } from './data-dir-lock.js';

const ADDON = resolve('native/build/Release/ts_daq_mmap.node');
const dirs: string[] = [];
const children: ChildProcess[] = [];

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'daq-lock-'));
  dirs.push(dir);
  return dir;
}

/** Another process that takes the lock of `dir` the way a daemon does, and holds it until killed. */
async function otherOwner(dir: string): Promise<ChildProcess> {
  const code = `const a = require(${JSON.stringify(ADDON)}); const fd = a.lock(${JSON.stringify(join(dir, 'storage.lock'))});
require('fs').writeFileSync(${JSON.stringify(join(dir, 'storage.lock'))}, process.pid + '\\n'); console.log(fd >= 0 ? 'locked' : 'busy'); setInterval(() => {}, 1e6);`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  expect(line.toString().trim()).toBe('locked');
  return child;
}

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) {
    unlockDataDir(dir);
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('the data directory lock', () => {
  test('refuses a directory another live process holds, naming its pid', async () => {
    const dir = dataDir();
    const owner = await otherOwner(dir);
    expect(() => lockDataDir(dir, () => undefined)).toThrow(new RegExp(`in use by another ts-daq process \\(pid ${owner.pid}\\)`));
  });

  test('is free again the moment its owner is killed (the file still names the dead pid)', async () => {
    const dir = dataDir();
    const owner = await otherOwner(dir);
    owner.kill('SIGKILL');
    await once(owner, 'exit');
    expect(readFileSync(join(dir, 'storage.lock'), 'utf8').trim()).toBe(String(owner.pid));
    lockDataDir(dir, () => undefined);
    expect(readFileSync(join(dir, 'storage.lock'), 'utf8').trim()).toBe(String(process.pid));
  });

  test('a pid of a live process left in the file (reused after a power cut) does not block the start', () => {
    const dir = dataDir();
    writeFileSync(join(dir, 'storage.lock'), `${process.ppid}\n`);
    lockDataDir(dir, () => undefined);
    expect(readFileSync(join(dir, 'storage.lock'), 'utf8').trim()).toBe(String(process.pid));
  });

  test('this process may reopen what it holds; released after the last unlock', async () => {
    const dir = dataDir();
    lockDataDir(dir, () => undefined);
    lockDataDir(dir, () => undefined);
    unlockDataDir(dir);
    const code = `const a = require(${JSON.stringify(ADDON)}); console.log(a.lock(${JSON.stringify(join(dir, 'storage.lock'))}) >= 0 ? 'locked' : 'busy');`;
    const probe = async (): Promise<string> => {
      const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
      const [line] = (await once(child.stdout, 'data')) as [Buffer];
      await once(child, 'exit');
      return line.toString().trim();
    };
    expect(await probe()).toBe('busy');
    unlockDataDir(dir);
    expect(await probe()).toBe('locked');
  });
});
