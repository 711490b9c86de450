/** A device as ListDevices shows it: state, capabilities, settings with values, limits. */
import type { MessageInitShape } from '@bufbuild/protobuf';
import { capabilitiesOf, isMovable, isParameterized } from '../../capabilities/index.js';
import type { Device, Lab } from '../../devices/index.js';
import { toValue } from '../convert.js';
import type { DeviceInfoSchema } from '../gen/daq/v1/hardware_pb.js';

/** The DeviceInfo message of `device`. Settings that cannot be read now are listed without a value. */
export async function deviceInfo(lab: Lab, device: Device): Promise<MessageInitShape<typeof DeviceInfoSchema>> {
  const summary = lab.summary().find((s) => s.name === device.name);
  const connected = device.state === 'idle' || device.state === 'busy';
  const settings = isParameterized(device)
    ? await Promise.all(
        device.parameters().map(async (p) => {
          const value = connected ? await device.getParameter(p.name).catch(() => undefined) : undefined;
          return {
            name: p.name,
            type: p.type,
            units: p.units,
            ...(p.min === undefined ? {} : { min: p.min }),
            ...(p.max === undefined ? {} : { max: p.max }),
            choices: [...(p.choices ?? [])],
            writable: p.writable,
            description: p.description,
            ...(value === undefined ? {} : { value: toValue(value) }),
          };
        }),
      )
    : [];
  const limits = isMovable(device) && connected ? await device.limits().catch(() => undefined) : undefined;
  return {
    name: device.name,
    driver: device.driver,
    state: summary?.state ?? device.state,
    capabilities: capabilitiesOf(device),
    fault: summary?.fault ?? '',
    settings,
    ...(limits === undefined ? {} : { limits }),
    units: isMovable(device) ? device.units : '',
  };
}
