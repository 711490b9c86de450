/** The role each method needs. Reading and streaming: observer; commanding: operator; the queue and daemon: admin. */
import type { Role } from './auth.js';

/** Role needed per `Service.method` (local method names); methods not listed need `admin`. */
export const METHOD_ROLES: Readonly<Record<string, Role>> = {
  'ControlService.uploadScript': 'operator',
  'ControlService.listScripts': 'observer',
  'ControlService.startRun': 'operator',
  'ControlService.stopRun': 'operator',
  'ControlService.pauseRun': 'operator',
  'ControlService.resumeRun': 'operator',
  'ControlService.getRun': 'observer',
  'ControlService.listRuns': 'observer',
  'ControlService.listQueue': 'observer',
  'ControlService.removeFromQueue': 'admin',
  'ControlService.moveInQueue': 'admin',
  'ControlService.clearQueue': 'admin',
  'ControlService.startQueue': 'admin',
  'ControlService.stopQueue': 'admin',
  'ControlService.streamRunDocuments': 'observer',
  'ControlService.streamLogs': 'observer',
  'ControlService.streamStatus': 'observer',
  'ControlService.getDaemonInfo': 'observer',
  'ControlService.readStreamRange': 'observer',
  'ControlService.exportRun': 'observer',
  'HardwareService.listDevices': 'observer',
  'HardwareService.readDevice': 'observer',
  'HardwareService.streamValues': 'observer',
  'HardwareService.streamFrames': 'observer',
  'HardwareService.moveDevice': 'operator',
  'HardwareService.triggerDevice': 'operator',
  'HardwareService.stopDevice': 'operator',
  'HardwareService.setExposure': 'operator',
  'HardwareService.setShutter': 'operator',
  'HardwareService.setWavelength': 'operator',
  'HardwareService.setEmission': 'operator',
  'HardwareService.setTemperature': 'operator',
  'HardwareService.setRoi': 'operator',
  'HardwareService.setVoltage': 'operator',
  'HardwareService.setAnalogOutput': 'operator',
  'HardwareService.setDigitalLine': 'operator',
  'HardwareService.setParameter': 'operator',
  // Dashboard
  'ControlService.describeRing': 'observer',
  'ControlService.getScript': 'observer',
  'ControlService.getScriptTypes': 'observer',
  'ControlService.checkScript': 'observer',
  'ControlService.completeScript': 'observer',
  'HardwareService.setFrameStream': 'operator',
  // Presets
  'PresetService.listPresets': 'observer',
  'PresetService.getPreset': 'observer',
  'PresetService.savePreset': 'operator',
  'PresetService.applyPreset': 'operator',
  'PresetService.deletePreset': 'operator',
};

/** The role `Service.method` needs. */
export function roleFor(service: string, method: string): Role {
  return METHOD_ROLES[`${service}.${method}`] ?? 'admin';
}
