// Finds the fibre coupling peak with an adaptive scan (fine steps on the peak, coarse ones on
// the dark baseline), then finds where the power first reaches half the peak with a line scan
// that stops there. Check it, then run it in simulated time:
//
//   daq check examples/adaptive_peak.js --config examples/lab.toml
//   daq run examples/adaptive_peak.js --config examples/lab.toml --sim-time

/** Power read at a point, W. */
function powerAt(point) {
  return Number(point.readings.power_meter.value);
}

/**
 * Centre of a Gaussian peak: a parabola fitted to ln(power) of the points above half the
 * highest (the logarithm of a Gaussian is a parabola, its vertex the centre).
 */
function gaussianCentre(points) {
  const highest = Math.max(...points.map(powerAt));
  const top = points.filter((p) => powerAt(p) > highest / 2);
  const mean = top.reduce((sum, p) => sum + p.positions.stage, 0) / top.length;
  const s = [0, 0, 0, 0, 0];
  const r = [0, 0, 0];
  for (const p of top) {
    const u = p.positions.stage - mean;
    for (let k = 0; k < 5; k++) s[k] += u ** k;
    for (let k = 0; k < 3; k++) r[k] += Math.log(powerAt(p)) * u ** k;
  }
  const det = (a, b, c, d, e, f, g, h, i) => a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  const d = det(s[0], s[1], s[2], s[1], s[2], s[3], s[2], s[3], s[4]);
  const slope = det(s[0], r[0], s[2], s[1], r[1], s[3], s[2], r[2], s[4]) / d;
  const curvature = det(s[0], s[1], r[0], s[1], s[2], r[1], s[2], s[3], r[2]) / d;
  return mean - slope / (2 * curvature);
}

laser.enableEmission();
laser.openShutter();
try {
  const points = adaptiveScan(stage, power_meter, {
    start: 0, stop: 30,    // mm
    minStep: 0.01,         // mm, where the power changes fastest
    maxStep: 1,            // mm, on the dark baseline
    targetDelta: 0.1,      // W between neighbouring points (the peak is ~2.8 W)
    stream: 'adaptive',
  });
  const centre = gaussianCentre(points);
  log(`peak at ${centre.toFixed(3)} mm from ${points.length} points (a 0.01 mm line scan takes 3001)`);

  // The rising edge: stop the scan at the first point above half the peak power.
  const half = Math.max(...points.map(powerAt)) / 2;
  const edge = lineScan(stage, power_meter, {
    start: 0, stop: centre, num: 101, stream: 'edge',
    stopWhen: { device: power_meter, above: half },
  });
  const last = edge[edge.length - 1];
  record('result', { peak: centre, half_power_at: last.positions.stage, adaptive_points: points.length, edge_points: edge.length });
} finally {
  laser.closeShutter();
}
