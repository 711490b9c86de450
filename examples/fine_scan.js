// A fine line scan of the coupling around where the stage is now, ending on the best point.
// Start it from a preset that puts the stage (and the laser) where the experiment needs them:
//
//   daq preset save aligned --remote 127.0.0.1:50051
//   daq run examples/fine_scan.js --remote 127.0.0.1:50051 --preset aligned --enable-emission
//
// Without --preset it scans around the stage's present position (or --param centre=MM).
const width = Number(params.width ?? 2);      // mm, the whole scan
const num = Number(params.num ?? 21);         // points
const centre = Number(params.centre ?? stage.position());
const { min, max } = stage.limits();
const start = Math.max(min, centre - width / 2);
const stop = Math.min(max, centre + width / 2);

laser.enableEmission();
laser.openShutter();
try {
  const points = lineScan(stage, power_meter, { start, stop, num, stream: 'fine' });
  let best = points[0];
  for (const p of points) if (p.readings.power_meter.value > best.readings.power_meter.value) best = p;
  log(`best coupling at ${best.positions.stage} mm`);
  stage.moveAbs(best.positions.stage);
} finally {
  laser.closeShutter();
}
