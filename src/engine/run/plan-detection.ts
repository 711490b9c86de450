/**
 * What a run is, for its start document, found before it runs: a script whose only plan call is
 * one `lineScan`, `listScan`, `gridScan`, `productScan`, `innerScan`, `adaptiveScan`, `flyScan` or `count` at its top level (not in a loop, a branch or
 * a function; a `try` block is fine, and so are other statements around it) is that plan: `plan_name` is the plan,
 * `plan_type` is `plan`, `motors` are the axes it sets by their recorded names (`stage`,
 * `laser_wavelength`), `detectors` the devices it reads, and
 * `hints.dimensions` gives the motors (or `time` for a count) as the x axes of its stream. Any
 * other script is `plan_type: script` named after its file, with no motors, detectors or hints.
 */
import type { CallExpression, Node } from 'typescript';
import { isGlobal, type ParsedScript, parseScript, unwrap } from './script-analysis.js';

/** What a run is, for its start document. */
export interface PlanInfo {
  /** The plan (`lineScan`, ...) or the script's name without extension. */
  planName: string;
  /** `plan` for a run that is one plan, `script` otherwise. */
  planType: 'plan' | 'script';
  /** Devices the plan moves, outer first. */
  motors: string[];
  /** Devices the plan reads. */
  detectors: string[];
  /** Bluesky's start `hints.dimensions`: the x axes (fields) of each stream. */
  dimensions?: [string[], string][];
}

const PLANS = ['lineScan', 'listScan', 'gridScan', 'productScan', 'innerScan', 'adaptiveScan', 'flyScan', 'count'] as const;
type PlanName = (typeof PLANS)[number];
/** How many leading arguments of each plan are axes (`spans`: the first argument is an array of `{axis, ...}`). */
const MOTOR_ARGS: Record<PlanName, number | 'spans'> = { lineScan: 1, listScan: 1, gridScan: 2, productScan: 'spans', innerScan: 'spans', adaptiveScan: 1, flyScan: 1, count: 0 };
const MAY_CALL_A_PLAN = /\b(lineScan|listScan|gridScan|productScan|innerScan|adaptiveScan|flyScan|count)\s*\(/;

/**
 * The recorded name of the axis a script names: `device` alone (`stage`) or one of its quantities
 * (`laser.wavelength` gives `laser_wavelength`); `undefined` when it is no axis.
 */
export type AxisNamer = (device: string, quantity?: string) => string | undefined;

/**
 * The plan of a script, from its source. `devices` are the lab's device names (an argument that
 * is not one of them, or not written as its name, is left out of motors and detectors).
 */
export function detectPlan(source: string, scriptName: string, devices: ReadonlySet<string>, stem: string, axisName: AxisNamer = (d, q) => (q === undefined ? d : `${d}_${q}`)): PlanInfo {
  const asScript: PlanInfo = { planName: stem, planType: 'script', motors: [], detectors: [] };
  if (!MAY_CALL_A_PLAN.test(source)) return asScript;
  const script = parseScript(source, scriptName);
  if (script === undefined) return asScript;
  const calls = planCalls(script);
  if (calls.length !== 1) return asScript;
  const [call] = calls as [CallExpression];
  if (!atTopLevel(script, call)) return asScript;
  return describePlan(script, call, devices, axisName);
}

/** Every call of a plan function in the script (where the name means the plan, not the script's own). */
function planCalls(script: ParsedScript): CallExpression[] {
  const { ts } = script;
  const calls: CallExpression[] = [];
  const visit = (node: Node): void => {
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && (PLANS as readonly string[]).includes(node.expression.text)) {
      if (isGlobal(script, node.expression.text)) calls.push(node);
    }
    ts.forEachChild(node, visit);
  };
  visit(script.file);
  return calls;
}

/** Whether `call` runs exactly once: it sits in a top-level statement, outside any function, loop or branch. */
function atTopLevel(script: ParsedScript, call: CallExpression): boolean {
  const { ts } = script;
  let node: Node = call;
  while (node.parent !== undefined && !ts.isSourceFile(node.parent)) {
    const parent = node.parent;
    const passes =
      // A bare block, or the block of a try, at the top level runs once.
      (ts.isBlock(parent) && (ts.isSourceFile(parent.parent) || ts.isBlock(parent.parent) || (ts.isTryStatement(parent.parent) && parent.parent.tryBlock === parent))) ||
      (ts.isTryStatement(parent) && parent.tryBlock === node) ||
      ts.isExpressionStatement(parent) ||
      ts.isVariableDeclaration(parent) ||
      ts.isVariableDeclarationList(parent) ||
      ts.isVariableStatement(parent) ||
      ts.isParenthesizedExpression(parent) ||
      ts.isAsExpression(parent) ||
      ts.isSatisfiesExpression(parent) ||
      (ts.isPropertyAccessExpression(parent) && parent.expression === node) ||
      (ts.isCallExpression(parent) && parent.expression !== node) ||
      (ts.isBinaryExpression(parent) && parent.left === node && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken) ||
      (ts.isBinaryExpression(parent) && parent.right === node && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken);
    if (!passes) return false;
    node = parent;
  }
  return true;
}

function describePlan(script: ParsedScript, call: CallExpression, devices: ReadonlySet<string>, axisName: AxisNamer): PlanInfo {
  const { ts } = script;
  const planName = call.expression.getText(script.file) as PlanName;
  const deviceName = (node: Node | undefined): string | undefined => {
    const inner = node === undefined ? undefined : unwrap(ts, node);
    return inner !== undefined && ts.isIdentifier(inner) && devices.has(inner.text) && isGlobal(script, inner.text) ? inner.text : undefined;
  };
  // `stage`, or `laser.wavelength`: the axis's recorded name
  const axisOf = (node: Node | undefined): string | undefined => {
    const inner = node === undefined ? undefined : unwrap(ts, node);
    if (inner !== undefined && ts.isPropertyAccessExpression(inner)) {
      const device = deviceName(inner.expression);
      return device === undefined ? undefined : axisName(device, inner.name.text);
    }
    const device = deviceName(inner);
    return device === undefined ? undefined : axisName(device);
  };
  const motorArgs = MOTOR_ARGS[planName];
  const motorNodes = motorArgs === 'spans' ? spanAxes(script, call.arguments[0]) : call.arguments.slice(0, motorArgs);
  const motorCount = motorArgs === 'spans' ? 1 : motorArgs;
  const motors = motorNodes.map(axisOf);
  const detectorArg = call.arguments[motorCount];
  const detectorList = detectorArg === undefined ? undefined : unwrap(ts, detectorArg);
  const detectorNodes = detectorList !== undefined && ts.isArrayLiteralExpression(detectorList) ? [...detectorList.elements] : [detectorArg];
  const detectors = detectorNodes.map(deviceName);
  const info: PlanInfo = {
    planName,
    planType: 'plan',
    motors: motors.filter((m): m is string => m !== undefined),
    detectors: detectors.filter((d): d is string => d !== undefined),
  };
  const stream = streamOf(script, call.arguments[motorCount + 1]);
  if (stream === undefined) return info;
  if (planName === 'count') return { ...info, dimensions: [[['time'], stream]] };
  if (motors.length > 0 && motors.every((m) => m !== undefined)) info.dimensions = (motors as string[]).map((m) => [[m], stream]);
  return info;
}

/** The `axis` of each `{axis, ...}` of an array literal (`undefined` where it cannot be told). */
function spanAxes(script: ParsedScript, node: Node | undefined): (Node | undefined)[] {
  const { ts } = script;
  const list = node === undefined ? undefined : unwrap(ts, node);
  if (list === undefined || !ts.isArrayLiteralExpression(list)) return [undefined];
  return list.elements.map((element) => {
    const span = unwrap(ts, element);
    if (!ts.isObjectLiteralExpression(span)) return undefined;
    for (const property of span.properties) {
      if (ts.isPropertyAssignment(property) && ts.isIdentifier(property.name) && property.name.text === 'axis') return property.initializer;
      if (ts.isShorthandPropertyAssignment(property) && property.name.text === 'axis') return undefined;
    }
    return undefined;
  });
}

/** The stream a plan records into: its options' `stream` when written as a string, `primary` when not given; `undefined` when unknown. */
function streamOf(script: ParsedScript, options: Node | undefined): string | undefined {
  const { ts } = script;
  if (options === undefined) return 'primary';
  const literal = unwrap(ts, options);
  if (!ts.isObjectLiteralExpression(literal)) return undefined;
  let stream: string | undefined = 'primary';
  for (const property of literal.properties) {
    if (ts.isSpreadAssignment(property)) return undefined;
    const name = property.name !== undefined && (ts.isIdentifier(property.name) || ts.isStringLiteral(property.name)) ? property.name.text : undefined;
    if (name !== 'stream') continue;
    const value = ts.isPropertyAssignment(property) ? unwrap(ts, property.initializer) : undefined;
    stream = value !== undefined && (ts.isStringLiteral(value) || ts.isNoSubstitutionTemplateLiteral(value)) ? value.text : undefined;
  }
  return stream;
}
