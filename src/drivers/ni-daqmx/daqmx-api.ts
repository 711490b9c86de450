/**
 * The part of the NI-DAQmx C API (National Instruments, `NIDAQmx.h`) the driver uses, bound
 * with koffi. Signatures and constants as in the public NIDAQmx.h (docs/drivers.md names the
 * copies they were checked against, with the line of each). The library is loaded only when a
 * lab configures an NI-DAQmx card, and koffi itself only then.
 */
import { loadOnce, openNativeLibrary } from '../common/native-library.js';
import { DaqError, type ErrorCode } from '../../core/index.js';

/** `DAQmx_Val_*` values the driver passes. */
export const VAL = {
  Cfg_Default: -1,
  RSE: 10083,
  NRSE: 10078,
  Diff: 10106,
  PseudoDiff: 12529,
  Volts: 10348,
  Rising: 10280,
  FiniteSamps: 10178,
  ContSamps: 10123,
  GroupByChannel: 0,
  ChanPerLine: 0,
  CountUp: 10128,
} as const;

/** `DAQmxError*` codes the driver tells apart. */
export const ERROR = {
  SamplesNoLongerAvailable: -200279,
  SamplesWillNeverBeAvailable: -200278,
  SamplesNotYetAvailable: -200284,
  InvalidDeviceID: -200220,
  DevAbsentOrUnavailable: -200324,
  DevCannotBeAccessed: -201003,
  PhysicalChanDoesNotExist: -200170,
  PALResourceReserved: -50103,
} as const;

/** What each DAQmx error means to a user of ts-daq: its code, and a few words before DAQmx's own. */
const MEANING: Record<number, { code: ErrorCode; words: string }> = {
  [ERROR.SamplesNoLongerAvailable]: { code: 'resource_exhausted', words: 'analog input buffer overflow (samples were not read in time and are lost)' },
  [ERROR.SamplesWillNeverBeAvailable]: { code: 'out_of_range', words: 'a read past the last sample of a finite acquisition' },
  [ERROR.SamplesNotYetAvailable]: { code: 'deadline_exceeded', words: 'samples not yet acquired' },
  [ERROR.InvalidDeviceID]: { code: 'not_found', words: 'no such device' },
  [ERROR.DevAbsentOrUnavailable]: { code: 'unavailable', words: 'device absent or unavailable' },
  [ERROR.DevCannotBeAccessed]: { code: 'unavailable', words: 'device cannot be accessed (unplugged or powered off?)' },
  [ERROR.PhysicalChanDoesNotExist]: { code: 'not_found', words: 'no such physical channel' },
  [ERROR.PALResourceReserved]: { code: 'failed_precondition', words: 'resource reserved by another task' },
};

/** An opaque `TaskHandle`. */
export type TaskHandle = unknown;

/** The DAQmx functions, as JavaScript functions that throw a `DaqError` with DAQmx's message. */
export interface DaqmxApi {
  createTask(): TaskHandle;
  startTask(task: TaskHandle): void;
  stopTask(task: TaskHandle): void;
  clearTask(task: TaskHandle): void;
  createAIVoltageChan(task: TaskHandle, physical: string, name: string, terminal: number, min: number, max: number): void;
  createAOVoltageChan(task: TaskHandle, physical: string, name: string, min: number, max: number): void;
  createDIChan(task: TaskHandle, line: string): void;
  createDOChan(task: TaskHandle, line: string): void;
  createCICountEdgesChan(task: TaskHandle, counter: string): void;
  cfgSampClkTiming(task: TaskHandle, rateHz: number, finite: boolean, samplesPerChannel: number): void;
  cfgInputBuffer(task: TaskHandle, samplesPerChannel: number): void;
  readAvailable(task: TaskHandle): number;
  /** Reads `samples` per channel at once (timeout 0), grouped by channel, into `into` (length samples * channels). */
  readAnalogF64(task: TaskHandle, samples: number, into: Float64Array): void;
  writeAnalogScalarF64(task: TaskHandle, volts: number): void;
  readDigitalLine(task: TaskHandle): boolean;
  writeDigitalLine(task: TaskHandle, value: boolean): void;
  readCounterScalarU32(task: TaskHandle): number;
  deviceNames(): string[];
}

/** Loads the NI-DAQmx library at `library` (a name dlopen finds, or a path), once per process; `unavailable` with the fix when absent. */
export const loadDaqmx: (library: string) => Promise<DaqmxApi> = loadOnce((library) => bind(library));

const ERROR_INFO_BYTES = 2048;
let taskHandleType: unknown;

async function bind(library: string): Promise<DaqmxApi> {
  const { koffi, lib } = await openNativeLibrary(library, {
    name: 'NI-DAQmx',
    install: 'Install NI-DAQmx for Linux from National Instruments (it provides libnidaqmx.so) or set "library" to its path in the lab config',
  });
  // Registered once per process (koffi type names are global): `typedef void *TaskHandle`.
  taskHandleType ??= koffi.pointer('TaskHandle', koffi.opaque());
  const f = {
    createTask: lib.func('int32 DAQmxCreateTask(const char *taskName, _Out_ TaskHandle *taskHandle)'),
    startTask: lib.func('int32 DAQmxStartTask(TaskHandle taskHandle)'),
    stopTask: lib.func('int32 DAQmxStopTask(TaskHandle taskHandle)'),
    clearTask: lib.func('int32 DAQmxClearTask(TaskHandle taskHandle)'),
    createAI: lib.func('int32 DAQmxCreateAIVoltageChan(TaskHandle taskHandle, const char *physicalChannel, const char *nameToAssignToChannel, int32 terminalConfig, double minVal, double maxVal, int32 units, const char *customScaleName)'),
    createAO: lib.func('int32 DAQmxCreateAOVoltageChan(TaskHandle taskHandle, const char *physicalChannel, const char *nameToAssignToChannel, double minVal, double maxVal, int32 units, const char *customScaleName)'),
    createDI: lib.func('int32 DAQmxCreateDIChan(TaskHandle taskHandle, const char *lines, const char *nameToAssignToLines, int32 lineGrouping)'),
    createDO: lib.func('int32 DAQmxCreateDOChan(TaskHandle taskHandle, const char *lines, const char *nameToAssignToLines, int32 lineGrouping)'),
    createCI: lib.func('int32 DAQmxCreateCICountEdgesChan(TaskHandle taskHandle, const char *counter, const char *nameToAssignToChannel, int32 edge, uint32 initialCount, int32 countDirection)'),
    timing: lib.func('int32 DAQmxCfgSampClkTiming(TaskHandle taskHandle, const char *source, double rate, int32 activeEdge, int32 sampleMode, uint64 sampsPerChan)'),
    inputBuffer: lib.func('int32 DAQmxCfgInputBuffer(TaskHandle taskHandle, uint32 numSampsPerChan)'),
    available: lib.func('int32 DAQmxGetReadAvailSampPerChan(TaskHandle taskHandle, _Out_ uint32 *data)'),
    readF64: lib.func('int32 DAQmxReadAnalogF64(TaskHandle taskHandle, int32 numSampsPerChan, double timeout, uint32 fillMode, _Out_ double *readArray, uint32 arraySizeInSamps, _Out_ int32 *sampsPerChanRead, uint32 *reserved)'),
    writeScalar: lib.func('int32 DAQmxWriteAnalogScalarF64(TaskHandle taskHandle, uint32 autoStart, double timeout, double value, uint32 *reserved)'),
    readLines: lib.func('int32 DAQmxReadDigitalLines(TaskHandle taskHandle, int32 numSampsPerChan, double timeout, uint32 fillMode, _Out_ uint8 *readArray, uint32 arraySizeInBytes, _Out_ int32 *sampsPerChanRead, _Out_ int32 *numBytesPerSamp, uint32 *reserved)'),
    writeLines: lib.func('int32 DAQmxWriteDigitalLines(TaskHandle taskHandle, int32 numSampsPerChan, uint32 autoStart, double timeout, uint32 dataLayout, const uint8 *writeArray, _Out_ int32 *sampsPerChanWritten, uint32 *reserved)'),
    readCounter: lib.func('int32 DAQmxReadCounterScalarU32(TaskHandle taskHandle, double timeout, _Out_ uint32 *value, uint32 *reserved)'),
    errorInfo: lib.func('int32 DAQmxGetExtendedErrorInfo(_Out_ uint8 *errorString, uint32 bufferSize)'),
    devNames: lib.func('int32 DAQmxGetSysDevNames(_Out_ uint8 *data, uint32 bufferSize)'),
  };
  const check = (status: unknown, what: string): void => {
    const code = status as number;
    if (code >= 0) return; // 0 success, > 0 a warning
    const buffer = Buffer.alloc(ERROR_INFO_BYTES);
    f.errorInfo(buffer, ERROR_INFO_BYTES);
    const message = cString(buffer).replace(/\s+/g, ' ').trim() || 'no message';
    const meaning = MEANING[code];
    const lead = meaning === undefined ? '' : `${meaning.words}: `;
    throw new DaqError(meaning?.code ?? 'internal', `${lead}DAQmx error ${code} in ${what}: ${message}`);
  };
  const out = (): number[] => [0];
  const timeout = 1;
  return {
    createTask: () => {
      const task: unknown[] = [null];
      check(f.createTask('', task), 'DAQmxCreateTask');
      return task[0];
    },
    startTask: (task) => check(f.startTask(task), 'DAQmxStartTask'),
    stopTask: (task) => check(f.stopTask(task), 'DAQmxStopTask'),
    clearTask: (task) => check(f.clearTask(task), 'DAQmxClearTask'),
    createAIVoltageChan: (task, physical, name, terminal, min, max) =>
      check(f.createAI(task, physical, name, terminal, min, max, VAL.Volts, null), `DAQmxCreateAIVoltageChan("${physical}")`),
    createAOVoltageChan: (task, physical, name, min, max) => check(f.createAO(task, physical, name, min, max, VAL.Volts, null), `DAQmxCreateAOVoltageChan("${physical}")`),
    createDIChan: (task, line) => check(f.createDI(task, line, '', VAL.ChanPerLine), `DAQmxCreateDIChan("${line}")`),
    createDOChan: (task, line) => check(f.createDO(task, line, '', VAL.ChanPerLine), `DAQmxCreateDOChan("${line}")`),
    createCICountEdgesChan: (task, counter) => check(f.createCI(task, counter, '', VAL.Rising, 0, VAL.CountUp), `DAQmxCreateCICountEdgesChan("${counter}")`),
    cfgSampClkTiming: (task, rateHz, finite, samples) =>
      check(f.timing(task, '', rateHz, VAL.Rising, finite ? VAL.FiniteSamps : VAL.ContSamps, samples), 'DAQmxCfgSampClkTiming'),
    cfgInputBuffer: (task, samples) => check(f.inputBuffer(task, samples), 'DAQmxCfgInputBuffer'),
    readAvailable: (task) => {
      const n = out();
      check(f.available(task, n), 'DAQmxGetReadAvailSampPerChan');
      return n[0] ?? 0;
    },
    readAnalogF64: (task, samples, into) => {
      const read = out();
      check(f.readF64(task, samples, 0, VAL.GroupByChannel, into, into.length, read, null), 'DAQmxReadAnalogF64');
      if (read[0] !== samples) throw new DaqError('internal', `DAQmxReadAnalogF64 read ${read[0]} samples per channel, not ${samples}`);
    },
    writeAnalogScalarF64: (task, volts) => check(f.writeScalar(task, 1, timeout, volts, null), 'DAQmxWriteAnalogScalarF64'),
    readDigitalLine: (task) => {
      const data = new Uint8Array(1);
      check(f.readLines(task, 1, timeout, VAL.GroupByChannel, data, 1, out(), out(), null), 'DAQmxReadDigitalLines');
      return data[0] !== 0;
    },
    writeDigitalLine: (task, value) => check(f.writeLines(task, 1, 1, timeout, VAL.GroupByChannel, new Uint8Array([value ? 1 : 0]), out(), null), 'DAQmxWriteDigitalLines'),
    readCounterScalarU32: (task) => {
      const value = out();
      check(f.readCounter(task, timeout, value, null), 'DAQmxReadCounterScalarU32');
      return value[0] ?? 0;
    },
    deviceNames: () => {
      const buffer = Buffer.alloc(ERROR_INFO_BYTES);
      check(f.devNames(buffer, ERROR_INFO_BYTES), 'DAQmxGetSysDevNames');
      return cString(buffer).split(',').map((s) => s.trim()).filter(Boolean);
    },
  };
}

function cString(buffer: Buffer): string {
  const end = buffer.indexOf(0);
  return buffer.toString('latin1', 0, end < 0 ? buffer.length : end);
}
