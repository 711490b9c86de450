// The seed's first experiment: step the stage, take a camera frame at each position, and
// record where the stage was, what the power meter read and the frame.
//
//   daq run examples/simple_scan.js --config examples/lab.toml --param steps=20
//
// `params` holds the --param values; each device of the lab is a global by its config name.

const steps = Number(params.steps ?? 10);
const start = Number(params.start ?? 0);   // mm
const stop = Number(params.stop ?? 25);    // mm

camera.setExposure(0.005);         // s
laser.enableEmission();
laser.openShutter();

try {
  for (let i = 0; i < steps; i++) {
    const target = start + (i * (stop - start)) / (steps - 1);
    stage.moveAbs(target);         // waits until the stage has settled
    const frame = camera.snap();
    record('scan', {
      position: stage.position(),  // mm
      power: power_meter.read(),   // a reading: value, units (W) and timestamp
      image: frame,                // the full frame goes to the run's data
    });
    progress(i + 1, steps);
  }
  log(`scanned ${steps} points from ${start} to ${stop} mm`);
} finally {
  laser.closeShutter();            // runs even when the run is aborted
}
