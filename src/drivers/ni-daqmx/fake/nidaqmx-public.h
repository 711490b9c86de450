/*
 * The part of the NI-DAQmx C API the fake library implements, written from the public
 * NIDAQmx.h (National Instruments, "Copyright (c) National Instruments 2003-2014") as shipped
 * in public repositories: bc/cpp-tendon-drive `NIDAQmx.h` (the copy checked line by line) and
 * ni/nidaqmx-python `generated/nidaqmx/constants.py` and `generated/nidaqmx/error_codes.py`
 * (NI's own Python package, generated from the same API description; they agree on every value
 * here). The fake takes its constants and signatures from this file, never from the driver
 * (src/drivers/ni-daqmx/daqmx-api.ts), so the driver's test fails when the driver's numbers are
 * wrong. The values and names are the header's; docs/drivers.md lists each with its line.
 */
#ifndef FAKE_NIDAQMX_PUBLIC_H
#define FAKE_NIDAQMX_PUBLIC_H

#include <stdint.h>

/* NIDAQmx.h: typedefs (int32 is a signed int on 64-bit gcc; bool32 an uInt32; TaskHandle a void*). */
typedef int32_t int32;
typedef uint32_t uInt32;
typedef uint8_t uInt8;
typedef uint64_t uInt64;
typedef double float64;
typedef uInt32 bool32;
typedef void *TaskHandle;

/* NIDAQmx.h: values (DAQmx_Val_*). */
#define DAQmx_Val_Cfg_Default -1
#define DAQmx_Val_RSE 10083
#define DAQmx_Val_NRSE 10078
#define DAQmx_Val_Diff 10106
#define DAQmx_Val_PseudoDiff 12529
#define DAQmx_Val_Volts 10348
#define DAQmx_Val_Rising 10280
#define DAQmx_Val_Falling 10171
#define DAQmx_Val_FiniteSamps 10178
#define DAQmx_Val_ContSamps 10123
#define DAQmx_Val_GroupByChannel 0
#define DAQmx_Val_GroupByScanNumber 1
#define DAQmx_Val_ChanPerLine 0
#define DAQmx_Val_ChanForAllLines 1
#define DAQmx_Val_CountUp 10128
#define DAQmx_Val_CountDown 10124

/* NIDAQmx.h: error codes (DAQmxError*). */
#define DAQmxErrorSamplesNoLongerAvailable (-200279)
#define DAQmxErrorSamplesWillNeverBeAvailable (-200278)
#define DAQmxErrorSamplesNotYetAvailable (-200284)
#define DAQmxErrorInvalidDeviceID (-200220)
#define DAQmxErrorPhysicalChanDoesNotExist (-200170)
#define DAQmxErrorInvalidAttributeValue (-200077)
#define DAQmxErrorReadBufferTooSmall (-200229)
#define DAQmxErrorInvalidAODataWrite (-200561)
#define DAQmxErrorInvalidTask (-200088)
#define DAQmxErrorCannotReadWhenAutoStartFalseAndTaskNotRunningOrCommitted (-200473)
#define DAQmxErrorPALResourceReserved (-50103)

/* NIDAQmx.h: the functions. Each returns 0 on success, a negative error code, or a positive warning. */
int32 DAQmxCreateTask(const char taskName[], TaskHandle *taskHandle);
int32 DAQmxStartTask(TaskHandle taskHandle);
int32 DAQmxStopTask(TaskHandle taskHandle);
int32 DAQmxClearTask(TaskHandle taskHandle);
int32 DAQmxCreateAIVoltageChan(TaskHandle taskHandle, const char physicalChannel[], const char nameToAssignToChannel[], int32 terminalConfig, float64 minVal, float64 maxVal, int32 units, const char customScaleName[]);
int32 DAQmxCreateAOVoltageChan(TaskHandle taskHandle, const char physicalChannel[], const char nameToAssignToChannel[], float64 minVal, float64 maxVal, int32 units, const char customScaleName[]);
int32 DAQmxCreateDIChan(TaskHandle taskHandle, const char lines[], const char nameToAssignToLines[], int32 lineGrouping);
int32 DAQmxCreateDOChan(TaskHandle taskHandle, const char lines[], const char nameToAssignToLines[], int32 lineGrouping);
int32 DAQmxCreateCICountEdgesChan(TaskHandle taskHandle, const char counter[], const char nameToAssignToChannel[], int32 edge, uInt32 initialCount, int32 countDirection);
int32 DAQmxCfgSampClkTiming(TaskHandle taskHandle, const char source[], float64 rate, int32 activeEdge, int32 sampleMode, uInt64 sampsPerChan);
int32 DAQmxCfgInputBuffer(TaskHandle taskHandle, uInt32 numSampsPerChan);
int32 DAQmxGetReadAvailSampPerChan(TaskHandle taskHandle, uInt32 *data);
int32 DAQmxReadAnalogF64(TaskHandle taskHandle, int32 numSampsPerChan, float64 timeout, bool32 fillMode, float64 readArray[], uInt32 arraySizeInSamps, int32 *sampsPerChanRead, bool32 *reserved);
int32 DAQmxWriteAnalogScalarF64(TaskHandle taskHandle, bool32 autoStart, float64 timeout, float64 value, bool32 *reserved);
int32 DAQmxReadDigitalLines(TaskHandle taskHandle, int32 numSampsPerChan, float64 timeout, bool32 fillMode, uInt8 readArray[], uInt32 arraySizeInBytes, int32 *sampsPerChanRead, int32 *numBytesPerSamp, bool32 *reserved);
int32 DAQmxWriteDigitalLines(TaskHandle taskHandle, int32 numSampsPerChan, bool32 autoStart, float64 timeout, bool32 dataLayout, const uInt8 writeArray[], int32 *sampsPerChanWritten, bool32 *reserved);
int32 DAQmxReadCounterScalarU32(TaskHandle taskHandle, float64 timeout, uInt32 *value, bool32 *reserved);
int32 DAQmxGetExtendedErrorInfo(char errorString[], uInt32 bufferSize);
int32 DAQmxGetSysDevNames(char *data, uInt32 bufferSize);

#endif
