/**
 * HardwareService: the lab's devices, commanded directly. Each command checks that the device
 * has the capability (FAILED_PRECONDITION naming what it can do otherwise) and that no run holds
 * the lab (unless the caller takes over). Stop is always allowed: it is the safety command.
 */
import { capabilitiesOf, type CapabilityName, type CapabilityOf, hasCapability } from '../../capabilities/index.js';
import { DaqError } from '../../core/index.js';
import type { Device } from '../../devices/index.js';
import { Authenticator, type Principal } from '../auth.js';
import type { CallContext, ServiceHandlers } from '../handlers.js';
import { fromValue, toValue } from '../convert.js';
import type { DaemonCore } from '../core.js';
import type { HardwareService } from '../gen/daq/v1/hardware_pb.js';
import { deviceInfo } from './device-info.js';
import { streamFrames, streamValues } from './device-streams.js';

/** The HardwareService handlers over `core`. */
export function hardwareHandlers(core: DaemonCore): ServiceHandlers<typeof HardwareService> {
  /** The device `name` with capability `capability`, for a command by `principal`. */
  function command<N extends CapabilityName>(name: string, capability: N, takeOver: boolean, principal: Principal, what: string): CapabilityOf<N> & Device {
    const device = withCapability(core, name, capability);
    const run = core.engine.currentRun;
    if (run !== undefined && !takeOver) {
      throw new DaqError('failed_precondition', `run ${run.uid} (${run.request.scriptName}) holds the lab; set take_over to command ${name} anyway`, { device: name });
    }
    core.audit(principal, `${what} on ${name}${run !== undefined ? ` (taking over from run ${run.uid})` : ''}`);
    return device;
  }
  const ok = async <T>(promise: Promise<T>) => {
    await promise;
    return {};
  };
  return {
    async listDevices(request) {
      return { devices: await Promise.all(core.lab.devices().map((d) => deviceInfo(core.lab, d, request.measure))) };
    },
    async moveDevice(request, { principal }) {
      const device = command(request.device, 'Movable', request.takeOver, principal, 'move');
      const options = { wait: !request.noWait };
      if (request.target.case === 'absolute') await device.moveAbs(request.target.value, options);
      else if (request.target.case === 'relative') await device.moveRel(request.target.value, options);
      else throw new DaqError('invalid_argument', 'MoveDevice needs an absolute or a relative target');
      return { position: await device.position() };
    },
    async readDevice(request) {
      const reading = await withCapability(core, request.device, 'Readable').read();
      return { reading: { value: toValue(reading.value), units: reading.units, timestampS: reading.timestampS } };
    },
    async triggerDevice(request, { principal }) {
      return ok(command(request.device, 'Triggerable', request.takeOver, principal, 'trigger').trigger());
    },
    async stopDevice(request, { principal }) {
      const device = withCapability(core, request.device, 'Stoppable');
      core.audit(principal, `stop on ${request.device}`);
      return ok(device.stop());
    },
    async setExposure(request, { principal }) {
      return ok(command(request.device, 'ExposureControl', request.takeOver, principal, `exposure ${request.exposureS} s`).setExposure(request.exposureS));
    },
    async setShutter(request, { principal }) {
      const device = command(request.device, 'ShutterControl', request.takeOver, principal, request.open ? 'open shutter' : 'close shutter');
      return ok(request.open ? device.openShutter() : device.closeShutter());
    },
    async setWavelength(request, { principal }) {
      return ok(command(request.device, 'WavelengthTunable', request.takeOver, principal, `wavelength ${request.wavelengthNm} nm`).setWavelength(request.wavelengthNm));
    },
    async setEmission(request, { principal }) {
      const device = command(request.device, 'EmissionControl', request.takeOver, principal, request.enabled ? 'emission on' : 'emission off');
      return ok(request.enabled ? device.enableEmission() : device.disableEmission());
    },
    async setTemperature(request, { principal }) {
      return ok(command(request.device, 'Cooled', request.takeOver, principal, `setpoint ${request.setpointC} °C`).setTemperature(request.setpointC));
    },
    async setRoi(request, { principal }) {
      const { x, y, width, height } = request;
      return ok(command(request.device, 'RoiSelectable', request.takeOver, principal, `ROI ${width}x${height}+${x}+${y}`).setRoi({ x, y, width, height }));
    },
    async setVoltage(request, { principal }) {
      return ok(command(request.device, 'VoltageSource', request.takeOver, principal, `output ${request.volts} V`).setVoltage(request.volts));
    },
    async setAnalogOutput(request, { principal }) {
      const what = `output ${request.channel} ${request.volts} V`;
      return ok(command(request.device, 'AnalogOutput', request.takeOver, principal, what).writeAnalogOutput(request.channel, request.volts));
    },
    async setDigitalLine(request, { principal }) {
      const what = `line ${request.line} ${request.value ? 'high' : 'low'}`;
      return ok(command(request.device, 'DigitalIO', request.takeOver, principal, what).writeLine(request.line, request.value));
    },
    async setParameter(request, { principal }) {
      const device = command(request.device, 'Parameterized', request.takeOver, principal, `setting ${request.name}`);
      return ok(device.setParameter(request.name, fromValue(request.value, `setting ${request.name}`)));
    },
    streamValues(request, context: CallContext) {
      return streamValues(core, request, context);
    },
    streamFrames(request, context: CallContext) {
      if (!request.start) return streamFrames(core, request, context);
      return streamFrames(core, request, context, async () => {
        Authenticator.require(context.principal, 'operator', 'starting a camera for a preview (StreamFrames start)');
        const device = command(request.device, 'FrameProducer', request.takeOver, context.principal, 'start frame stream for a preview');
        if (core.previews.has(device.name) && !core.previewHolders.has(device.name)) return undefined; // on by SetFrameStream: stays on
        if (!core.previews.has(device.name)) {
          await device.startStream();
          core.previews.add(device.name);
        }
        core.previewHolders.set(device.name, (core.previewHolders.get(device.name) ?? 0) + 1);
        return async () => {
          const holders = core.previewHolders.get(device.name);
          if (holders === undefined) return; // switched by SetFrameStream meanwhile
          if (holders > 1) return void core.previewHolders.set(device.name, holders - 1);
          core.previewHolders.delete(device.name);
          // A run stopped the preview meanwhile (and may be using the camera): leave it alone.
          if (!core.previews.delete(device.name)) return;
          core.audit(context.principal, `stop frame stream on ${device.name}: the preview that started it ended`);
          await device.stopStream().catch(() => undefined);
        };
      });
    },
    async setFrameStream(request, { principal }) {
      const device = command(request.device, 'FrameProducer', request.takeOver, principal, request.on ? 'start frame stream' : 'stop frame stream');
      // Switched on or off here: no preview stream's end stops it any more.
      core.previewHolders.delete(device.name);
      if (!request.on) {
        core.previews.delete(device.name);
        return ok(device.stopStream());
      }
      // Already streaming for a preview (another dashboard started it): nothing to do.
      if (core.previews.has(device.name)) return {};
      const reply = await ok(device.startStream());
      core.previews.add(device.name);
      return reply;
    },
  };
}

/** The device `name`, checked to have `capability`; FAILED_PRECONDITION naming what it can do. */
export function withCapability<N extends CapabilityName>(core: DaemonCore, name: string, capability: N): CapabilityOf<N> & Device {
  const device = core.lab.device(name);
  if (!hasCapability(device, capability)) {
    throw new DaqError('failed_precondition', `${name} (${device.driver}) is not ${capability}: it is ${capabilitiesOf(device).join(', ')}`, { device: name });
  }
  return device as CapabilityOf<N> & Device;
}

/**
 * Stops the preview streams clients started ({@link DaemonCore.previews}) before each run's script
 * begins: a streaming camera cannot `snap()`, and the experiment comes first.
 */
export function stopPreviewsForRuns(core: DaemonCore, say: (level: 'info' | 'warn', message: string) => void): () => void {
  return core.engine.beforeScript(async (runUid) => {
    for (const name of [...core.previews]) {
      core.previews.delete(name);
      const device = core.lab.device(name);
      if (!hasCapability(device, 'FrameProducer') || device.state !== 'busy') continue;
      try {
        await device.stopStream();
        say('info', `${name}: preview stream stopped for run ${runUid} (start it again from the Camera tab)`);
      } catch (error) {
        say('warn', `${name}: could not stop its preview stream for run ${runUid}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  });
}
