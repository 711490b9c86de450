/*
 * A fake libpvcam.so for the PVCAM driver's tests: the subset of the PVCAM API the driver
 * calls, with one 64 x 48 camera ("FakeCam0") whose exposures take real time and whose pixels
 * are 100 + x + 10 y + the frame count (a binned pixel is the sum of the sensor pixels it
 * bins, as a camera sums charge). Its sensor cools by steps, not by time: each read of
 * PARAM_TEMP moves the temperature 30% of the way to the setpoint, so the tests see it
 * approach without waiting (a real sensor takes minutes). Built by the test with gcc into a
 * temporary folder. Its constants come from pvcam-public.h (written from the public pvcam.h),
 * never from the driver.
 *
 * What it lists, as a camera reports its capabilities (pl_get_enum_param): binnings 1x1, 2x2,
 * 4x4 and 4x2 (serial x parallel, PARAM_BINNING_SER/PAR item by item); exposure resolutions
 * ms then us (PARAM_EXP_RES; ms only after fake_pvcam_millisecond_only(1)); the extended
 * exposure modes EXT_TRIG_INTERNAL, EXT_TRIG_TRIG_FIRST, EXT_TRIG_EDGE_RISING, EXT_TRIG_LEVEL,
 * ORed in pl_exp_setup_seq with an expose-out mode it lists (EXPOSE_OUT_ROLLING_SHUTTER, the
 * current one, and EXPOSE_OUT_ANY_ROW; not FIRST_ROW, so a driver that ORs a mode of its own
 * instead of the camera's is refused); or, after fake_pvcam_legacy_modes(1), the legacy modes
 * TIMED_MODE, STROBED_MODE, BULB_MODE, TRIGGER_FIRST_MODE, VARIABLE_TIMED_MODE and no
 * PARAM_EXPOSE_OUT_MODE. In a strobed or trigger-first mode an exposure waits for an edge on
 * the trigger input (fake_pvcam_trigger()); edges while not waiting are ignored, as the camera
 * is busy or not armed. A mode, binning or resolution it does not list is refused.
 *
 * Test hooks (not PVCAM): fake_pvcam_open_count() is how many cameras are open;
 * fake_pvcam_fail_next_readout() makes the next exposure end in READOUT_FAILED;
 * fake_pvcam_fail_next_start(code) makes the next pl_exp_start_seq fail with error `code`;
 * fake_pvcam_trigger() is a rising edge on the trigger input, fake_pvcam_ignored_edges() how
 * many edges came while no exposure waited; fake_pvcam_last_mode() and
 * fake_pvcam_last_exposure() are exp_mode and exposure_time of the last pl_exp_setup_seq;
 * fake_pvcam_legacy_modes(on) and fake_pvcam_millisecond_only(on) change what the camera
 * lists (take effect at the driver's next connect).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <math.h>
#include "pvcam-public.h"

#define WIDTH 64
#define HEIGHT 48

/* What the camera lists. */
static const int32 binning_ser[] = { 1, 2, 4, 4 };
static const int32 binning_par[] = { 1, 2, 4, 2 };
static const char *binning_names[] = { "1x1", "2x2", "4x4", "4x2" };
#define BINNINGS 4
static const int32 extended_modes[] = { EXT_TRIG_INTERNAL, EXT_TRIG_TRIG_FIRST, EXT_TRIG_EDGE_RISING, EXT_TRIG_LEVEL };
static const char *extended_names[] = { "Internal Trigger", "Trigger First", "Edge Trigger", "Level Trigger" };
static const int32 legacy_modes[] = { TIMED_MODE, STROBED_MODE, BULB_MODE, TRIGGER_FIRST_MODE, VARIABLE_TIMED_MODE };
static const char *legacy_names[] = { "Timed", "Strobed", "Bulb", "Trigger First", "Variable Timed" };
static const int32 expose_out_modes[] = { EXPOSE_OUT_ROLLING_SHUTTER, EXPOSE_OUT_ANY_ROW };
static const char *expose_out_names[] = { "Rolling Shutter", "Any Row" };
static const int32 resolutions[] = { EXP_RES_ONE_MILLISEC, EXP_RES_ONE_MICROSEC };
static const char *resolution_names[] = { "One Millisecond", "One Microsecond" };

static int initialized = 0;
static int open_count = 0;
static int16 last_error = 0;
static double setpoint_c = -10.0, temp_c = 20.0;
static int legacy = 0, millisecond_only = 0;
static uns16 exp_res_index = 0;
static int32 exposure_mode = EXT_TRIG_INTERNAL, expose_out = EXPOSE_OUT_ROLLING_SHUTTER;
static int16 last_mode = -1;
static rgn_type region;
static int set_up = 0;
static uns32 exposure_units = 0;
static int waits_for_edge = 0;
static double exposure_end_s = 0.0;
static int acquiring = 0, waiting = 0;
static uns32 ignored_edges = 0;
static uns16 *stream = NULL;
static uns32 frame_count = 0;
static int fail_readout = 0;
static int16 fail_start = 0;

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static rs_bool fail(int16 code) {
  last_error = code;
  return 0;
}

/* One step of cooling per read: 30% of the way to the setpoint. */
static double temperature_c(void) {
  temp_c += 0.3 * (setpoint_c - temp_c);
  return temp_c;
}

static int mode_count(void) { return legacy ? 5 : 4; }
static int32 mode_at(int i) { return legacy ? legacy_modes[i] : extended_modes[i]; }
static int resolution_count(void) { return millisecond_only ? 1 : 2; }

static int mode_listed(int32 mode) {
  for (int i = 0; i < mode_count(); i++) if (mode_at(i) == mode) return 1;
  return 0;
}

rs_bool pl_pvcam_init(void) { initialized++; return 1; }
rs_bool pl_pvcam_uninit(void) { if (initialized > 0) initialized--; return 1; }
int16 pl_error_code(void) { return last_error; }

rs_bool pl_error_message(int16 code, char *msg) {
  const char *text = code == 0 ? "No error" : code == 1 ? "PVCAM not initialized" : code == 2 ? "camera not found"
    : code == 3 ? "invalid camera handle" : code == 4 ? "parameter not available" : code == 5 ? "value out of range"
    : code == 6 ? "region outside the sensor" : code == 7 ? "no sequence set up" : code == 8 ? "binning not supported"
    : code == 9 ? "exposure mode not supported" : code == 10 ? "parameter is read-only" : "unknown error";
  strcpy(msg, text);
  return 1;
}

rs_bool pl_cam_get_total(int16 *total) {
  if (!initialized) return fail(1);
  *total = 1;
  return 1;
}

rs_bool pl_cam_get_name(int16 n, char *name) {
  if (!initialized) return fail(1);
  if (n != 0) return fail(2);
  strcpy(name, "FakeCam0");
  return 1;
}

rs_bool pl_cam_open(char *name, int16 *hcam, int16 mode) {
  if (!initialized) return fail(1);
  if (mode != OPEN_EXCLUSIVE) return fail(5);
  if (strcmp(name, "FakeCam0") != 0) return fail(2);
  open_count++;
  exp_res_index = 0;
  exposure_mode = legacy ? TIMED_MODE : EXT_TRIG_INTERNAL;
  set_up = 0;
  *hcam = 7;
  return 1;
}

rs_bool pl_cam_close(int16 hcam) {
  if (hcam != 7 || open_count == 0) return fail(3);
  open_count--;
  acquiring = 0;
  return 1;
}

/* An enumerated parameter's items; 0 when `id` is not an enum the camera has. */
static int enum_items(uns32 id, const int32 **values, const char ***names) {
  if (id == PARAM_EXPOSURE_MODE) { *values = legacy ? legacy_modes : extended_modes; *names = legacy ? legacy_names : extended_names; return mode_count(); }
  if (id == PARAM_EXPOSE_OUT_MODE && !legacy) { *values = expose_out_modes; *names = expose_out_names; return 2; }
  if (id == PARAM_EXP_RES) { *values = resolutions; *names = resolution_names; return resolution_count(); }
  if (id == PARAM_BINNING_SER) { *values = binning_ser; *names = binning_names; return BINNINGS; }
  if (id == PARAM_BINNING_PAR) { *values = binning_par; *names = binning_names; return BINNINGS; }
  return 0;
}

static int available(uns32 id) {
  const int32 *values;
  const char **names;
  return id == PARAM_SER_SIZE || id == PARAM_PAR_SIZE || id == PARAM_TEMP || id == PARAM_TEMP_SETPOINT || id == PARAM_EXP_RES_INDEX
    || enum_items(id, &values, &names) > 0;
}

rs_bool pl_get_param(int16 hcam, uns32 id, int16 attr, void *value) {
  if (hcam != 7) return fail(3);
  if (attr == ATTR_AVAIL) { *(rs_bool *)value = (rs_bool)available(id); return 1; }
  if (!available(id)) return fail(4);
  const int32 *values;
  const char **names;
  int count = enum_items(id, &values, &names);
  if (attr == ATTR_COUNT) { *(uns32 *)value = (uns32)(count > 0 ? count : 1); return 1; }
  if (id == PARAM_SER_SIZE) { *(uns16 *)value = WIDTH; return 1; }
  if (id == PARAM_PAR_SIZE) { *(uns16 *)value = HEIGHT; return 1; }
  if (id == PARAM_TEMP) { *(int16 *)value = (int16)lround(temperature_c() * 100); return 1; }
  if (id == PARAM_TEMP_SETPOINT) {
    *(int16 *)value = attr == ATTR_MIN ? -2500 : attr == ATTR_MAX ? 2500 : (int16)lround(setpoint_c * 100);
    return 1;
  }
  if (id == PARAM_EXP_RES_INDEX) { *(uns16 *)value = exp_res_index; return 1; }
  if (attr != ATTR_CURRENT) return fail(5);
  if (id == PARAM_EXP_RES) { *(int32 *)value = resolutions[exp_res_index]; return 1; }
  if (id == PARAM_EXPOSURE_MODE) { *(int32 *)value = exposure_mode; return 1; }
  if (id == PARAM_EXPOSE_OUT_MODE) { *(int32 *)value = expose_out; return 1; }
  if (id == PARAM_BINNING_SER) { *(int32 *)value = set_up ? region.sbin : 1; return 1; }
  if (id == PARAM_BINNING_PAR) { *(int32 *)value = set_up ? region.pbin : 1; return 1; }
  return fail(4);
}

rs_bool pl_get_enum_param(int16 hcam, uns32 id, uns32 index, int32 *value, char *desc, uns32 length) {
  if (hcam != 7) return fail(3);
  const int32 *values;
  const char **names;
  int count = enum_items(id, &values, &names);
  if (count == 0) return fail(4);
  if (index >= (uns32)count) return fail(5);
  *value = values[index];
  if (length > 0) {
    strncpy(desc, names[index], length - 1);
    desc[length - 1] = 0;
  }
  return 1;
}

rs_bool pl_set_param(int16 hcam, uns32 id, void *value) {
  if (hcam != 7) return fail(3);
  if (id == PARAM_TEMP_SETPOINT) {
    int16 v = *(int16 *)value;
    if (v < -2500 || v > 2500) return fail(5);
    setpoint_c = v / 100.0;
    return 1;
  }
  if (id == PARAM_EXP_RES_INDEX) {
    uns16 v = *(uns16 *)value;
    if (v >= resolution_count()) return fail(5);
    exp_res_index = v;
    return 1;
  }
  if (id == PARAM_EXP_RES) {
    int32 v = *(int32 *)value;
    for (int i = 0; i < resolution_count(); i++) if (resolutions[i] == v) { exp_res_index = (uns16)i; return 1; }
    return fail(5);
  }
  if (available(id)) return fail(10);
  return fail(4);
}

rs_bool pl_exp_setup_seq(int16 hcam, uns16 exp_total, uns16 rgn_total, const rgn_type *rgn, int16 mode, uns32 exposure, uns32 *bytes) {
  if (hcam != 7) return fail(3);
  if (exp_total != 1 || rgn_total != 1) return fail(5);
  int32 trigger = legacy ? mode : (mode & 0xFF00), out = legacy ? 0 : (mode & 0xFF);
  if (!mode_listed(trigger)) return fail(9);
  if (!legacy && out != expose_out_modes[0] && out != expose_out_modes[1]) return fail(9);
  int binning = -1;
  for (int i = 0; i < BINNINGS; i++) if (binning_ser[i] == rgn->sbin && binning_par[i] == rgn->pbin) binning = i;
  if (binning < 0) return fail(8);
  if (rgn->s1 > rgn->s2 || rgn->p1 > rgn->p2 || rgn->s2 >= WIDTH || rgn->p2 >= HEIGHT) return fail(6);
  uns32 w = (rgn->s2 - rgn->s1 + 1) / rgn->sbin, h = (rgn->p2 - rgn->p1 + 1) / rgn->pbin;
  if (w == 0 || h == 0) return fail(6);
  region = *rgn;
  set_up = 1;
  exposure_units = exposure;
  last_mode = mode;
  exposure_mode = trigger;
  if (!legacy) expose_out = out;
  waits_for_edge = trigger == STROBED_MODE || trigger == TRIGGER_FIRST_MODE || trigger == EXT_TRIG_EDGE_RISING || trigger == EXT_TRIG_TRIG_FIRST;
  *bytes = w * h * 2;
  return 1;
}

static double resolution_s(void) {
  int32 res = resolutions[exp_res_index];
  return res == EXP_RES_ONE_MICROSEC ? 1e-6 : res == EXP_RES_ONE_SEC ? 1.0 : 1e-3;
}

rs_bool pl_exp_start_seq(int16 hcam, void *pixels) {
  if (hcam != 7) return fail(3);
  if (fail_start != 0) {
    int16 code = fail_start;
    fail_start = 0;
    return fail(code);
  }
  if (!set_up) return fail(7);
  stream = (uns16 *)pixels;
  waiting = waits_for_edge;
  exposure_end_s = now_s() + exposure_units * resolution_s();
  acquiring = 1;
  return 1;
}

rs_bool pl_exp_check_status(int16 hcam, int16 *status, uns32 *arrived) {
  if (hcam != 7) return fail(3);
  if (!acquiring) { *status = READOUT_NOT_ACTIVE; *arrived = 0; return 1; }
  if (waiting || now_s() < exposure_end_s) { *status = EXPOSURE_IN_PROGRESS; *arrived = 0; return 1; }
  if (fail_readout) { fail_readout = 0; acquiring = 0; *status = READOUT_FAILED; *arrived = 0; return 1; }
  int w = (region.s2 - region.s1 + 1) / region.sbin, h = (region.p2 - region.p1 + 1) / region.pbin;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      uns32 sum = 0;
      for (int j = 0; j < region.pbin; j++)
        for (int i = 0; i < region.sbin; i++)
          sum += 100 + (region.s1 + x * region.sbin + i) + 10 * (region.p1 + y * region.pbin + j) + frame_count;
      stream[y * w + x] = (uns16)(sum > 65535 ? 65535 : sum);
    }
  frame_count++;
  acquiring = 0;
  *status = READOUT_COMPLETE;
  *arrived = (uns32)(w * h * 2);
  return 1;
}

rs_bool pl_exp_finish_seq(int16 hcam, void *pixels, int16 hbuf) {
  (void)pixels; (void)hbuf;
  if (hcam != 7) return fail(3);
  return 1;
}

rs_bool pl_exp_abort(int16 hcam, int16 state) {
  if (hcam != 7) return fail(3);
  if (state < CCS_NO_CHANGE || state > CCS_CLEAR_OPEN_SHTR) return fail(5);
  acquiring = 0;
  waiting = 0;
  return 1;
}

int fake_pvcam_open_count(void) { return open_count; }
void fake_pvcam_fail_next_readout(void) { fail_readout = 1; }
void fake_pvcam_fail_next_start(int16 code) { fail_start = code; }
void fake_pvcam_legacy_modes(int on) { legacy = on; }
void fake_pvcam_millisecond_only(int on) { millisecond_only = on; }
int16 fake_pvcam_last_mode(void) { return last_mode; }
uns32 fake_pvcam_last_exposure(void) { return exposure_units; }
uns32 fake_pvcam_ignored_edges(void) { return ignored_edges; }

void fake_pvcam_trigger(void) {
  if (acquiring && waiting) {
    waiting = 0;
    exposure_end_s = now_s() + exposure_units * resolution_s();
  } else {
    ignored_edges++;
  }
}
