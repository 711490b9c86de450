/** API values (`daq.v1.Value`) shown as text, and parameters typed by the user turned into values. */
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { Value, ValueSchema } from '../../src/api/gen/daq/v1/common_pb.js';
import { formatQuantity } from '../../src/core/format/index.js';

/** A value as short text for people: numbers with unit and SI prefix (`998.25 nW`, `21.998 °C`), arrays summarised, frames by size. */
export function showValue(value: Value | undefined, units = '', integer = false): string {
  const kind = value?.kind;
  switch (kind?.case) {
    case 'number':
      return formatQuantity(kind.value, units, { integer });
    case 'text':
      return kind.value;
    case 'flag':
      return kind.value ? 'true' : 'false';
    case 'numbers':
      return `[${kind.value.values.length} values]`;
    case 'frame':
      return `frame ${kind.value.width}×${kind.value.height} ${kind.value.dtype}`;
    default:
      return '–';
  }
}

/** `name=value` lines as run parameters: numbers, true/false, else text. */
export function parseParams(text: string): Record<string, MessageInitShape<typeof ValueSchema>> {
  const params: Record<string, MessageInitShape<typeof ValueSchema>> = {};
  for (const [index, raw] of text.split(/\n|,/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const at = line.indexOf('=');
    if (at <= 0) throw new Error(`parameter ${index + 1} ("${line}"): write name=value`);
    const name = line.slice(0, at).trim();
    const text = line.slice(at + 1).trim();
    params[name] =
      text !== '' && Number.isFinite(Number(text))
        ? { kind: { case: 'number', value: Number(text) } }
        : text === 'true' || text === 'false'
          ? { kind: { case: 'flag', value: text === 'true' } }
          : { kind: { case: 'text', value: text } };
  }
  return params;
}
