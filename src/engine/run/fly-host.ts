/**
 * `flyScan` for scripts: the host function behind the prelude's `flyScan(motor, detectors,
 * options)`. Like the other plans it records each point to the stream (frames included: they go
 * to the ring and the run's file as recorded frames do) and hands the points back packed; it
 * warns in the run's log when a detector missed pulses.
 */
import { capabilitiesOf, isHardwareTriggered } from '../../capabilities/index.js';
import { DaqError } from '../../core/index.js';
import type { HostFunction, JsonValue } from '../../scripting/index.js';
import { type FlyDetector, flyScan, type FlyScanOptions, type ScanMotor } from '../plans/index.js';
import type { RunContext } from './run-context.js';

/** What the script host's plan helpers give a plan: its options (recording, progress, pause, abort) and how it is run. */
export interface PlanHelpers<O> {
  motor(name: JsonValue, plan: string): ScanMotor;
  planned(name: string, raw: JsonValue | undefined, plan: (opts: O) => Promise<unknown>): Promise<JsonValue>;
}

/** The `__plans.flyScan` host function. */
export function flyScanHost<O extends object>(context: RunContext, helpers: PlanHelpers<O>): HostFunction {
  const detectors = (names: JsonValue): FlyDetector[] =>
    (Array.isArray(names) ? names : [names]).map((name) => {
      const device = context.lab.device(String(name));
      if (!isHardwareTriggered(device)) {
        throw new DaqError('invalid_argument', `flyScan: ${device.name} cannot acquire on a trigger (it is ${capabilitiesOf(device).join(', ')}; a fly scan needs HardwareTriggered detectors)`, { device: device.name });
      }
      context.touch(device.name);
      return device as FlyDetector;
    });
  return ([m, d, o]) =>
    helpers.planned('flyScan', o, (opts) =>
      flyScan(helpers.motor(m ?? null, 'flyScan'), detectors(d ?? null), {
        ...(opts as unknown as FlyScanOptions),
        clock: context.clock,
        onDone: (summary) => {
          for (const [detector, missed] of Object.entries(summary.missed)) {
            if (missed > 0) context.log('warn', `flyScan: ${detector} missed ${missed} of ${summary.pulses} pulses (still busy with the one before): fly slower or shorten its exposure`);
          }
        },
      }),
    );
}
