// A fly scan: the stage crosses 6.5..18.5 mm at a constant 2 mm/s without stopping. Its trigger
// output fires every 0.05 mm, and on each pulse the power meter takes a reading and the camera a
// frame; each point is stamped with the stage position in the middle of the exposure. Then the
// coupling peak is the centre of the readings above half the maximum.
//
//   daq check examples/fly_scan.js --config examples/lab.toml
//   daq run examples/fly_scan.js --config examples/lab.toml --sim-time

const velocity = Number(params.velocity ?? 2); // mm/s
const num = Number(params.points ?? 241);

laser.enableEmission();
laser.openShutter();
try {
  const points = flyScan(stage, [power_meter, camera], { start: 6.5, stop: 18.5, num, velocity });
  const power = (p) => Number(p.readings['power_meter'].value); // W
  let max = 0;
  for (const p of points) max = Math.max(max, power(p));
  let sum = 0;
  let weighted = 0;
  for (const p of points) {
    if (power(p) <= max / 2) continue;
    sum += power(p);
    weighted += power(p) * p.positions['stage'];
  }
  const peak = weighted / sum;
  record('result', { peak, points: points.length });
  log(`coupling peak at ${peak.toFixed(3)} mm (${points.length} points on the fly at ${velocity} mm/s)`);
} finally {
  laser.closeShutter();
}
