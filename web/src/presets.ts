/**
 * Presets, above the device cards: save every device's current settings under a name, list the
 * presets (when and by whom saved, which devices, the note), apply one (the daemon checks every
 * value first and sets nothing unless all can be set; it says what changed), and delete one.
 * Opening shutters and turning emission on when a preset has them so are asked for by ticking.
 */
import type { Preset, PresetChange, PresetSkip } from '../../src/api/gen/daq/v1/presets_pb.js';
import type { Value } from '../../src/api/gen/daq/v1/common_pb.js';
import { call, messageOf, presets } from './api.js';
import type { App } from './app.js';
import { h, replace } from './dom.js';
import { showValue } from './values.js';
import { formatTime } from '../../src/core/format/index.js';

/** The presets box; `refresh()` reads the list again. */
export function createPresetsBox(app: App): { el: HTMLElement; refresh(): Promise<void> } {
  const name = app.guard(h('input', { type: 'text', id: 'preset-name', placeholder: 'name, such as aligned-800nm', size: 22 }));
  const note = app.guard(h('input', { type: 'text', id: 'preset-note', placeholder: 'note (optional)', size: 28 }));
  const force = app.guard(h('input', { type: 'checkbox', id: 'preset-force' }));
  const openShutters = app.guard(h('input', { type: 'checkbox', id: 'preset-open-shutters' }));
  const enableEmission = app.guard(h('input', { type: 'checkbox', id: 'preset-enable-emission' }));
  const rows = h('tbody', { id: 'preset-rows' });
  const message = h('pre', { class: 'message', id: 'preset-message' });

  const say = (text: string, error = false): void => {
    message.className = error ? 'message error' : 'message';
    message.textContent = text;
  };
  const attempt = async (what: string, fn: () => Promise<string>): Promise<void> => {
    say(`${what}…`);
    try {
      say(await call(fn));
    } catch (error) {
      say(`${what}: ${messageOf(error)}`, true);
    }
    await refresh();
  };

  const save = (): Promise<void> =>
    attempt(`save preset ${name.value}`, async () => {
      const reply = await presets.savePreset({ name: name.value.trim(), note: note.value, force: force.checked });
      const fields = reply.preset?.devices.reduce((n, d) => n + d.fields.length, 0) ?? 0;
      return [`saved preset ${reply.preset?.name}: ${fields} values of ${reply.preset?.devices.map((d) => d.device).join(', ')}`, ...reply.leftOut.map((why) => `  left out ${why}`)].join('\n');
    });

  const apply = (preset: string): Promise<void> =>
    attempt(`apply preset ${preset}`, async () => {
      const reply = await presets.applyPreset({ preset: { name: preset, openShutters: openShutters.checked, enableEmission: enableEmission.checked } });
      const head = `preset ${preset}: ${reply.changed.length === 0 ? 'nothing to set' : `set ${reply.changed.length} value${reply.changed.length === 1 ? '' : 's'}`}${reply.unchanged.length > 0 ? `, ${reply.unchanged.length} already as saved` : ''}`;
      return [head, ...reply.changed.map(changeLine), ...reply.skipped.map(skipLine)].join('\n');
    });

  const remove = (preset: string): Promise<void> =>
    attempt(`delete preset ${preset}`, async () => {
      await presets.deletePreset({ name: preset });
      return `deleted preset ${preset}`;
    });

  const row = (p: Preset): HTMLElement =>
    h(
      'tr',
      { 'data-preset': p.name },
      h('td', {}, p.name),
      h('td', {}, formatTime(p.savedAtS).slice(0, 19)), // local ISO 8601 to the second, as every time on the page
      h('td', {}, p.savedBy),
      h('td', { title: fieldsText(p) }, p.devices.map((d) => d.device).join(', ')),
      h('td', {}, p.note),
      h('td', {}, app.guard(h('button', { class: 'apply', onclick: () => void apply(p.name) }, 'Apply')), ' ', app.guard(h('button', { class: 'delete', onclick: () => void remove(p.name) }, 'Delete'))),
    );

  const refresh = async (): Promise<void> => {
    try {
      const reply = await call(() => presets.listPresets({}));
      replace(rows, ...(reply.presets.length === 0 ? [h('tr', {}, h('td', { colspan: 6 }, 'no presets yet: save the current settings above'))] : reply.presets.map(row)));
    } catch (error) {
      replace(rows, h('tr', {}, h('td', { colspan: 6 }, `presets: ${messageOf(error)}`)));
    }
  };

  const el = h(
    'details',
    { class: 'presets', id: 'presets', open: true },
    h('summary', {}, 'Presets'),
    h('div', { class: 'row' }, name, ' ', note, ' ', h('label', { title: 'replace a preset of the same name' }, force, ' replace'), ' ', app.guard(h('button', { id: 'preset-save', onclick: () => void save() }, 'Save current settings'))),
    h('div', { class: 'row' }, 'when applying: ', h('label', {}, openShutters, ' open shutters'), ' ', h('label', {}, enableEmission, ' turn emission on'), ' (otherwise left as they are)'),
    h('table', { class: 'presets' }, h('thead', {}, h('tr', {}, ...['name', 'saved', 'by', 'devices', 'note', ''].map((t) => h('th', {}, t)))), rows),
    message,
  );
  return { el, refresh };
}

function valueText(value: Value | undefined, units: string): string {
  if (value?.kind.case === 'numbers') {
    const [x, y, width, height] = value.kind.value.values;
    return `${width}×${height} at (${x}, ${y})`;
  }
  if (value === undefined) return '?';
  return showValue(value, units);
}

function changeLine(c: PresetChange): string {
  return `  ${c.device}.${c.field} ${valueText(c.from, c.units)} → ${valueText(c.to, c.units)}`;
}

function skipLine(s: PresetSkip): string {
  return `  skipped ${s.device}.${s.field} (${valueText(s.value, s.units)}): ${s.why}`;
}

/** Every field of a preset, one a line (the devices cell's tooltip). */
function fieldsText(p: Preset): string {
  return p.devices.flatMap((d) => d.fields.map((f) => `${d.device}.${f.name} = ${valueText(f.value, f.units)}`)).join('\n');
}
