/**
 * Presets on disk: one JSON file per preset in `<data dir>/presets/NAME.json`, written whole
 * (a temporary file renamed over it) so a crash never leaves half a preset, readable and
 * editable by people, and kept across restarts of the daemon. Names are checked (letters,
 * digits, `.`, `_`, `-`); saving over an existing name needs `force`.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DaqError, didYouMean } from '../core/index.js';
import type { Preset, PresetDevice, PresetField, PresetValue } from '../devices/index.js';

/** The first key of every preset file: what it is and its format's version. */
export const PRESET_FORMAT = 'ts-daq preset 1';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** Longest preset name, characters. */
export const MAX_PRESET_NAME = 64;

/** Throws `invalid_argument` unless `name` can name a preset. */
export function checkPresetName(name: string): void {
  if (name.length === 0) throw new DaqError('invalid_argument', 'a preset needs a name');
  if (name.length > MAX_PRESET_NAME) throw new DaqError('invalid_argument', `preset name "${name.slice(0, 20)}...": ${name.length} characters long; at most ${MAX_PRESET_NAME}`);
  if (!NAME.test(name)) throw new DaqError('invalid_argument', `preset name "${name}": use letters, digits, ".", "_" and "-", starting with a letter or digit (such as aligned-800nm)`);
}

/** The presets of a data directory. */
export class PresetStore {
  /** `<dataDir>/presets`. */
  readonly directory: string;

  constructor(dataDir: string) {
    this.directory = join(dataDir, 'presets');
  }

  /** Every preset, by name; files that cannot be read are listed in `problems` (`file: why`). */
  async list(): Promise<{ presets: Preset[]; problems: string[] }> {
    let files: string[];
    try {
      files = (await readdir(this.directory)).filter((f) => f.endsWith('.json')).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { presets: [], problems: [] };
      throw error;
    }
    const presets: Preset[] = [];
    const problems: string[] = [];
    for (const file of files) {
      try {
        presets.push(await this.read(file.slice(0, -'.json'.length)));
      } catch (error) {
        problems.push(DaqError.from(error).message);
      }
    }
    return { presets, problems };
  }

  /** A preset by name; `not_found` naming the ones there are. */
  async get(name: string): Promise<Preset> {
    checkPresetName(name);
    try {
      return await this.read(name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const names = await this.names();
      throw new DaqError('not_found', `no preset "${name}"${didYouMean(name, names)} (${names.length === 0 ? 'there are none yet: daq preset save NAME' : `presets: ${names.join(', ')}`})`);
    }
  }

  /** Stores `preset`; `already_exists` when its name is taken, unless `force`. */
  async save(preset: Preset, force = false): Promise<void> {
    checkPresetName(preset.name);
    await mkdir(this.directory, { recursive: true });
    if (!force) {
      const existing = await this.read(preset.name).catch(() => undefined);
      if (existing !== undefined) {
        throw new DaqError('already_exists', `preset "${preset.name}" exists (saved ${existing.savedAt} by ${existing.savedBy}); replace it with --force (SavePreset: force)`);
      }
    }
    const path = this.pathOf(preset.name);
    const temporary = `${path}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify({ format: PRESET_FORMAT, ...preset }, null, 2)}\n`);
    await rename(temporary, path);
  }

  /** Removes a preset; `not_found` if there is none of that name. */
  async delete(name: string): Promise<void> {
    await this.get(name);
    await rm(this.pathOf(name));
  }

  private async names(): Promise<string[]> {
    return (await readdir(this.directory).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
  }

  private pathOf(name: string): string {
    return join(this.directory, `${name}.json`);
  }

  private async read(name: string): Promise<Preset> {
    const path = this.pathOf(name);
    const text = await readFile(path, 'utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new DaqError('invalid_argument', `${path}: not JSON (${(error as Error).message})`);
    }
    return parsePreset(json, path, name);
  }
}

/** A preset from the JSON of its file; `invalid_argument` naming the file and the bad field. */
export function parsePreset(json: unknown, path: string, name: string): Preset {
  const bad = (where: string, what: string): never => {
    throw new DaqError('invalid_argument', `${path}: ${where}: ${what}`, { location: { file: path } });
  };
  if (!isObject(json)) return bad('the file', 'expected a JSON object');
  if (json['format'] !== PRESET_FORMAT) bad('format', `expected "${PRESET_FORMAT}", got ${JSON.stringify(json['format'])}`);
  const text = (key: string): string => (typeof json[key] === 'string' ? (json[key] as string) : bad(key, 'expected a string'));
  if (text('name') !== name) bad('name', `"${text('name')}" differs from the file's name "${name}"`);
  if (!Array.isArray(json['devices'])) bad('devices', 'expected a list');
  const devices = (json['devices'] as unknown[]).map((d, i): PresetDevice => {
    const at = `devices[${i}]`;
    if (!isObject(d) || typeof d['device'] !== 'string' || typeof d['driver'] !== 'string' || !Array.isArray(d['fields'])) return bad(at, 'expected {device, driver, fields: [...]}');
    const fields = (d['fields'] as unknown[]).map((f, j): PresetField => {
      const fat = `${at}.fields[${j}]`;
      if (!isObject(f) || typeof f['name'] !== 'string' || typeof f['units'] !== 'string') return bad(fat, 'expected {name, value, units}');
      if (!isValue(f['value'])) return bad(`${fat}.value`, `expected a number, a string, true/false or {x, y, width, height}, got ${JSON.stringify(f['value'])}`);
      return { name: f['name'], value: f['value'], units: f['units'] };
    });
    return { device: d['device'] as string, driver: d['driver'] as string, fields };
  });
  return { name, note: text('note'), savedAt: text('savedAt'), savedBy: text('savedBy'), lab: text('lab'), devices };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isValue(value: unknown): value is PresetValue {
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value === 'string' || typeof value === 'boolean') return true;
  return isObject(value) && ['x', 'y', 'width', 'height'].every((k) => typeof value[k] === 'number');
}
