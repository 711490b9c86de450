// A TypeScript experiment: coarse scan, then a fine scan around the best point.
// Check it against the lab before running anything:
//
//   daq check examples/peak_search.ts --config examples/lab.toml
//   daq run examples/peak_search.ts --config examples/lab.toml

interface Peak {
  position: number; // mm
  power: number;    // W
}

function best(points: { positions: Record<string, number>; readings: Record<string, { value: number | readonly number[] }> }[]): Peak {
  let peak: Peak = { position: NaN, power: -Infinity };
  for (const p of points) {
    const power = p.readings['power_meter']?.value as number;
    if (power > peak.power) peak = { position: p.positions['stage'] as number, power };
  }
  return peak;
}

laser.enableEmission();
laser.openShutter();
try {
  const coarse: Peak = best(lineScan(stage, power_meter, { start: 0, stop: 50, num: 26, stream: 'coarse' }));
  const lo = Math.max(0, coarse.position - 2);
  const hi = Math.min(50, coarse.position + 2);
  const fine: Peak = best(lineScan(stage, power_meter, { start: lo, stop: hi, num: 41, stream: 'fine' }));
  record('result', { position: fine.position, power: fine.power });
  log(`peak at ${fine.position.toFixed(3)} mm, ${(fine.power * 1e3).toFixed(2)} mW`);
  stage.moveAbs(fine.position);
} finally {
  laser.closeShutter();
}
