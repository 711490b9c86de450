/*
 * A fake libnidaqmx.so for the tests of the ni-daqmx driver: the functions of
 * nidaqmx-public.h over a simulated card "Dev1", with real hardware timing against the
 * monotonic clock. Built by the driver's test with gcc.
 *
 * Dev1 has:
 * - ai0..ai3, +-10 V: ai0 a 1 V 50 Hz sine; ai1 wired to ao0 and ai3 to ao1 (each sample is
 *   the output at its time); ai2 a ramp that counts samples, (i mod 10000) * 1 mV;
 * - ao0, ao1, +-10 V;
 * - port0/line0..7: line0..3 wired to line4..7 (an input reads the output wired to it);
 * - ctr0, ctr1: each counts a 1 kHz pulse train from its task's start.
 *
 * Timing as on a card: once started, an analog-input task takes sample i at t0 + i / rate; the
 * buffer holds the configured samples per channel, and a read after more than that went
 * unread fails with DAQmxErrorSamplesNoLongerAvailable (the task then stays in error); a read
 * of samples not yet taken waits up to its timeout, then fails DAQmxErrorSamplesNotYetAvailable.
 * Lines are reserved by the task that has them: a second task on a line fails
 * DAQmxErrorPALResourceReserved until the first is cleared.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "nidaqmx-public.h"

#define MAX_CHANS 8
#define AI_COUNT 4
#define AO_COUNT 2
#define LINE_COUNT 8
#define CTR_COUNT 2
#define RAMP_PERIOD 10000
#define COUNTER_RATE_HZ 1000.0
#define MAX_RATE_HZ 250000.0
#define HISTORY 256

enum kind { K_NONE, K_AI, K_AO, K_DI, K_DO, K_CI };

struct task {
  enum kind kind;
  int chans[MAX_CHANS];
  double min[MAX_CHANS], max[MAX_CHANS];
  int nchans;
  double rate;
  int finite;
  uInt64 total;
  uInt32 buffer;
  int running;
  int failed;
  double t0;
  uInt64 read;
  uInt32 initial;
};

static char last_error[512] = "";
static int open_tasks = 0;
/* Which task holds each line (NULL: free), and each line's driven level. */
static struct task *line_owner[LINE_COUNT];
static int line_level[LINE_COUNT];
/* Each analog output's changes: time, value, oldest first (the last HISTORY of them). */
static double ao_time[AO_COUNT][HISTORY], ao_value[AO_COUNT][HISTORY];
static int ao_changes[AO_COUNT];

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int32 fail(int32 code, const char *message, const char *detail) {
  snprintf(last_error, sizeof last_error, "%s\n%s\nStatus Code: %d", message, detail ? detail : "", code);
  return code;
}

/* "Dev1/ai2" -> 2 for prefix "ai"; -1 for a channel that does not exist; -2 for another device. */
static int parse_channel(const char *name, const char *prefix, int count) {
  if (strncmp(name, "Dev1/", 5) != 0) return -2;
  size_t n = strlen(prefix);
  if (strncmp(name + 5, prefix, n) != 0) return -1;
  char *end;
  long i = strtol(name + 5 + n, &end, 10);
  if (end == name + 5 + n || *end != '\0' || i < 0 || i >= count) return -1;
  return (int)i;
}

static int32 channel_error(int which, const char *name) {
  if (which == -2) return fail(DAQmxErrorInvalidDeviceID, "Device identifier is invalid.", name);
  return fail(DAQmxErrorPhysicalChanDoesNotExist, "Physical channel specified does not exist on this device.", name);
}

static struct task *as_task(TaskHandle handle, enum kind kind) {
  struct task *t = (struct task *)handle;
  if (t == NULL || (kind != K_NONE && t->kind != kind)) return NULL;
  return t;
}

static double ao_at(int ao, double t) {
  double v = 0;
  for (int i = 0; i < ao_changes[ao] && i < HISTORY; i++) if (ao_time[ao][i] <= t) v = ao_value[ao][i];
  return v;
}

static double ai_sample(int chan, uInt64 index, double t) {
  switch (chan) {
    case 0: return sin(2 * M_PI * 50.0 * t);
    case 1: return ao_at(0, t);
    case 2: return (double)(index % RAMP_PERIOD) * 1e-3;
    default: return ao_at(1, t);
  }
}

/* Samples per channel taken since the start (all of a finite task at most). */
static uInt64 taken(const struct task *t) {
  if (!t->running) return t->read;
  uInt64 n = (uInt64)floor((now_s() - t->t0) * t->rate);
  return t->finite && n > t->total ? t->total : n;
}

int32 DAQmxCreateTask(const char taskName[], TaskHandle *taskHandle) {
  (void)taskName;
  struct task *t = calloc(1, sizeof *t);
  if (t == NULL) return fail(DAQmxErrorInvalidTask, "Out of memory.", NULL);
  *taskHandle = t;
  open_tasks++;
  return 0;
}

int32 DAQmxStartTask(TaskHandle taskHandle) {
  struct task *t = as_task(taskHandle, K_NONE);
  if (t == NULL) return fail(DAQmxErrorInvalidTask, "Task specified is invalid or does not exist.", NULL);
  t->running = 1;
  t->failed = 0;
  t->read = 0;
  t->t0 = now_s();
  if (t->kind == K_AI && t->buffer == 0) t->buffer = t->finite ? (uInt32)t->total : 1000;
  return 0;
}

int32 DAQmxStopTask(TaskHandle taskHandle) {
  struct task *t = as_task(taskHandle, K_NONE);
  if (t == NULL) return fail(DAQmxErrorInvalidTask, "Task specified is invalid or does not exist.", NULL);
  t->running = 0;
  return 0;
}

int32 DAQmxClearTask(TaskHandle taskHandle) {
  struct task *t = as_task(taskHandle, K_NONE);
  if (t == NULL) return fail(DAQmxErrorInvalidTask, "Task specified is invalid or does not exist.", NULL);
  for (int i = 0; i < LINE_COUNT; i++) if (line_owner[i] == t) line_owner[i] = NULL;
  free(t);
  open_tasks--;
  return 0;
}

static int32 add_channel(struct task *t, enum kind kind, int chan, double min, double max) {
  if (t->kind != K_NONE && t->kind != kind) return fail(DAQmxErrorInvalidTask, "Channels of different kinds cannot be in one task.", NULL);
  if (t->nchans == MAX_CHANS) return fail(DAQmxErrorInvalidAttributeValue, "Too many channels in the task.", NULL);
  t->kind = kind;
  t->chans[t->nchans] = chan;
  t->min[t->nchans] = min;
  t->max[t->nchans] = max;
  t->nchans++;
  return 0;
}

static int32 check_range(float64 minVal, float64 maxVal, int32 units) {
  if (units != DAQmx_Val_Volts) return fail(DAQmxErrorInvalidAttributeValue, "Requested value is not a supported value for this property.", "Property: Units");
  if (!(minVal < maxVal) || minVal < -10 || maxVal > 10) {
    return fail(DAQmxErrorInvalidAttributeValue, "Requested value is not a supported value for this property.", "Property: Minimum/Maximum Value (the range is -10..10 V)");
  }
  return 0;
}

int32 DAQmxCreateAIVoltageChan(TaskHandle taskHandle, const char physicalChannel[], const char nameToAssignToChannel[], int32 terminalConfig, float64 minVal, float64 maxVal, int32 units, const char customScaleName[]) {
  (void)nameToAssignToChannel;
  (void)customScaleName;
  struct task *t = as_task(taskHandle, K_NONE);
  if (t == NULL) return fail(DAQmxErrorInvalidTask, "Task specified is invalid or does not exist.", NULL);
  int chan = parse_channel(physicalChannel, "ai", AI_COUNT);
  if (chan < 0) return channel_error(chan, physicalChannel);
  if (terminalConfig != DAQmx_Val_Cfg_Default && terminalConfig != DAQmx_Val_RSE && terminalConfig != DAQmx_Val_NRSE && terminalConfig != DAQmx_Val_Diff && terminalConfig != DAQmx_Val_PseudoDiff) {
    return fail(DAQmxErrorInvalidAttributeValue, "Requested value is not a supported value for this property.", "Property: Input Terminal Configuration");
  }
  int32 status = check_range(minVal, maxVal, units);
  return status != 0 ? status : add_channel(t, K_AI, chan, minVal, maxVal);
}

int32 DAQmxCreateAOVoltageChan(TaskHandle taskHandle, const char physicalChannel[], const char nameToAssignToChannel[], float64 minVal, float64 maxVal, int32 units, const char customScaleName[]) {
  (void)nameToAssignToChannel;
  (void)customScaleName;
  struct task *t = as_task(taskHandle, K_NONE);
  if (t == NULL) return fail(DAQmxErrorInvalidTask, "Task specified is invalid or does not exist.", NULL);
  int chan = parse_channel(physicalChannel, "ao", AO_COUNT);
  if (chan < 0) return channel_error(chan, physicalChannel);
  int32 status = check_range(minVal, maxVal, units);
  return status != 0 ? status : add_channel(t, K_AO, chan, minVal, maxVal);
}

static int32 create_line(TaskHandle taskHandle, const char lines[], int32 lineGrouping, enum kind kind) {
  struct task *t = as_task(taskHandle, K_NONE);
  if (t == NULL) return fail(DAQmxErrorInvalidTask, "Task specified is invalid or does not exist.", NULL);
  if (lineGrouping != DAQmx_Val_ChanPerLine && lineGrouping != DAQmx_Val_ChanForAllLines) {
    return fail(DAQmxErrorInvalidAttributeValue, "Requested value is not a supported value for this property.", "Property: Line Grouping");
  }
  int line = parse_channel(lines, "port0/line", LINE_COUNT);
  if (line < 0) return channel_error(line, lines);
  if (line_owner[line] != NULL) return fail(DAQmxErrorPALResourceReserved, "The specified resource is reserved. The operation could not be completed as specified.", lines);
  int32 status = add_channel(t, kind, line, 0, 1);
  if (status != 0) return status;
  line_owner[line] = t;
  if (kind == K_DO) line_level[line] = 0;
  return 0;
}

int32 DAQmxCreateDIChan(TaskHandle taskHandle, const char lines[], const char nameToAssignToLines[], int32 lineGrouping) {
  (void)nameToAssignToLines;
  return create_line(taskHandle, lines, lineGrouping, K_DI);
}

int32 DAQmxCreateDOChan(TaskHandle taskHandle, const char lines[], const char nameToAssignToLines[], int32 lineGrouping) {
  (void)nameToAssignToLines;
  return create_line(taskHandle, lines, lineGrouping, K_DO);
}

int32 DAQmxCreateCICountEdgesChan(TaskHandle taskHandle, const char counter[], const char nameToAssignToChannel[], int32 edge, uInt32 initialCount, int32 countDirection) {
  (void)nameToAssignToChannel;
  struct task *t = as_task(taskHandle, K_NONE);
  if (t == NULL) return fail(DAQmxErrorInvalidTask, "Task specified is invalid or does not exist.", NULL);
  int chan = parse_channel(counter, "ctr", CTR_COUNT);
  if (chan < 0) return channel_error(chan, counter);
  if ((edge != DAQmx_Val_Rising && edge != DAQmx_Val_Falling) || countDirection != DAQmx_Val_CountUp) {
    return fail(DAQmxErrorInvalidAttributeValue, "Requested value is not a supported value for this property.", "Property: Active Edge or Count Direction");
  }
  t->initial = initialCount;
  return add_channel(t, K_CI, chan, 0, 0);
}

int32 DAQmxCfgSampClkTiming(TaskHandle taskHandle, const char source[], float64 rate, int32 activeEdge, int32 sampleMode, uInt64 sampsPerChan) {
  struct task *t = as_task(taskHandle, K_AI);
  if (t == NULL) return fail(DAQmxErrorInvalidTask, "The fake times analog-input tasks only.", NULL);
  if ((source != NULL && source[0] != '\0') || activeEdge != DAQmx_Val_Rising) {
    return fail(DAQmxErrorInvalidAttributeValue, "Requested value is not a supported value for this property.", "Property: Sample Clock Source or Active Edge (the fake has its onboard clock, rising edge)");
  }
  if (!(rate > 0) || rate > MAX_RATE_HZ) return fail(DAQmxErrorInvalidAttributeValue, "Requested value is not a supported value for this property.", "Property: Sample Clock Rate (at most 250 kS/s)");
  if (sampleMode != DAQmx_Val_FiniteSamps && sampleMode != DAQmx_Val_ContSamps) {
    return fail(DAQmxErrorInvalidAttributeValue, "Requested value is not a supported value for this property.", "Property: Sample Mode");
  }
  t->rate = rate;
  t->finite = sampleMode == DAQmx_Val_FiniteSamps;
  t->total = sampsPerChan;
  if (t->buffer == 0) t->buffer = (uInt32)sampsPerChan;
  return 0;
}

int32 DAQmxCfgInputBuffer(TaskHandle taskHandle, uInt32 numSampsPerChan) {
  struct task *t = as_task(taskHandle, K_AI);
  if (t == NULL) return fail(DAQmxErrorInvalidTask, "Task specified is invalid or does not exist.", NULL);
  t->buffer = numSampsPerChan;
  return 0;
}

int32 DAQmxGetReadAvailSampPerChan(TaskHandle taskHandle, uInt32 *data) {
  struct task *t = as_task(taskHandle, K_AI);
  if (t == NULL) return fail(DAQmxErrorInvalidTask, "Task specified is invalid or does not exist.", NULL);
  uInt64 unread = taken(t) - t->read;
  /* The buffer holds at most its size: the rest is what an overflow lost. */
  *data = (uInt32)(unread > t->buffer ? t->buffer : unread);
  return 0;
}

int32 DAQmxReadAnalogF64(TaskHandle taskHandle, int32 numSampsPerChan, float64 timeout, bool32 fillMode, float64 readArray[], uInt32 arraySizeInSamps, int32 *sampsPerChanRead, bool32 *reserved) {
  (void)reserved;
  struct task *t = as_task(taskHandle, K_AI);
  *sampsPerChanRead = 0;
  if (t == NULL) return fail(DAQmxErrorInvalidTask, "Task specified is invalid or does not exist.", NULL);
  if (!t->running) return fail(DAQmxErrorCannotReadWhenAutoStartFalseAndTaskNotRunningOrCommitted, "Cannot read when the task is not running.", NULL);
  if (numSampsPerChan < 0 || (uInt64)numSampsPerChan * (uInt64)t->nchans > arraySizeInSamps) {
    return fail(DAQmxErrorReadBufferTooSmall, "Buffer is too small to fit read data.", NULL);
  }
  uInt64 n = (uInt64)numSampsPerChan;
  if (t->failed || taken(t) - t->read > t->buffer) {
    t->failed = 1;
    return fail(DAQmxErrorSamplesNoLongerAvailable,
                "The application is not able to keep up with the hardware acquisition.",
                "Increasing the buffer size, reading the data more frequently, or specifying a fixed number of samples to read instead of reading all available samples might correct the problem.");
  }
  if (t->finite && t->read + n > t->total) {
    return fail(DAQmxErrorSamplesWillNeverBeAvailable, "Attempted to read samples that will never be available.", "The task acquires a finite number of samples and the read goes past the last of them.");
  }
  double deadline = now_s() + timeout;
  while (taken(t) - t->read < n) {
    if (now_s() >= deadline) return fail(DAQmxErrorSamplesNotYetAvailable, "Some or all of the samples requested have not yet been acquired.", NULL);
    struct timespec pause = {0, 200000};
    nanosleep(&pause, NULL);
  }
  for (uInt64 k = 0; k < n; k++) {
    uInt64 index = t->read + k;
    double at = t->t0 + (double)index / t->rate;
    for (int c = 0; c < t->nchans; c++) {
      double v = ai_sample(t->chans[c], index, at);
      if (fillMode == DAQmx_Val_GroupByChannel) readArray[(uInt64)c * n + k] = v;
      else readArray[k * (uInt64)t->nchans + (uInt64)c] = v;
    }
  }
  t->read += n;
  *sampsPerChanRead = numSampsPerChan;
  return 0;
}

int32 DAQmxWriteAnalogScalarF64(TaskHandle taskHandle, bool32 autoStart, float64 timeout, float64 value, bool32 *reserved) {
  (void)timeout;
  (void)reserved;
  struct task *t = as_task(taskHandle, K_AO);
  if (t == NULL || t->nchans != 1) return fail(DAQmxErrorInvalidTask, "A scalar write needs a task of one analog output.", NULL);
  if (!t->running && !autoStart) return fail(DAQmxErrorInvalidTask, "The task is not running and autoStart is false.", NULL);
  if (value < t->min[0] || value > t->max[0]) return fail(DAQmxErrorInvalidAODataWrite, "Attempted writing analog data that is too large or too small.", NULL);
  int ao = t->chans[0];
  int slot = ao_changes[ao] < HISTORY ? ao_changes[ao] : HISTORY - 1;
  if (ao_changes[ao] >= HISTORY) {
    memmove(ao_time[ao], ao_time[ao] + 1, (HISTORY - 1) * sizeof(double));
    memmove(ao_value[ao], ao_value[ao] + 1, (HISTORY - 1) * sizeof(double));
  } else {
    ao_changes[ao]++;
  }
  ao_time[ao][slot] = now_s();
  ao_value[ao][slot] = value;
  return 0;
}

static int line_level_seen(int line) {
  struct task *owner = line_owner[line];
  if (owner != NULL && owner->kind == K_DO) return line_level[line];
  int partner = line < 4 ? line + 4 : line - 4;
  struct task *other = line_owner[partner];
  return other != NULL && other->kind == K_DO ? line_level[partner] : 0;
}

int32 DAQmxReadDigitalLines(TaskHandle taskHandle, int32 numSampsPerChan, float64 timeout, bool32 fillMode, uInt8 readArray[], uInt32 arraySizeInBytes, int32 *sampsPerChanRead, int32 *numBytesPerSamp, bool32 *reserved) {
  (void)timeout;
  (void)fillMode;
  (void)reserved;
  struct task *t = as_task(taskHandle, K_NONE);
  if (t == NULL || (t->kind != K_DI && t->kind != K_DO)) return fail(DAQmxErrorInvalidTask, "Task specified is invalid or does not exist.", NULL);
  if (numSampsPerChan != 1 || arraySizeInBytes < (uInt32)t->nchans) return fail(DAQmxErrorReadBufferTooSmall, "Buffer is too small to fit read data (the fake reads one sample).", NULL);
  for (int c = 0; c < t->nchans; c++) readArray[c] = (uInt8)line_level_seen(t->chans[c]);
  *sampsPerChanRead = 1;
  *numBytesPerSamp = 1;
  return 0;
}

int32 DAQmxWriteDigitalLines(TaskHandle taskHandle, int32 numSampsPerChan, bool32 autoStart, float64 timeout, bool32 dataLayout, const uInt8 writeArray[], int32 *sampsPerChanWritten, bool32 *reserved) {
  (void)timeout;
  (void)dataLayout;
  (void)reserved;
  struct task *t = as_task(taskHandle, K_DO);
  if (t == NULL) return fail(DAQmxErrorInvalidTask, "Writing needs a digital-output task.", NULL);
  if (!t->running && !autoStart) return fail(DAQmxErrorInvalidTask, "The task is not running and autoStart is false.", NULL);
  if (numSampsPerChan != 1) return fail(DAQmxErrorInvalidAttributeValue, "The fake writes one sample.", NULL);
  for (int c = 0; c < t->nchans; c++) line_level[t->chans[c]] = writeArray[c] != 0;
  *sampsPerChanWritten = 1;
  return 0;
}

int32 DAQmxReadCounterScalarU32(TaskHandle taskHandle, float64 timeout, uInt32 *value, bool32 *reserved) {
  (void)timeout;
  (void)reserved;
  struct task *t = as_task(taskHandle, K_CI);
  if (t == NULL) return fail(DAQmxErrorInvalidTask, "Task specified is invalid or does not exist.", NULL);
  if (!t->running) return fail(DAQmxErrorCannotReadWhenAutoStartFalseAndTaskNotRunningOrCommitted, "Cannot read when the task is not running.", NULL);
  *value = t->initial + (uInt32)floor((now_s() - t->t0) * COUNTER_RATE_HZ);
  return 0;
}

int32 DAQmxGetExtendedErrorInfo(char errorString[], uInt32 bufferSize) {
  if (bufferSize == 0) return (int32)strlen(last_error) + 1;
  snprintf(errorString, bufferSize, "%s", last_error);
  return 0;
}

int32 DAQmxGetSysDevNames(char *data, uInt32 bufferSize) {
  if (bufferSize == 0) return 5;
  snprintf(data, bufferSize, "%s", "Dev1");
  return 0;
}

/* Test hook: tasks created and not cleared. */
int fake_daqmx_open_tasks(void) {
  return open_tasks;
}
