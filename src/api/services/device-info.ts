/** A device as ListDevices shows it: state, capabilities, settings with values, limits, what it reads back now. */
import type { MessageInitShape } from '@bufbuild/protobuf';
import { capabilitiesOf, isFrameProducer, isMovable, isParameterized, isRoiSelectable } from '../../capabilities/index.js';
import { type Device, type Lab, readBacks } from '../../devices/index.js';
import { toValue } from '../convert.js';
import type { CameraGeometrySchema, DeviceInfoSchema } from '../gen/daq/v1/hardware_pb.js';

/** The DeviceInfo message of `device` (`measure`: read Readable devices too). Settings that cannot be read now are listed without a value. */
export async function deviceInfo(lab: Lab, device: Device, measure = false): Promise<MessageInitShape<typeof DeviceInfoSchema>> {
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
  const position = isMovable(device) && connected ? await device.position().catch(() => undefined) : undefined;
  const camera = connected ? await cameraGeometry(device) : undefined;
  const readbacks = await readBacks(device, { measure });
  return {
    name: device.name,
    driver: device.driver,
    state: summary?.state ?? device.state,
    capabilities: capabilitiesOf(device),
    fault: summary?.fault ?? '',
    settings,
    ...(limits === undefined ? {} : { limits }),
    units: isMovable(device) ? device.units : '',
    ...(position === undefined ? {} : { position }),
    ...(camera === undefined ? {} : { camera }),
    values: readbacks.values.map((v) => ({ name: v.name, value: toValue(v.value), units: v.units })),
    unreadable: readbacks.unreadable,
  };
}

/** Sensor, ROI and frame size of a camera (a FrameProducer; ROI fields when RoiSelectable). */
async function cameraGeometry(device: Device): Promise<MessageInitShape<typeof CameraGeometrySchema> | undefined> {
  if (!isFrameProducer(device)) return undefined;
  const frame = device.frameSize();
  if (!isRoiSelectable(device)) return { sensorWidth: frame.width, sensorHeight: frame.height, roiWidth: frame.width, roiHeight: frame.height, frameWidth: frame.width, frameHeight: frame.height };
  const sensor = device.sensorSize();
  const roi = await device.roi().catch(() => ({ x: 0, y: 0, ...sensor }));
  return { sensorWidth: sensor.width, sensorHeight: sensor.height, roiX: roi.x, roiY: roi.y, roiWidth: roi.width, roiHeight: roi.height, frameWidth: frame.width, frameHeight: frame.height };
}
