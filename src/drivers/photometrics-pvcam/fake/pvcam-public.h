/*
 * The part of the PVCAM API the fake library implements, written from the public pvcam.h and
 * master.h (Teledyne Photometrics) as shipped in public repositories: Photometrics/PyVCAM
 * `pvcam-sdk/linux/include/pvcam.h` and `master.h` (the PVCAM 3 SDK the vendor's own Python
 * wrapper builds against), checked for the older values against karpov-sv/fast `pvcam.h` and
 * `master.h` and sunipkm/hitmis_cams `pvcam.h` (PVCAM 2.6 headers; they agree on every value
 * they define). The fake takes its constants from this file, never from the driver
 * (src/drivers/photometrics-pvcam/pvcam-api.ts), so the driver's test fails when the driver's
 * numbers are wrong. The values are the header's; the names too.
 */
#ifndef FAKE_PVCAM_PUBLIC_H
#define FAKE_PVCAM_PUBLIC_H

#include <stdint.h>

/* master.h: PVCAM types. rs_bool is an unsigned short; FALSE 0 (PV_FAIL), TRUE 1 (PV_OK). */
typedef int16_t int16;
typedef uint16_t uns16;
typedef int32_t int32;
typedef uint32_t uns32;
typedef uint16_t rs_bool;
#define CAM_NAME_LEN 32

/* pvcam.h: parameter ids are (class << 16) + (type << 24) + id. */
#define TYPE_INT16 1
#define TYPE_UNS16 6
#define TYPE_ENUM 9
#define CLASS2 2
#define CLASS3 3
#define PARAM_PAR_SIZE ((CLASS2 << 16) + (TYPE_UNS16 << 24) + 57)
#define PARAM_SER_SIZE ((CLASS2 << 16) + (TYPE_UNS16 << 24) + 58)
#define PARAM_TEMP ((CLASS2 << 16) + (TYPE_INT16 << 24) + 525)
#define PARAM_TEMP_SETPOINT ((CLASS2 << 16) + (TYPE_INT16 << 24) + 526)
#define PARAM_EXPOSURE_MODE ((CLASS2 << 16) + (TYPE_ENUM << 24) + 535)
#define PARAM_EXPOSE_OUT_MODE ((CLASS2 << 16) + (TYPE_ENUM << 24) + 560)
#define PARAM_EXP_RES ((CLASS3 << 16) + (TYPE_ENUM << 24) + 2)
#define PARAM_EXP_RES_INDEX ((CLASS3 << 16) + (TYPE_UNS16 << 24) + 4)
#define PARAM_BINNING_SER ((CLASS3 << 16) + (TYPE_ENUM << 24) + 165)
#define PARAM_BINNING_PAR ((CLASS3 << 16) + (TYPE_ENUM << 24) + 166)

/* pvcam.h: attributes of pl_get_param (PL_PARAM_ATTRIBUTES). ATTR_COUNT is an uns32,
   ATTR_AVAIL an rs_bool; an enum's ATTR_CURRENT is the item's value (int32), not its index. */
enum { ATTR_CURRENT, ATTR_COUNT, ATTR_TYPE, ATTR_MIN, ATTR_MAX, ATTR_DEFAULT, ATTR_INCREMENT, ATTR_ACCESS, ATTR_AVAIL, ATTR_LIVE };

/* pvcam.h: pl_cam_open modes; error message size. */
enum { OPEN_EXCLUSIVE };
#define ERROR_MSG_LEN 255

/* pvcam.h: exposure modes (PL_EXPOSURE_MODES: PARAM_EXPOSURE_MODE, pl_exp_setup_seq). The
   legacy ones count from 0; the extended ones are (7 + n) << 8 and are ORed with an expose-out
   mode (PL_EXPOSE_OUT_MODES) in pl_exp_setup_seq's exp_mode. */
enum { TIMED_MODE, STROBED_MODE, BULB_MODE, TRIGGER_FIRST_MODE, FLASH_MODE, VARIABLE_TIMED_MODE, INT_STROBE_MODE, MAX_EXPOSE_MODE = 7 };
#define EXT_TRIG_INTERNAL ((7 + 0) << 8)
#define EXT_TRIG_TRIG_FIRST ((7 + 1) << 8)
#define EXT_TRIG_EDGE_RISING ((7 + 2) << 8)
#define EXT_TRIG_LEVEL ((7 + 3) << 8)
#define EXT_TRIG_SOFTWARE_FIRST ((7 + 4) << 8)
#define EXT_TRIG_SOFTWARE_EDGE ((7 + 5) << 8)
enum { EXPOSE_OUT_FIRST_ROW, EXPOSE_OUT_ALL_ROWS, EXPOSE_OUT_ANY_ROW, EXPOSE_OUT_ROLLING_SHUTTER, EXPOSE_OUT_LINE_TRIGGER, EXPOSE_OUT_GLOBAL_SHUTTER };

/* pvcam.h: pl_exp_check_status states (PL_IMAGE_STATUSES). */
enum { READOUT_NOT_ACTIVE, EXPOSURE_IN_PROGRESS, READOUT_IN_PROGRESS, READOUT_COMPLETE, READOUT_FAILED = 4, ACQUISITION_IN_PROGRESS };

/* pvcam.h: pl_exp_abort camera states. */
enum { CCS_NO_CHANGE, CCS_HALT, CCS_HALT_CLOSE_SHTR, CCS_CLEAR, CCS_CLEAR_CLOSE_SHTR, CCS_OPEN_SHTR, CCS_CLEAR_OPEN_SHTR };

/* pvcam.h: exposure resolutions (PL_EXP_RES_MODES, the items of PARAM_EXP_RES). */
enum { EXP_RES_ONE_MILLISEC, EXP_RES_ONE_MICROSEC, EXP_RES_ONE_SEC };

/* pvcam.h: one region: serial s1..s2 binned by sbin, parallel p1..p2 binned by pbin; the image
   is (s2 - s1 + 1) / sbin pixels wide and (p2 - p1 + 1) / pbin high. */
typedef struct { uns16 s1, s2, sbin, p1, p2, pbin; } rgn_type;

#endif
