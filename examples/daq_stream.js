// Streams hardware-timed analog input into the run: the card samples ai0 and ai2 at `rate` Hz on
// its own clock, and each block of `block` samples per channel becomes one event of stream "ai"
// (fields ai0 and ai2 hold the block's samples in V, first_sample its first sample's number).
// Every sample lands in the ring and the HDF5 file: /entry/data/ai/ai2 is blocks x block.
//
//   daq run examples/daq_stream.js --config examples/lab-daq.toml --param seconds=2

const rate = Number(params.rate ?? 10000);        // Hz
const seconds = Number(params.seconds ?? 5);      // s of samples
const block = Number(params.block ?? 1000);       // samples per channel per event
const blocks = Math.round((rate * seconds) / block);

daq.configureAnalogInput({ rateHz: rate, channels: ['ai0', 'ai2'], bufferSamplesPerChannel: 4 * rate });
daq.startAnalogInput();
try {
  for (let i = 0; i < blocks; i++) {
    const b = daq.readAnalogInput(block);
    record('ai', { ai0: b.channels.ai0, ai2: b.channels.ai2, first_sample: b.firstSample });
    progress(i + 1, blocks);
  }
} finally {
  daq.stopAnalogInput();
}
log(`${blocks * block} samples per channel at ${rate} Hz`);
