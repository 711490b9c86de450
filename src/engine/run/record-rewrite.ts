/**
 * Values read from devices keep their device and units when recorded, while the script keeps
 * seeing plain numbers: before a run, each `record(stream, {...})` whose data is an object
 * literal is rewritten where a field's value is
 * - a direct getter call on a device (`x: stage.position()`), or a detector's `read()`: it
 *   becomes `x: __daq_later("stage", "position")`, which asks the daemon to make the same device
 *   call without waiting for it (a deferred host call, run in order before the record) and hands
 *   `record` a reading with the device's units, the device as source and the time it answered
 *   (the script never sees the value, so it need not wait for it);
 * - a name (`{x}` or `x: p`) bound once in the script by `const p = stage.position()` around the
 *   record: it becomes `x: __daq_sourced(p, "stage", "position")`, which tags the same number
 *   with its device and units (stamped with the record's time).
 * Every `record(` and `progress(` call also becomes `__daq_record_at(<line>, ` (`__daq_progress_at`):
 * the script does not wait for them (deferred host calls, see `SandboxOptions.deferred`), so one
 * refused later names its line.
 * A move written as a statement of its own outside any function (`stage.moveAbs(x);`, its result unused) becomes
 * `__daq_move_at(<line>, "stage", "moveAbs", x)`: the script does not wait for it either (the daemon
 * makes it in order, before the script's next waiting call, which waits for it), unless the script
 * has a `try` statement anywhere: a move that fails is then thrown where the script can catch it.
 * Only text on the same line is inserted, so error line numbers stay the script's own (columns
 * on a rewritten line move). The start document keeps the original source.
 */
import type { Node, ObjectLiteralExpression } from 'typescript';
import { isGlobal, type ParsedScript, parseScript, unwrap } from './script-analysis.js';

/** Units of the getters whose values `record` tags, per device and method; `undefined` for other calls. */
export type GetterUnits = (device: string, method: string) => string | undefined;

/** A source that may call `record(`, `progress(` or move a motor; only such a source is rewritten. */
export const RECORD_CALL = /\b(?:record|progress)\s*\(|\.move(?:Abs|Rel)\s*\(/;

/** The motor methods a script need not wait for when it does not use their result. */
const MOVES = new Set(['moveAbs', 'moveRel']);

/** The globals whose calls are tagged with their line. */
const LINE_TAGGED = ['record', 'progress'];

interface Edit {
  start: number;
  end: number;
  text: string;
}

/**
 * The source of the script to run: its `record()` calls tagged with their lines, their fields with
 * their devices (unchanged when there is no record call). `later(device, method)` says which
 * direct device calls in a record's fields the daemon makes by itself (by default the getters with units).
 */
export function rewriteRecords(
  source: string,
  scriptName: string,
  units: GetterUnits,
  later: (device: string, method: string) => boolean = (d, m) => units(d, m) !== undefined,
  movable: (device: string) => boolean = () => false,
): string {
  if (!RECORD_CALL.test(source)) return source;
  const script = parseScript(source, scriptName);
  if (script === undefined) return source;
  const tagged = new Set(LINE_TAGGED.filter((name) => isGlobal(script, name)));
  const edits: Edit[] = [];
  const { ts } = script;
  const deferMoves = !hasTry(script);
  const visit = (node: Node): void => {
    if (deferMoves && ts.isExpressionStatement(node) && !inFunction(script, node)) {
      const call = unwrap(ts, node.expression);
      const move = ts.isCallExpression(call) ? deviceCall(script, call, (device, method) => MOVES.has(method) && movable(device), true) : undefined;
      if (move !== undefined && ts.isCallExpression(call)) {
        const line = script.file.getLineAndCharacterOfPosition(call.getStart(script.file)).line + 1;
        edits.push({ start: call.expression.getStart(script.file), end: call.arguments.pos, text: `__daq_move_at(${line}, ${JSON.stringify(move.device)}, ${JSON.stringify(move.method)}${call.arguments.length > 0 ? ', ' : ''}` });
      }
    }
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && tagged.has(node.expression.text) && node.arguments.length >= 1) {
      const line = script.file.getLineAndCharacterOfPosition(node.getStart(script.file)).line + 1;
      edits.push({ start: node.expression.getStart(script.file), end: node.arguments.pos, text: `__daq_${node.expression.text}_at(${line}, ` });
    }
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'record' && tagged.has('record') && node.arguments.length >= 2) {
      const data = unwrap(ts, node.arguments[1] as Node);
      if (ts.isObjectLiteralExpression(data)) edits.push(...fieldEdits(script, data, units, later, onlyDeviceCalls(script, data, later)));
    }
    ts.forEachChild(node, visit);
  };
  visit(script.file);
  let out = source;
  for (const edit of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  return out;
}

/**
 * Whether the only calls in a record's fields are the device reads the daemon makes for it: then
 * nothing the script calls can come between a field and its record, and the reads are made when
 * the daemon takes the record (`__daq_read_in`), with no host call of their own.
 */
function onlyDeviceCalls(script: ParsedScript, data: ObjectLiteralExpression, later: (device: string, method: string) => boolean): boolean {
  const { ts } = script;
  const visit = (node: Node): boolean => {
    if (ts.isCallExpression(node)) return deviceCall(script, node, later) !== undefined;
    if (ts.isNewExpression(node) || ts.isTaggedTemplateExpression(node) || ts.isFunctionLike(node) || ts.isSpreadAssignment(node) || ts.isAccessor(node)) return false;
    return !(ts.forEachChild(node, (child) => (visit(child) ? undefined : true)) ?? false);
  };
  return visit(data);
}

function fieldEdits(script: ParsedScript, data: ObjectLiteralExpression, units: GetterUnits, later: (device: string, method: string) => boolean, inRecord = false): Edit[] {
  const { ts, file } = script;
  const edits: Edit[] = [];
  const reader = inRecord ? '__daq_read_in' : '__daq_later';
  for (const property of data.properties) {
    if (ts.isPropertyAssignment(property)) {
      const value = unwrap(ts, property.initializer);
      const call = deviceCall(script, value, later);
      if (call !== undefined) {
        edits.push({ start: value.getStart(file), end: value.end, text: `${reader}(${JSON.stringify(call.device)}, ${JSON.stringify(call.method)})` });
      } else if (ts.isIdentifier(value)) {
        const bound = constGetter(script, value.text, property, units);
        if (bound !== undefined) edits.push({ start: value.getStart(file), end: value.end, text: tag(value.text, bound) });
      }
    } else if (ts.isShorthandPropertyAssignment(property) && property.objectAssignmentInitializer === undefined) {
      const bound = constGetter(script, property.name.text, property, units);
      if (bound !== undefined) edits.push({ start: property.getStart(file), end: property.end, text: `${property.name.text}: ${tag(property.name.text, bound)}` });
    }
  }
  return edits;
}

function tag(name: string, getter: { device: string; method: string }): string {
  return `__daq_sourced(${name}, ${JSON.stringify(getter.device)}, ${JSON.stringify(getter.method)})`;
}

/** `device.method()` with no arguments, on a device global, for a getter with units. */
function getterCall(script: ParsedScript, node: Node, units: GetterUnits): { device: string; method: string } | undefined {
  return deviceCall(script, node, (device, method) => units(device, method) !== undefined);
}

/** Whether `node` is inside a function (a move there is waited for: its error keeps the stack of calls that led to it). */
function inFunction(script: ParsedScript, node: Node): boolean {
  for (let at: Node | undefined = node.parent; at !== undefined; at = at.parent) if (script.ts.isFunctionLike(at)) return true;
  return false;
}

/** Whether the script has a `try` statement anywhere. */
function hasTry(script: ParsedScript): boolean {
  const { ts } = script;
  const visit = (node: Node): boolean => ts.isTryStatement(node) || (ts.forEachChild(node, visit) ?? false);
  return visit(script.file);
}

/** `device.method()` on a device global (with no arguments unless `withArguments`), when `accept(device, method)`. */
function deviceCall(script: ParsedScript, node: Node, accept: (device: string, method: string) => boolean, withArguments = false): { device: string; method: string } | undefined {
  const { ts } = script;
  if (!ts.isCallExpression(node) || (node.arguments.length > 0 && !withArguments) || node.questionDotToken !== undefined) return undefined;
  const callee = node.expression;
  if (!ts.isPropertyAccessExpression(callee) || !ts.isIdentifier(callee.expression) || !ts.isIdentifier(callee.name)) return undefined;
  const device = callee.expression.text;
  const method = callee.name.text;
  if (!isGlobal(script, device) || !accept(device, method)) return undefined;
  return { device, method };
}

/**
 * The getter a name is bound to: the script declares `name` exactly once, as
 * `const name = device.getter()`, in a block that encloses `use`.
 */
function constGetter(script: ParsedScript, name: string, use: Node, units: GetterUnits): { device: string; method: string } | undefined {
  const { ts } = script;
  if (script.declared.get(name) !== 1) return undefined;
  let found: { device: string; method: string } | undefined;
  const visit = (node: Node): void => {
    if (found !== undefined) return;
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.name.text === name && node.initializer !== undefined) {
      const list = node.parent;
      const isConst = ts.isVariableDeclarationList(list) && (list.flags & ts.NodeFlags.Const) !== 0;
      const scope = ts.isVariableDeclarationList(list) ? list.parent.parent : undefined;
      const encloses = scope !== undefined && scope.getStart(script.file) <= use.getStart(script.file) && use.end <= scope.end && node.end <= use.getStart(script.file);
      if (isConst && encloses) found = getterCall(script, unwrap(ts, node.initializer), units);
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(script.file);
  return found;
}
