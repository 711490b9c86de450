/**
 * Scripts uploaded to the daemon, kept under `<data dir>/scripts/` so they survive restarts.
 * A script's id is the first 16 hex digits of its SHA-256: uploading the same text twice gives
 * the same id.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DaqError } from '../core/index.js';

/** A stored script. */
export interface StoredScript {
  scriptId: string;
  name: string;
  sha256: string;
  source: string;
  uploadedAtS: number;
}

const NAME = /^[\w.-]+\.(js|ts)$/;

/** The daemon's scripts. */
export class ScriptStore {
  private readonly scripts = new Map<string, StoredScript>();

  constructor(private readonly directory: string) {}

  /** Loads the scripts saved by earlier runs of the daemon. */
  async open(): Promise<void> {
    await mkdir(this.directory, { recursive: true });
    for (const file of await readdir(this.directory)) {
      const match = /^([0-9a-f]{16})--(.+)$/.exec(file);
      if (match?.[1] === undefined || match[2] === undefined) continue;
      const path = join(this.directory, file);
      const source = await readFile(path, 'utf8');
      this.scripts.set(match[1], { scriptId: match[1], name: match[2], sha256: sha256(source), source, uploadedAtS: (await stat(path)).mtimeMs / 1000 });
    }
  }

  /** Stores a script; returns it with its id. */
  async put(name: string, source: string, nowS: number): Promise<StoredScript> {
    checkScriptName(name);
    if (source.length === 0) throw new DaqError('invalid_argument', `script ${name} is empty`);
    const hash = sha256(source);
    const script: StoredScript = { scriptId: hash.slice(0, 16), name, sha256: hash, source, uploadedAtS: nowS };
    try {
      await writeFile(join(this.directory, `${script.scriptId}--${name}`), source);
    } catch (error) {
      // The client is told what went wrong, not where the daemon keeps its files.
      throw new DaqError('unavailable', `the daemon cannot store script ${name}: ${(error as NodeJS.ErrnoException).code ?? 'write failed'}`, { cause: error });
    }
    this.scripts.set(script.scriptId, script);
    return script;
  }

  /** A script by id; `not_found` otherwise. */
  get(scriptId: string): StoredScript {
    const script = this.scripts.get(scriptId);
    if (script === undefined) throw new DaqError('not_found', `no script ${scriptId}; upload it first (ListScripts shows what is stored)`);
    return script;
  }

  /** Every stored script, newest first. */
  list(): StoredScript[] {
    return [...this.scripts.values()].sort((a, b) => b.uploadedAtS - a.uploadedAtS);
  }
}

/** Longest script name, characters. */
export const MAX_SCRIPT_NAME = 128;

/** Throws `invalid_argument` unless `name` is a script file name the daemon can store and show. */
export function checkScriptName(name: string): void {
  if (name.length > MAX_SCRIPT_NAME) throw new DaqError('invalid_argument', `the script name is ${name.length} characters long; at most ${MAX_SCRIPT_NAME}`);
  if (!NAME.test(name)) throw new DaqError('invalid_argument', `script name "${name}" must be a file name ending in .js or .ts (letters, digits, ., _, -)`);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
