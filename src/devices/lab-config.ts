/**
 * The lab config: a TOML file listing the lab's devices. Every problem in the file is reported
 * at once, each with file, line, device and field; nothing connects until the file is clean.
 *
 * ```toml
 * [lab]
 * name = "Two-photon rig"
 * connect_timeout = 10          # s
 * cluster = "nats://nats-host:4222"   # optional: join the lab's NATS cluster (docs/cluster.md)
 * daemon = "rig-1"              # this daemon's name in the cluster (default: the host name)
 * id = "optics"                 # the lab's id in NATS subjects (default "default")
 *
 * [devices.stage]
 * driver = "sim-stage"          # which driver makes this device
 * max = 50                      # driver options, checked against the driver's schema
 * settings = { velocity = 5 }   # optional: applied after connect (Parameterized settings)
 * ```
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { DaqError, didYouMean, type SourceLocation } from '../core/index.js';
import type { DriverCatalog } from './driver.js';
import { deviceNameProblem, MAX_DEVICE_NAME } from './device-names.js';
import { tokenProblem } from './cluster-names.js';
import { parseLocatedToml, type LocatedToml, type TomlPath } from './toml-locations.js';

/** One device of the lab, validated. */
export interface DeviceConfig {
  name: string;
  driver: string;
  /** Driver options as parsed by the driver's schema (defaults filled in). */
  options: unknown;
  /** Settings to apply after connect, by parameter name. */
  settings: Record<string, unknown>;
  /** Where the device's table starts. */
  location: SourceLocation;
}

/** The lab's cluster settings from `[lab]` (each may be overridden on the command line). */
export interface LabClusterConfig {
  /** `[lab] cluster`: the NATS server URL(s), `nats://HOST:PORT`. */
  url?: string;
  /** `[lab] daemon`: this daemon's name in the cluster (a subject token). */
  daemon?: string;
  /** `[lab] id`: the lab's id in subjects (a subject token). */
  id?: string;
}

/** A validated lab config. */
export interface LabConfig {
  file: string;
  name: string;
  /** How long each device may take to connect, in seconds. */
  connectTimeoutS: number;
  devices: DeviceConfig[];
  /** The cluster settings (all unset: a lab on one machine). */
  cluster: LabClusterConfig;
  /** Every device name in the file, including ones whose table has problems. */
  declaredDevices: string[];
  /** Finds where a path of the file is written, for errors found after loading. */
  locate(path: TomlPath): SourceLocation;
}

const labSection = z.strictObject({
  name: z.string().min(1).optional().describe('name of the lab shown by clients'),
  connect_timeout: z.number().positive().max(3600, 'at most 3600 s (an hour); a device that takes longer is faulted and retried').default(10).describe('seconds each device may take to connect'),
  cluster: z
    .string()
    .regex(/^((nats|tls):\/\/[^/\s,]+)(\s*,\s*(nats|tls):\/\/[^/\s,]+)*$/, 'expected nats://HOST:PORT (or tls://HOST:PORT; several separated by commas)')
    .optional()
    .describe('the NATS server(s) of the lab cluster (docs/cluster.md)'),
  daemon: subjectToken().optional().describe("this daemon's name in the cluster"),
  id: subjectToken().optional().describe("the lab's id in NATS subjects"),
});

/** A string usable as one NATS subject token (see cluster-names.ts). */
function subjectToken() {
  return z.string().superRefine((value, context) => {
    const problem = tokenProblem(value);
    if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
  });
}


/** Reads and validates a lab config file. Throws one `invalid_argument` error listing every problem. */
export async function loadLabConfig(file: string, drivers: DriverCatalog): Promise<LabConfig> {
  return parseLabConfig(await readSource(file), file, drivers);
}

/** Reads a lab config file: the valid part and the problems (see {@link checkLabConfig}). */
export async function readLabConfig(file: string, drivers: DriverCatalog): Promise<{ config: LabConfig; problems: ProblemList }> {
  return checkLabConfig(await readSource(file), file, drivers);
}

async function readSource(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error);
    throw new DaqError('not_found', `cannot read lab config ${file}: ${why}`);
  }
}

/** Validates lab config text (`file` is used in messages only); throws listing every problem. */
export function parseLabConfig(source: string, file: string, drivers: DriverCatalog): LabConfig {
  const { config, problems } = checkLabConfig(source, file, drivers);
  problems.throwIfAny();
  return config;
}

/**
 * Validates lab config text and returns the valid part with the problems found so far, so that
 * the lab can add the problems only created devices reveal and report them all together.
 * Throws at once only for a TOML syntax error.
 */
export function checkLabConfig(source: string, file: string, drivers: DriverCatalog): { config: LabConfig; problems: ProblemList } {
  const toml = parseLocatedToml(source, file);
  const problems = new ProblemList(toml, file);
  const root = toml.value;

  for (const key of Object.keys(root)) {
    if (key !== 'lab' && key !== 'devices') {
      problems.add([key], `unknown section "${key}"${didYouMean(key, ['lab', 'devices'])} (sections: lab, devices)`);
    }
  }
  const lab = labSection.safeParse(root['lab'] ?? {}, { reportInput: true });
  if (!lab.success) problems.addZod(['lab'], 'lab', lab.error);

  const devices: DeviceConfig[] = [];
  const table = root['devices'];
  if (table === undefined || typeof table !== 'object' || Array.isArray(table) || table === null) {
    problems.add(['devices'], 'no devices: add a [devices.<name>] table for each device, with a driver');
  } else {
    for (const [name, entry] of Object.entries(table as Record<string, unknown>)) {
      const device = validateDevice(name, entry, drivers, problems);
      if (device !== undefined) devices.push(device);
    }
  }
  const data = lab.success ? lab.data : { name: undefined, connect_timeout: 10, cluster: undefined, daemon: undefined, id: undefined };
  const declared = table !== null && typeof table === 'object' && !Array.isArray(table) ? Object.keys(table) : [];
  const config = {
    file,
    name: data.name ?? file,
    connectTimeoutS: data.connect_timeout,
    devices,
    cluster: {
      ...(data.cluster === undefined ? {} : { url: data.cluster }),
      ...(data.daemon === undefined ? {} : { daemon: data.daemon }),
      ...(data.id === undefined ? {} : { id: data.id }),
    },
    declaredDevices: declared,
    locate: toml.locate,
  };
  return { config, problems };
}

function validateDevice(name: string, entry: unknown, drivers: DriverCatalog, problems: ProblemList): DeviceConfig | undefined {
  const path = ['devices', name];
  const where = `device "${name.length > MAX_DEVICE_NAME ? `${name.slice(0, 40)}...` : name}"`;
  const nameProblem = deviceNameProblem(name);
  if (nameProblem !== undefined) problems.add(path, `${where}: ${nameProblem}`);
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    problems.add(path, `${where}: expected a table ([devices.${name}]) with a driver`);
    return undefined;
  }
  const { driver, settings, ...options } = entry as Record<string, unknown>;
  if (typeof driver !== 'string') {
    problems.add(path, `${where}: missing field "driver" (known drivers: ${[...drivers.keys()].join(', ')})`);
    return undefined;
  }
  const definition = drivers.get(driver);
  if (definition === undefined) {
    problems.add([...path, 'driver'], `${where}, field "driver": unknown driver "${driver}"${didYouMean(driver, drivers.keys())} (known drivers: ${[...drivers.keys()].join(', ')})`);
    return undefined;
  }
  if (settings !== undefined && (typeof settings !== 'object' || settings === null || Array.isArray(settings))) {
    problems.add([...path, 'settings'], `${where}, field "settings": expected a table of setting = value`);
  }
  const parsed = definition.options.safeParse(options, { reportInput: true });
  if (!parsed.success) {
    problems.addZod(path, where, parsed.error, optionNames(definition.options));
    return undefined;
  }
  return {
    name,
    driver,
    options: parsed.data,
    settings: (settings ?? {}) as Record<string, unknown>,
    location: problems.locate(path),
  };
}

function optionNames(schema: z.ZodType): string[] {
  const shape = (schema as { shape?: Record<string, unknown> }).shape;
  return shape === undefined ? [] : Object.keys(shape);
}

/** Collects config problems, each with its location, and throws them together. */
export class ProblemList {
  private readonly problems: DaqError[] = [];
  constructor(
    private readonly toml: Pick<LocatedToml, 'locate'>,
    private readonly file: string,
  ) {}

  /** Where `path` is written. */
  locate(path: TomlPath): SourceLocation {
    return this.toml.locate(path);
  }

  /** Adds a problem at `path`. */
  add(path: TomlPath, message: string, code: 'invalid_argument' | 'not_found' = 'invalid_argument'): void {
    this.problems.push(new DaqError(code, message, { location: this.toml.locate(path) }));
  }

  /** Adds one problem per zod issue, below `base`; `where` starts each message. */
  addZod(base: TomlPath, where: string, error: z.ZodError, known: readonly string[] = []): void {
    for (const issue of error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          const path = [...base, ...issue.path.map(String), key];
          const list = known.length > 0 && issue.path.length === 0 ? ` (options: ${known.join(', ')}, settings)` : '';
          this.add(path, `${where}: unknown field "${key}"${issue.path.length === 0 ? didYouMean(key, known) : ''}${list}`);
        }
        continue;
      }
      const path = [...base, ...issue.path.map((p) => (typeof p === 'number' ? p : String(p)))];
      const field = issue.path.length > 0 ? `, field "${issue.path.join('.')}"` : '';
      this.add(path, `${where}${field}: ${describeIssue(issue)}`);
    }
  }

  /** Throws one error with every problem as a child, if there are any. */
  throwIfAny(): void {
    if (this.problems.length === 0) return;
    const count = this.problems.length === 1 ? '1 problem' : `${this.problems.length} problems`;
    const byLine = [...this.problems].sort((a, b) => (a.location?.line ?? 0) - (b.location?.line ?? 0));
    throw new DaqError('invalid_argument', `lab config ${this.file} has ${count}:`, { children: byLine });
  }
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) return `missing (expected ${issue.expected})`;
    return `expected ${issue.expected}, got ${describeInput(issue.input)}`;
  }
  const message = issue.message.replace(/^Invalid input: /, '');
  return 'input' in issue && issue.input !== undefined && issue.code !== 'invalid_value'
    ? `${message} (got ${describeInput(issue.input)})`
    : message;
}

function describeInput(input: unknown): string {
  if (typeof input === 'string') return `string "${input}"`;
  if (Array.isArray(input)) return 'an array';
  if (typeof input === 'object' && input !== null) return 'a table';
  return `${typeof input} ${String(input)}`;
}
