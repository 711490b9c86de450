/*
 * The part of the PVCAM API the fake library implements, written from the public pvcam.h and
 * master.h (Roper Scientific / Photometrics), as shipped in public repositories:
 * karpov-sv/fast `pvcam.h` and `master.h`, and sunipkm/hitmis_cams `pvcam.h` (both PVCAM 2.6
 * headers; they agree on every value here). The fake takes its constants from this file,
 * never from the driver (src/drivers/photometrics-pvcam/pvcam-api.ts), so the driver's test
 * fails when the driver's numbers are wrong. The values are the header's; the names too.
 */
#ifndef FAKE_PVCAM_PUBLIC_H
#define FAKE_PVCAM_PUBLIC_H

#include <stdint.h>

/* master.h: PVCAM types. rs_bool is an unsigned short; FALSE 0 (PV_FAIL), TRUE 1 (PV_OK). */
typedef int16_t int16;
typedef uint16_t uns16;
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
#define PARAM_EXP_RES ((CLASS3 << 16) + (TYPE_ENUM << 24) + 2)
#define PARAM_EXP_RES_INDEX ((CLASS3 << 16) + (TYPE_UNS16 << 24) + 4)

/* pvcam.h: attributes of pl_get_param. */
enum { ATTR_CURRENT, ATTR_COUNT, ATTR_TYPE, ATTR_MIN, ATTR_MAX, ATTR_DEFAULT, ATTR_INCREMENT, ATTR_ACCESS, ATTR_AVAIL };

/* pvcam.h: pl_cam_open modes; error message size. */
enum { OPEN_EXCLUSIVE };
#define ERROR_MSG_LEN 255

/* pvcam.h: exposure modes (PARAM_EXPOSURE_MODE, pl_exp_setup_seq). */
enum { TIMED_MODE, STROBED_MODE, BULB_MODE, TRIGGER_FIRST_MODE, FLASH_MODE, VARIABLE_TIMED_MODE, INT_STROBE_MODE };

/* pvcam.h: pl_exp_check_status states. */
enum { READOUT_NOT_ACTIVE, EXPOSURE_IN_PROGRESS, READOUT_IN_PROGRESS, READOUT_COMPLETE, READOUT_FAILED = 4, ACQUISITION_IN_PROGRESS };

/* pvcam.h: pl_exp_abort camera states. */
enum { CCS_NO_CHANGE, CCS_HALT, CCS_HALT_CLOSE_SHTR, CCS_CLEAR, CCS_CLEAR_CLOSE_SHTR, CCS_OPEN_SHTR, CCS_CLEAR_OPEN_SHTR };

/* pvcam.h: exposure resolutions (PARAM_EXP_RES). */
enum { EXP_RES_ONE_MILLISEC, EXP_RES_ONE_MICROSEC, EXP_RES_ONE_SEC };

/* pvcam.h: one region: serial s1..s2 binned by sbin, parallel p1..p2 binned by pbin. */
typedef struct { uns16 s1, s2, sbin, p1, p2, pbin; } rgn_type;

#endif
