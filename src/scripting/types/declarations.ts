/**
 * TypeScript declarations of a lab for its experiment scripts (`daq types`): one global per
 * device, typed by the script side of its capabilities, plus the globals every script has.
 * The capability interfaces (and the scan point and frame handle types of the script host) are
 * copied from the running code into `namespace Daq`, and each script-side interface is derived
 * from them by `ScriptSide<T>` (see script-globals.ts), so the declarations say exactly what the
 * daemon implements. The text is self-contained: it type-checks on its own with the ES library.
 */
import { CAPABILITIES, capabilitiesOf, isParameterized, isReadable, type ParameterInfo, SETTABLE_METHOD_NAMES } from '../../capabilities/index.js';
import { DaqError } from '../../core/errors.js';
import type { Lab } from '../../devices/index.js';
import { collectDeclarations, type TypeDeclaration, type TypeRoots } from './type-source.js';
import { HOST_ONLY_TYPES, SCRIPT_GLOBAL_NAMES, SCRIPT_GLOBALS, SCRIPT_SIDE_TYPES } from './script-globals.js';

/** What {@link labDeclarations} needs of a lab. */
export type DeclaredLab = Pick<Lab, 'name' | 'devices'>;

let derivedText: string | undefined;

/**
 * The `.d.ts` text for the scripts of `lab`: save it as `lab.d.ts` beside the scripts for
 * editor completion, or give it to `checkScript`.
 * @throws DaqError `invalid_argument` when a device's name is taken by a script global.
 */
export function labDeclarations(lab: DeclaredLab): string {
  const devices = lab.devices();
  for (const device of devices) {
    if (SCRIPT_GLOBAL_NAMES.includes(device.name)) {
      throw new DaqError('invalid_argument', `device "${device.name}": the name is taken by a script global (${SCRIPT_GLOBAL_NAMES.join(', ')}); rename the device`);
    }
  }
  return [
    `// Script declarations of the lab "${oneLine(lab.name)}", written by \`daq types\` (ts-daq). Do not edit: run \`daq types\` again.`,
    '// Save as lab.d.ts beside the experiment scripts for completion and checks in an editor.',
    '',
    derivedDeclarations(),
    SCRIPT_SIDE_TYPES,
    SCRIPT_GLOBALS,
    '// The devices of the lab.',
    '',
    ...devices.map((device) => deviceDeclaration(device)),
  ].join('\n');
}

/**
 * Where the derived types come from, below the source root: the capability interfaces, and what
 * the script host gives and takes (scan points, frame handles, record values, parameters).
 */
export const TYPE_ROOTS: readonly TypeRoots[] = [
  { module: 'capabilities/index', names: CAPABILITIES.map((c) => c.name) },
  { module: 'engine/plans/index', names: ['ScanPoint', 'AxisRange'] },
  { module: 'engine/plans/index', names: ['AdaptiveRange', 'StopWhen'] },
  { module: 'engine/run/frame-table', names: ['FrameHandle'] },
  { module: 'engine/run/recorder', names: ['RecordValue'] },
  { module: 'engine/run/documents', names: ['ParamValue'] },
];

/**
 * The capability interfaces and the types they use in `namespace Daq` (as the daemon implements
 * them), and their script sides as globals: `interface Movable extends ScriptSide<Daq.Movable>`,
 * `interface Reading extends Scripted<Daq.Reading>`. Computed once per process.
 */
export function derivedDeclarations(): string {
  if (derivedText !== undefined) return derivedText;
  const capabilities: readonly string[] = CAPABILITIES.map((c) => c.name);
  const { declarations, unresolved } = collectDeclarations(TYPE_ROOTS);
  const stubs = unresolved.filter((name) => HOST_ONLY_TYPES[name] !== undefined).map((name) => HOST_ONLY_TYPES[name] ?? '');
  // Frames are handles (the global Frame); function types get no global: no callback crosses the sandbox wall.
  const special = new Set([...capabilities, 'Frame', 'FrameHandle']);
  const types = declarations.filter((d) => !special.has(d.name) && d.kind !== 'function');
  derivedText = [
    '/** The types of ts-daq as the daemon implements them (asynchronous): capability interfaces and what they use. */',
    'declare namespace Daq {',
    indent([...declarations.map((d) => d.text), ...stubs].join('\n\n')),
    '}',
    '',
    `/** The name of a capability. */\ntype CapabilityName = ${capabilities.map((c) => `'${c}'`).join(' | ')};\n`,
    `/** Methods that name a settable quantity (a plan's axis: \`laser.wavelength\`). */\ntype SettableMethodName = ${SETTABLE_METHOD_NAMES.map((m) => `'${m}'`).join(' | ')};\n`,
    ...CAPABILITIES.map((c) => `/** ${c.name}: ${oneLine(c.summary)}. Script side of {@link Daq.${c.name}}. */\n${GENERIC_SIDES[c.name] ?? `interface ${c.name} extends ScriptSide<Daq.${c.name}> {}\n`}`),
    ...types.map((d) => GENERIC_SIDES[d.name] ?? scriptAlias(d)),
  ].join('\n');
  return derivedText;
}

/**
 * Script sides that take the type of a reading's value, so that each device says what it reads:
 * `power_meter: Device & Readable<number> & ...` (its `read().value > threshold` type-checks),
 * a spectrometer `Readable<readonly number[]>`. Without the parameter, either.
 */
const GENERIC_SIDES: Readonly<Record<string, string>> = {
  Readable: [
    '/** `V`: the type of the value of its readings (`number` for a device that reads one number). */',
    'interface Readable<V extends ReadingValue = ReadingValue> extends ScriptSide<Daq.Readable> {',
    '  /** Takes a measurement. */',
    '  read(): Reading<V>;',
    '}',
    '',
  ].join('\n'),
  Reading: [
    '/** What a reading\'s value can be: one number, or an array of them (a spectrum). */',
    "type ReadingValue = Daq.Reading['value'];",
    '',
    '/** Script side of {@link Daq.Reading}; `V`: the type of its value. */',
    'interface Reading<V extends ReadingValue = ReadingValue> extends Scripted<Daq.Reading> {',
    '  value: V;',
    '}',
    '',
  ].join('\n'),
};

/** A global for a type the capabilities use, as scripts see it (`Reading`, `Limits`, ...). */
function scriptAlias(declaration: TypeDeclaration): string {
  const doc = `/** Script side of {@link Daq.${declaration.name}}. */`;
  return declaration.kind === 'interface'
    ? `${doc}\ninterface ${declaration.name} extends Scripted<Daq.${declaration.name}> {}\n`
    : `${doc}\ntype ${declaration.name} = Scripted<Daq.${declaration.name}>;\n`;
}

function deviceDeclaration(device: ReturnType<DeclaredLab['devices']>[number]): string {
  const capabilities = capabilitiesOf(device);
  const settings = isParameterized(device) ? device.parameters() : [];
  const doc = [
    `\`${device.name}\`: a ${device.driver} device.`,
    '',
    `Capabilities: ${capabilities.length === 0 ? 'none' : capabilities.join(', ')}.`,
    ...(settings.length === 0 ? [] : ['', `Settings: ${settings.map((s) => describeSetting(s)).join(', ')}.`]),
  ];
  const type = ['Device', ...capabilities.map((c) => (c === 'Readable' ? readableType(device) : c))].join(' & ');
  return `/**\n${doc.map((line) => ` *${line === '' ? '' : ` ${oneLine(line)}`}`).join('\n')}\n */\ndeclare const ${device.name}: ${type};\n`;
}

/** `Readable<number>` for a device whose readings are one number (shape `[]`), `Readable<readonly number[]>` for arrays; plain `Readable` when it cannot tell before connecting. */
function readableType(device: ReturnType<DeclaredLab['devices']>[number]): string {
  try {
    const shape = isReadable(device) ? device.describe().shape : undefined;
    if (shape === undefined) return 'Readable';
    return shape.length === 0 ? 'Readable<number>' : 'Readable<readonly number[]>';
  } catch {
    return 'Readable';
  }
}

function describeSetting(setting: ParameterInfo): string {
  const units = setting.units === '' ? '' : ` ${setting.units}`;
  return `${setting.name} (${setting.type}${units}${setting.writable ? '' : ', read-only'})`;
}

/** Text safe inside a comment, on one line. */
function oneLine(text: string): string {
  return text.replace(/\*\//g, '* /').replace(/\s*\n\s*/g, ' ');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? '' : `  ${line}`))
    .join('\n');
}
