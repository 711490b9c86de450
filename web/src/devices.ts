/**
 * Devices: every device of the lab with its state (a faulted one says why), its live values and
 * the controls its capabilities allow (move within limits, read, trigger, exposure, shutter,
 * wavelength, emission, temperature setpoint, ROI, voltage, camera stream, stop). Commands
 * during a run are refused by the daemon unless "take over" is ticked. Presets (presets.ts) sit above the cards.
 */
import type { DeviceInfo } from '../../src/api/gen/daq/v1/hardware_pb.js';
import { call, every, follow, hardware, messageOf } from './api.js';
import type { App, View } from './app.js';
import { formatQuantity, inputNumber } from '../../src/core/format/index.js';
import { append, h, replace } from './dom.js';
import { showValue } from './values.js';
import { createPresetsBox } from './presets.js';

interface Card {
  el: HTMLElement;
  key: string;
  state: HTMLElement;
  fault: HTMLElement;
  live: HTMLElement;
  position: HTMLElement;
  values: HTMLElement;
  settings: HTMLElement;
  message: HTMLElement;
}

/** The Devices panel. */
export function createDevicesView(app: App): View {
  const takeOver = app.guard(h('input', { type: 'checkbox', id: 'take-over' }));
  const grid = h('div', { class: 'cards', id: 'device-cards' });
  const presetsBox = createPresetsBox(app);
  const el = h('section', {}, presetsBox.el, h('div', { class: 'toolbar' }, h('label', { title: 'Command devices even while a run holds the lab (the run may then fail)' }, takeOver, ' take over from a running run')), grid);
  const cards = new Map<string, Card>();
  let stops: (() => void)[] = [];

  const command = async (card: Card, what: string, fn: () => Promise<unknown>): Promise<void> => {
    card.message.className = 'message';
    card.message.textContent = `${what}…`;
    try {
      await call(fn);
      card.message.textContent = `${what}: done`;
    } catch (error) {
      card.message.className = 'message error';
      // The daemon names the API's flag; here it is the box above the cards.
      card.message.textContent = `${what}: ${messageOf(error).replace(/; set take_over to command (\S+) anyway$/, ': tick "take over from a running run" above to command $1 anyway (the run may then fail)')}`;
    }
  };

  const render = (devices: DeviceInfo[]): void => {
    for (const device of devices) {
      const key = `${device.driver}:${device.capabilities.join(',')}`;
      let card = cards.get(device.name);
      if (card === undefined || card.key !== key) {
        const created = createCard(app, device, key, takeOver, command);
        if (card === undefined) grid.append(created.el);
        else card.el.replaceWith(created.el);
        cards.set(device.name, created);
        card = created;
      }
      update(card, device);
    }
  };

  // Live values of the connected readable devices; resubscribed when that set changes.
  let readable = '';
  let stopValues: (() => void) | undefined;
  const followValues = (devices: DeviceInfo[]): void => {
    const names = devices.filter((d) => d.capabilities.includes('Readable') && (d.state === 'idle' || d.state === 'busy')).map((d) => d.name);
    if (names.join(',') === readable) return;
    readable = names.join(',');
    stopValues?.();
    stopValues = undefined;
    if (names.length === 0) return;
    stopValues = follow(
      (signal) => hardware.streamValues({ devices: names, maxRateHz: 5 }, { signal }),
      (message) => {
        for (const [name, reading] of Object.entries(message.readings)) {
          const card = cards.get(name);
          if (card !== undefined) card.live.textContent = showValue(reading.value, reading.units);
        }
      },
    );
  };
  return {
    el,
    show() {
      void presetsBox.refresh();
      stops.push(
        every(1000, async () => {
          const devices = (await call(() => hardware.listDevices({}))).devices;
          render(devices);
          followValues(devices);
        }),
      );
    },
    hide() {
      for (const stop of stops) stop();
      stops = [];
      stopValues?.();
      stopValues = undefined;
      readable = '';
    },
  };
}

function update(card: Card, device: DeviceInfo): void {
  card.state.textContent = device.state;
  card.state.className = `badge state-${device.state}`;
  card.fault.textContent = device.state === 'faulted' ? `Faulted: ${device.fault || 'no reason given'}` : '';
  card.fault.hidden = device.state !== 'faulted';
  card.el.classList.toggle('faulted', device.state === 'faulted');
  if (device.position !== undefined) {
    const limits = device.limits === undefined ? '' : ` (limits ${formatQuantity(device.limits.min, device.units)} to ${formatQuantity(device.limits.max, device.units)})`;
    card.position.textContent = `position ${formatQuantity(device.position, device.units)}${limits}`;
  }
  // What the device reads back now (wavelength, temperature, setpoint, exposure, shutter, ...).
  card.values.textContent = device.values
    .filter((v) => v.name !== 'position')
    .map((v) => `${v.name === 'shutter_open' ? 'shutter' : v.name.replace(/_/g, ' ')} ${readbackText(v.name, v.value, v.units)}`)
    .join(' · ');
  replace(
    card.settings,
    ...device.settings.map((s) => h('tr', {}, h('th', {}, s.name), h('td', { 'data-setting': s.name }, showValue(s.value, s.units, s.type === 'integer')))),
  );
}

/** A readback for people: a flag as open/closed or on/off where its name says which, numbers with units. */
function readbackText(name: string, value: DeviceInfo['values'][number]['value'], units: string): string {
  if (value?.kind.case === 'flag') return name === 'shutter_open' ? (value.kind.value ? 'open' : 'closed') : value.kind.value ? 'on' : 'off';
  return showValue(value, units);
}

type Command = (card: Card, what: string, fn: () => Promise<unknown>) => Promise<void>;

function createCard(app: App, device: DeviceInfo, key: string, takeOverBox: HTMLInputElement, command: Command): Card {
  const name = device.name;
  const caps = new Set(device.capabilities);
  const card: Card = {
    el: h('article', { class: 'card', 'data-device': name }),
    key,
    state: h('span', { class: 'badge' }),
    fault: h('p', { class: 'fault' }),
    live: h('span', { class: 'live', 'data-live': name }),
    position: h('p', { class: 'position', 'data-position': name }),
    values: h('p', { class: 'values', 'data-values': name }),
    settings: h('tbody'),
    message: h('p', { class: 'message' }),
  };
  const takeOver = (): boolean => takeOverBox.checked;
  const button = (label: string, what: string, fn: () => Promise<unknown>, needed: 'observer' | 'operator' = 'operator'): HTMLButtonElement =>
    app.guard(h('button', { onclick: () => void command(card, what, fn) }, label), needed);
  const number = (id: string, value: number | undefined, attributes: Record<string, string | number> = {}): HTMLInputElement =>
    app.guard(h('input', { type: 'number', step: 'any', 'data-input': id, value: value === undefined ? '' : inputNumber(value), ...attributes }));
  const setting = (n: string): number | undefined => {
    const value = device.settings.find((s) => s.name === n)?.value?.kind;
    return value?.case === 'number' ? value.value : undefined;
  };
  const controls: HTMLElement[] = [];
  if (caps.has('Movable')) {
    const limits = device.limits;
    const target = number('target', device.position, limits === undefined ? {} : { min: limits.min, max: limits.max });
    const step = number('step', 1);
    controls.push(
      h('div', { class: 'row' }, target, ' ', device.units, ' ', button('Move to', `move ${name}`, () => hardware.moveDevice({ device: name, target: { case: 'absolute', value: Number(target.value) }, takeOver: takeOver() }))),
      h('div', { class: 'row' }, step, ' ', device.units, ' ', button('Move by', `move ${name} by`, () => hardware.moveDevice({ device: name, target: { case: 'relative', value: Number(step.value) }, takeOver: takeOver() }))),
    );
  }
  if (caps.has('Readable')) {
    const read = async (): Promise<void> => {
      const reading = (await hardware.readDevice({ device: name })).reading;
      card.live.textContent = showValue(reading?.value, reading?.units);
    };
    controls.push(h('div', { class: 'row' }, button('Read', `read ${name}`, read, 'observer')));
  }
  if (caps.has('Triggerable')) controls.push(h('div', { class: 'row' }, button('Trigger', `trigger ${name}`, () => hardware.triggerDevice({ device: name, takeOver: takeOver() }))));
  if (caps.has('ExposureControl')) {
    const input = number('exposure', setting('exposure'), { min: 0 });
    controls.push(h('div', { class: 'row' }, input, ' s ', button('Set exposure', `exposure of ${name}`, () => hardware.setExposure({ device: name, exposureS: Number(input.value), takeOver: takeOver() }))));
  }
  if (caps.has('ShutterControl')) {
    controls.push(h('div', { class: 'row' }, 'shutter ', button('Open', `open shutter of ${name}`, () => hardware.setShutter({ device: name, open: true, takeOver: takeOver() })), button('Close', `close shutter of ${name}`, () => hardware.setShutter({ device: name, open: false, takeOver: takeOver() }))));
  }
  if (caps.has('WavelengthTunable')) {
    const input = number('wavelength', setting('wavelength'));
    controls.push(h('div', { class: 'row' }, input, ' nm ', button('Set wavelength', `wavelength of ${name}`, () => hardware.setWavelength({ device: name, wavelengthNm: Number(input.value), takeOver: takeOver() }))));
  }
  if (caps.has('EmissionControl')) {
    controls.push(h('div', { class: 'row' }, 'emission ', button('On', `emission on ${name}`, () => hardware.setEmission({ device: name, enabled: true, takeOver: takeOver() })), button('Off', `emission off ${name}`, () => hardware.setEmission({ device: name, enabled: false, takeOver: takeOver() }))));
  }
  if (caps.has('Cooled')) {
    const input = number('setpoint', setting('temperature_setpoint'));
    controls.push(h('div', { class: 'row' }, input, ' °C ', button('Set setpoint', `setpoint of ${name}`, () => hardware.setTemperature({ device: name, setpointC: Number(input.value), takeOver: takeOver() }))));
  }
  if (caps.has('RoiSelectable')) {
    const g = device.camera;
    const x = number('roi-x', g?.roiX ?? 0, { min: 0 });
    const y = number('roi-y', g?.roiY ?? 0, { min: 0 });
    const w = number('roi-width', g?.roiWidth ?? 0, { min: 1 });
    const hh = number('roi-height', g?.roiHeight ?? 0, { min: 1 });
    for (const input of [x, y, w, hh]) input.classList.add('short');
    controls.push(
      // Each label stays with its input when the row wraps.
      h('div', { class: 'row' }, 'ROI ', ...[['x', x], ['y', y], ['w', w], ['h', hh]].flatMap(([label, input]) => [h('span', { class: 'pair' }, label as string, ' ', input as HTMLInputElement), ' ']),
        button('Set ROI', `ROI of ${name}`, () => hardware.setRoi({ device: name, x: Number(x.value), y: Number(y.value), width: Number(w.value), height: Number(hh.value), takeOver: takeOver() })),
        button('Full', `full ROI of ${name}`, () => hardware.setRoi({ device: name, x: 0, y: 0, width: g?.sensorWidth ?? 0, height: g?.sensorHeight ?? 0, takeOver: takeOver() }))),
    );
  }
  if (caps.has('VoltageSource')) {
    const input = number('volts', setting('voltage'));
    controls.push(h('div', { class: 'row' }, input, ' V ', button('Set output', `output of ${name}`, () => hardware.setVoltage({ device: name, volts: Number(input.value), takeOver: takeOver() }))));
  }
  if (caps.has('AnalogOutput')) {
    // A DAQ card: its outputs are the readbacks in V (ao0, ao1, ...).
    const channel = app.guard(h('input', { 'data-input': 'ao-channel', class: 'short', value: device.values.find((v) => v.units === 'V')?.name ?? 'ao0' }));
    const volts = number('ao-volts', 0);
    controls.push(h('div', { class: 'row' }, 'output ', channel, ' ', volts, ' V ', button('Set', `output of ${name}`, () => hardware.setAnalogOutput({ device: name, channel: channel.value, volts: Number(volts.value), takeOver: takeOver() }))));
  }
  if (caps.has('DigitalIO')) {
    const line = app.guard(h('input', { 'data-input': 'line', value: 'port0/line0' }));
    const drive = (value: boolean) => () => hardware.setDigitalLine({ device: name, line: line.value, value, takeOver: takeOver() });
    controls.push(h('div', { class: 'row' }, 'line ', line, ' ', button('High', `line of ${name} high`, drive(true)), button('Low', `line of ${name} low`, drive(false))));
  }
  if (caps.has('FrameProducer')) {
    controls.push(h('div', { class: 'row' }, 'stream ', button('Start', `start stream of ${name}`, () => hardware.setFrameStream({ device: name, on: true, takeOver: takeOver() })), button('Stop', `stop stream of ${name}`, () => hardware.setFrameStream({ device: name, on: false, takeOver: takeOver() })), button('Preview', `preview ${name}`, async () => app.go('camera', { device: name }), 'observer')));
  }
  if (caps.has('Stoppable')) controls.push(h('div', { class: 'row' }, button('Stop', `stop ${name}`, () => hardware.stopDevice({ device: name }))));
  append(
    card.el,
    h('h3', {}, name, ' ', card.state),
    h('p', { class: 'driver' }, device.driver, ' · ', device.capabilities.join(', ')),
    card.fault,
    h('p', {}, card.live),
    card.position,
    card.values,
    ...controls,
    card.message,
    device.settings.length === 0 ? null : h('details', {}, h('summary', {}, 'settings'), h('table', { class: 'settings' }, card.settings)),
  );
  return card;
}
