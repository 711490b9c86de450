/**
 * The part of the PVCAM C API (Teledyne Photometrics, `pvcam.h`) the driver uses, bound with
 * koffi. Constants and signatures as in the public pvcam.h and master.h (docs/drivers.md names
 * the copies they were checked against). The library is loaded only when a lab configures a
 * PVCAM camera, and koffi itself only then.
 */
import { loadOnce, openNativeLibrary } from '../common/native-library.js';
import { DaqError } from '../../core/index.js';

// Parameter ids, as the public pvcam.h defines them: (class << 16) + (type << 24) + id.
// Checked against Photometrics/PyVCAM `pvcam-sdk/linux/include/pvcam.h` (PVCAM 3), karpov-sv/fast
// `pvcam.h` and sunipkm/hitmis_cams `pvcam.h` (PVCAM 2.6) (docs/drivers.md).
const CLASS2 = 2;
const CLASS3 = 3;
const TYPE_INT16 = 1;
const TYPE_UNS16 = 6;
const TYPE_ENUM = 9;
const param = (cls: number, type: number, id: number): number => cls * 2 ** 16 + type * 2 ** 24 + id;

/** Parameters read and written by the driver. */
export const PARAM = {
  PAR_SIZE: param(CLASS2, TYPE_UNS16, 57),
  SER_SIZE: param(CLASS2, TYPE_UNS16, 58),
  TEMP: param(CLASS2, TYPE_INT16, 525),
  TEMP_SETPOINT: param(CLASS2, TYPE_INT16, 526),
  EXPOSURE_MODE: param(CLASS2, TYPE_ENUM, 535),
  EXPOSE_OUT_MODE: param(CLASS2, TYPE_ENUM, 560),
  EXP_RES: param(CLASS3, TYPE_ENUM, 2),
  EXP_RES_INDEX: param(CLASS3, TYPE_UNS16, 4),
  BINNING_SER: param(CLASS3, TYPE_ENUM, 165),
  BINNING_PAR: param(CLASS3, TYPE_ENUM, 166),
} as const;

/** Attributes of `pl_get_param` (`ATTR_COUNT` is an uns32, `ATTR_AVAIL` an rs_bool). */
export const ATTR = { CURRENT: 0, COUNT: 1, MIN: 3, MAX: 4, AVAIL: 8 } as const;
/** `pl_exp_check_status` states. */
export const STATUS = { READOUT_NOT_ACTIVE: 0, EXPOSURE_IN_PROGRESS: 1, READOUT_IN_PROGRESS: 2, READOUT_COMPLETE: 3, READOUT_FAILED: 4 } as const;
/** Exposure resolutions (`PL_EXP_RES_MODES`): the items of `PARAM_EXP_RES`, the unit of `exposure_time`. */
export const EXP_RES = { ONE_MILLISEC: 0, ONE_MICROSEC: 1, ONE_SEC: 2 } as const;
/**
 * Exposure modes (`PL_EXPOSURE_MODES`): the legacy ones, and the extended ones of cameras that
 * report their capabilities, `(7 + n) << 8`, which `pl_exp_setup_seq` takes ORed with an
 * expose-out mode (`PL_EXPOSE_OUT_MODES`, the low bits).
 */
export const EXPOSURE_MODE = {
  TIMED_MODE: 0,
  STROBED_MODE: 1,
  BULB_MODE: 2,
  TRIGGER_FIRST_MODE: 3,
  VARIABLE_TIMED_MODE: 5,
  EXT_TRIG_INTERNAL: (7 + 0) << 8,
  EXT_TRIG_TRIG_FIRST: (7 + 1) << 8,
  EXT_TRIG_EDGE_RISING: (7 + 2) << 8,
  EXT_TRIG_LEVEL: (7 + 3) << 8,
} as const;
/** `OPEN_EXCLUSIVE`, `CCS_HALT`. */
export const OPEN_EXCLUSIVE = 0;
export const CCS_HALT = 1;
const CAM_NAME_LEN = 32;
/** Room for an enum item's description (`pl_get_enum_param`); longer ones are cut. */
const ENUM_DESC_LEN = 100;
const ERROR_MSG_LEN = 255;

/** A region in `pl_exp_setup_seq` (`rgn_type`): serial (x) and parallel (y) ranges, inclusive. */
export interface Region {
  s1: number;
  s2: number;
  sbin: number;
  p1: number;
  p2: number;
  pbin: number;
}

/** One item of an enumerated parameter (`pl_get_enum_param`). */
export interface EnumItem {
  value: number;
  name: string;
}

/** The PVCAM functions, as JavaScript functions that throw a `DaqError` with PVCAM's message. */
export interface PvcamApi {
  init(): void;
  uninit(): void;
  cameraNames(): string[];
  open(name: string): number;
  close(hcam: number): void;
  getInt(hcam: number, id: number, attr: number, type: 'int16' | 'uint16' | 'int32' | 'uint32'): number;
  setInt(hcam: number, id: number, value: number, type: 'int16' | 'uint16' | 'int32'): void;
  /** `ATTR_AVAIL`: whether the camera has the parameter. */
  available(hcam: number, id: number): boolean;
  /** Every item of an enumerated parameter, in the camera's order (`ATTR_COUNT` items). */
  enumItems(hcam: number, id: number): EnumItem[];
  /** `pl_exp_setup_seq` of one frame of one region; `mode` as it goes to PVCAM (ORed already); returns the frame's bytes. */
  setupSequence(hcam: number, region: Region, mode: number, exposure: number): number;
  start(hcam: number, buffer: Buffer): void;
  status(hcam: number): number;
  finish(hcam: number, buffer: Buffer): void;
  abort(hcam: number): void;
}

/**
 * Loads the PVCAM library at `library` (a name dlopen finds, or a path), once per process;
 * `unavailable` with the fix when absent.
 */
export const loadPvcam: (library: string) => Promise<PvcamApi> = loadOnce((library) => bind(library));

let regionType: unknown;

async function bind(library: string): Promise<PvcamApi> {
  const { koffi, lib } = await openNativeLibrary(library, {
    name: 'PVCAM',
    install: 'Install PVCAM from Teledyne Photometrics (the PVCAM runtime for Linux) or set "library" to the path of libpvcam.so in the lab config',
  });
  regionType ??= koffi.struct('rgn_type', { s1: 'uint16', s2: 'uint16', sbin: 'uint16', p1: 'uint16', p2: 'uint16', pbin: 'uint16' });
  const f = {
    init: lib.func('uint16 pl_pvcam_init()'),
    uninit: lib.func('uint16 pl_pvcam_uninit()'),
    errorCode: lib.func('int16 pl_error_code()'),
    errorMessage: lib.func('uint16 pl_error_message(int16 err_code, _Out_ uint8 *msg)'),
    total: lib.func('uint16 pl_cam_get_total(_Out_ int16 *totl_cams)'),
    name: lib.func('uint16 pl_cam_get_name(int16 cam_num, _Out_ uint8 *cam_name)'),
    open: lib.func('uint16 pl_cam_open(const char *cam_name, _Out_ int16 *hcam, int16 o_mode)'),
    close: lib.func('uint16 pl_cam_close(int16 hcam)'),
    getParam: lib.func('uint16 pl_get_param(int16 hcam, uint32 param_id, int16 param_attribute, void *param_value)'),
    setParam: lib.func('uint16 pl_set_param(int16 hcam, uint32 param_id, void *param_value)'),
    enumParam: lib.func('uint16 pl_get_enum_param(int16 hcam, uint32 param_id, uint32 index, _Out_ int32 *value, _Out_ uint8 *desc, uint32 length)'),
    setup: lib.func('uint16 pl_exp_setup_seq(int16 hcam, uint16 exp_total, uint16 rgn_total, const rgn_type *rgn_array, int16 exp_mode, uint32 exposure_time, _Out_ uint32 *exp_bytes)'),
    start: lib.func('uint16 pl_exp_start_seq(int16 hcam, void *pixel_stream)'),
    check: lib.func('uint16 pl_exp_check_status(int16 hcam, _Out_ int16 *status, _Out_ uint32 *bytes_arrived)'),
    finish: lib.func('uint16 pl_exp_finish_seq(int16 hcam, void *pixel_stream, int16 hbuf)'),
    abort: lib.func('uint16 pl_exp_abort(int16 hcam, int16 cam_state)'),
  };
  const fail = (what: string): never => {
    const code = f.errorCode() as number;
    const buffer = Buffer.alloc(ERROR_MSG_LEN + 1);
    f.errorMessage(code, buffer);
    const message = cString(buffer) || 'no message';
    throw new DaqError('internal', `PVCAM ${what} failed: error ${code}: ${message}`);
  };
  const ok = (result: unknown, what: string): void => {
    if (result === 0) fail(what);
  };
  const out = (): number[] => [0];
  return {
    init: () => ok(f.init(), 'pl_pvcam_init'),
    uninit: () => void f.uninit(),
    cameraNames: () => {
      const total = out();
      ok(f.total(total), 'pl_cam_get_total');
      return Array.from({ length: total[0] ?? 0 }, (_, i) => {
        const buffer = Buffer.alloc(CAM_NAME_LEN);
        ok(f.name(i, buffer), 'pl_cam_get_name');
        return cString(buffer);
      });
    },
    open: (name) => {
      const hcam = out();
      ok(f.open(name, hcam, OPEN_EXCLUSIVE), `pl_cam_open("${name}")`);
      return hcam[0] ?? -1;
    },
    close: (hcam) => ok(f.close(hcam), 'pl_cam_close'),
    getInt: (hcam, id, attr, type) => {
      const buffer = Buffer.alloc(8);
      ok(f.getParam(hcam, id, attr, buffer), `pl_get_param(${id})`);
      if (type === 'int16') return buffer.readInt16LE(0);
      if (type === 'uint16') return buffer.readUInt16LE(0);
      return type === 'int32' ? buffer.readInt32LE(0) : buffer.readUInt32LE(0);
    },
    available: (hcam, id) => {
      const buffer = Buffer.alloc(8);
      // ATTR_AVAIL "should always succeed" (pvcam.h); a failure counts as absent.
      return f.getParam(hcam, id, ATTR.AVAIL, buffer) !== 0 && buffer.readUInt16LE(0) !== 0;
    },
    enumItems: (hcam, id) => {
      const count = Buffer.alloc(8);
      ok(f.getParam(hcam, id, ATTR.COUNT, count), `pl_get_param(${id}, ATTR_COUNT)`);
      return Array.from({ length: count.readUInt32LE(0) }, (_, index) => {
        const value = out();
        const desc = Buffer.alloc(ENUM_DESC_LEN);
        ok(f.enumParam(hcam, id, index, value, desc, ENUM_DESC_LEN), `pl_get_enum_param(${id}, ${index})`);
        return { value: value[0] ?? 0, name: cString(desc) };
      });
    },
    setInt: (hcam, id, value, type) => {
      const buffer = Buffer.alloc(8);
      if (type === 'int16') buffer.writeInt16LE(value, 0);
      else if (type === 'uint16') buffer.writeUInt16LE(value, 0);
      else buffer.writeInt32LE(value, 0);
      ok(f.setParam(hcam, id, buffer), `pl_set_param(${id})`);
    },
    setupSequence: (hcam, region, mode, exposure) => {
      const bytes = out();
      ok(f.setup(hcam, 1, 1, region, mode, exposure, bytes), 'pl_exp_setup_seq');
      return bytes[0] ?? 0;
    },
    start: (hcam, buffer) => ok(f.start(hcam, buffer), 'pl_exp_start_seq'),
    status: (hcam) => {
      const status = out();
      const arrived = out();
      ok(f.check(hcam, status, arrived), 'pl_exp_check_status');
      return status[0] ?? STATUS.READOUT_FAILED;
    },
    finish: (hcam, buffer) => ok(f.finish(hcam, buffer, 0), 'pl_exp_finish_seq'),
    abort: (hcam) => void f.abort(hcam, CCS_HALT),
  };
}

function cString(buffer: Buffer): string {
  const end = buffer.indexOf(0);
  return buffer.toString('latin1', 0, end < 0 ? buffer.length : end);
}
