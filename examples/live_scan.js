// A scan to watch live in the dashboard (`make demo` runs it): the stage sweeps back and forth
// across the fibre coupling peak while the power meter reads; every 5th point a camera frame.
//
//   daq run examples/live_scan.js --remote 127.0.0.1:50051 --param sweeps=4
//
// Plots: stream "live", power against position (or time). Time travel: scrub back to any point;
// stream "frames" holds the camera images.

const sweeps = Number(params.sweeps ?? 4);
const points = Number(params.points ?? 50);   // per sweep
const dwell = Number(params.dwell ?? 0.05);   // s at each point
const span = 25;                               // mm

laser.enableEmission();
laser.openShutter();
camera.setExposure(0.005);                     // s
try {
  for (let sweep = 0; sweep < sweeps; sweep++) {
    for (let i = 0; i < points; i++) {
      const k = sweep % 2 === 0 ? i : points - 1 - i;
      stage.moveAbs((k * span) / (points - 1));
      sleep(dwell);
      record('live', { position: stage.position(), power: power_meter.read(), sweep });
      if (i % 5 === 0) record('frames', { position: stage.position(), image: camera.snap() });
      progress(sweep * points + i + 1, sweeps * points);
    }
    log(`sweep ${sweep + 1} of ${sweeps} done`);
  }
} finally {
  laser.closeShutter();
}
