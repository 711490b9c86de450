// Triggered acquisition: arm the camera once, then trigger it at each voltage of the piezo bias,
// recording the frame statistics and the bias read back.
//
//   daq run examples/triggered_acquisition.js --config examples/lab.toml --param frames=5

const frames = Number(params.frames ?? 5);
const maxBias = Number(params.max_bias ?? 50);   // V

camera.setExposure(0.002);               // s
camera.setRoi({ x: 256, y: 256, width: 512, height: 512 });
camera.arm();

for (let i = 0; i < frames; i++) {
  const volts = (maxBias * i) / Math.max(1, frames - 1);
  piezo_bias.setVoltage(volts);
  camera.trigger();
  const frame = camera.snap();
  record('frames', { bias: piezo_bias.read(), mean: frame.mean, peak: frame.max, image: frame });
  progress(i + 1, frames);
}
piezo_bias.setVoltage(0);
log(`camera at ${camera.temperature().toFixed(1)} °C`);
