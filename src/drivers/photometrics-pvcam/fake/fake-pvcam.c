/*
 * A fake libpvcam.so for the PVCAM driver's tests: the subset of the PVCAM API the driver
 * calls, with one 64 x 48 camera ("FakeCam0") whose exposures take real time and whose frames
 * are a gradient plus the frame count. Its sensor cools by steps, not by time: each read of
 * PARAM_TEMP moves the temperature 30% of the way to the setpoint, so the tests see it
 * approach without waiting (a real sensor takes minutes). Built by the test with gcc into a
 * temporary folder. Its constants come from pvcam-public.h (written from the public pvcam.h),
 * never from the driver.
 *
 * Test hooks (not PVCAM): fake_pvcam_open_count() is how many cameras are open;
 * fake_pvcam_fail_next_readout() makes the next exposure end in READOUT_FAILED;
 * fake_pvcam_fail_next_start(code) makes the next pl_exp_start_seq fail with error `code`.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <math.h>
#include "pvcam-public.h"

#define WIDTH 64
#define HEIGHT 48

static int initialized = 0;
static int open_count = 0;
static int16 last_error = 0;
static double setpoint_c = -10.0, temp_c = 20.0;
static int exp_res = EXP_RES_ONE_MILLISEC;
static rgn_type region;
static uns32 exposure_units = 0;
static double exposure_end_s = 0.0;
static int acquiring = 0;
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

rs_bool pl_pvcam_init(void) { initialized++; return 1; }
rs_bool pl_pvcam_uninit(void) { if (initialized > 0) initialized--; return 1; }
int16 pl_error_code(void) { return last_error; }

rs_bool pl_error_message(int16 code, char *msg) {
  const char *text = code == 0 ? "No error" : code == 1 ? "PVCAM not initialized" : code == 2 ? "camera not found"
    : code == 3 ? "invalid camera handle" : code == 4 ? "parameter not available" : code == 5 ? "value out of range"
    : code == 6 ? "region outside the sensor" : code == 7 ? "no sequence set up" : "unknown error";
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
  *hcam = 7;
  return 1;
}

rs_bool pl_cam_close(int16 hcam) {
  if (hcam != 7 || open_count == 0) return fail(3);
  open_count--;
  acquiring = 0;
  return 1;
}

rs_bool pl_get_param(int16 hcam, uns32 id, int16 attr, void *value) {
  if (hcam != 7) return fail(3);
  if (id == PARAM_SER_SIZE) { *(uns16 *)value = WIDTH; return 1; }
  if (id == PARAM_PAR_SIZE) { *(uns16 *)value = HEIGHT; return 1; }
  if (id == PARAM_TEMP) { *(int16 *)value = (int16)lround(temperature_c() * 100); return 1; }
  if (id == PARAM_TEMP_SETPOINT) {
    *(int16 *)value = attr == ATTR_MIN ? -2500 : attr == ATTR_MAX ? 2500 : (int16)lround(setpoint_c * 100);
    return 1;
  }
  if (id == PARAM_EXP_RES_INDEX) { *(uns16 *)value = (uns16)exp_res; return 1; }
  return fail(4);
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
    if (v != EXP_RES_ONE_MILLISEC && v != EXP_RES_ONE_MICROSEC) return fail(5);
    exp_res = v;
    return 1;
  }
  return fail(4);
}

rs_bool pl_exp_setup_seq(int16 hcam, uns16 exp_total, uns16 rgn_total, const rgn_type *rgn, int16 mode, uns32 exposure, uns32 *bytes) {
  if (hcam != 7) return fail(3);
  if (mode != TIMED_MODE) return fail(5);
  if (exp_total != 1 || rgn_total != 1) return fail(5);
  if (rgn->s1 > rgn->s2 || rgn->p1 > rgn->p2 || rgn->s2 >= WIDTH || rgn->p2 >= HEIGHT || rgn->sbin != 1 || rgn->pbin != 1) return fail(6);
  region = *rgn;
  exposure_units = exposure;
  *bytes = (uns32)((rgn->s2 - rgn->s1 + 1) * (rgn->p2 - rgn->p1 + 1) * 2);
  return 1;
}

rs_bool pl_exp_start_seq(int16 hcam, void *pixels) {
  if (hcam != 7) return fail(3);
  if (fail_start != 0) {
    int16 code = fail_start;
    fail_start = 0;
    return fail(code);
  }
  if (exposure_units == 0 && region.s2 == 0) return fail(7);
  stream = (uns16 *)pixels;
  exposure_end_s = now_s() + exposure_units * (exp_res == EXP_RES_ONE_MICROSEC ? 1e-6 : 1e-3);
  acquiring = 1;
  return 1;
}

rs_bool pl_exp_check_status(int16 hcam, int16 *status, uns32 *arrived) {
  if (hcam != 7) return fail(3);
  if (!acquiring) { *status = READOUT_NOT_ACTIVE; *arrived = 0; return 1; }
  if (now_s() < exposure_end_s) { *status = EXPOSURE_IN_PROGRESS; *arrived = 0; return 1; }
  if (fail_readout) { fail_readout = 0; acquiring = 0; *status = READOUT_FAILED; *arrived = 0; return 1; }
  int w = region.s2 - region.s1 + 1, h = region.p2 - region.p1 + 1;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      stream[y * w + x] = (uns16)(100 + (region.s1 + x) + 10 * (region.p1 + y) + frame_count);
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
  return 1;
}

int fake_pvcam_open_count(void) { return open_count; }
void fake_pvcam_fail_next_readout(void) { fail_readout = 1; }
void fake_pvcam_fail_next_start(int16 code) { fail_start = code; }
