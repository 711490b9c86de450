// A raster of stage position x laser wavelength in one plan: any quantity a device can set is an
// axis (a stage, laser.wavelength, a voltage source, camera.exposure, a temperature setpoint).
// The stream records stage (mm) and laser_wavelength (nm), each with its setpoint, and the power.
//
//   daq run examples/raster_scan.js --config examples/lab.toml --sim-time

laser.enableEmission();
laser.openShutter();
try {
  const points = gridScan(stage, laser.wavelength, power_meter, {
    outer: { start: 11.5, stop: 13.5, num: 5 },   // mm
    inner: { start: 740, stop: 860, num: 4 },     // nm
    snake: true,                                  // the wavelength sweeps back and forth
  });
  let best = points[0];
  for (const p of points) if (p.readings.power_meter.value > best.readings.power_meter.value) best = p;
  log(`most power at ${best.positions.stage.toFixed(2)} mm, ${best.positions.laser_wavelength.toFixed(0)} nm`);
} finally {
  laser.closeShutter();
}
