// Several instruments together: sweep the laser's wavelength and, at each wavelength, find the
// stage position of best coupling with a line scan (each scan is its own stream).
//
//   daq run examples/multi_instrument.js --config examples/lab.toml --param wavelengths=760,800,840

const wavelengths = String(params.wavelengths ?? '760,800,840').split(',').map(Number);   // nm

laser.enableEmission();
laser.openShutter();
try {
  wavelengths.forEach((nm, i) => {
    laser.setWavelength(nm);
    power_meter.setWavelength(nm);        // calibrate the meter for this wavelength
    const points = lineScan(stage, power_meter, { start: 10, stop: 15, num: 11, stream: `scan_${nm}nm` });
    let best = points[0];
    for (const p of points) if (p.readings.power_meter.value > best.readings.power_meter.value) best = p;
    record('peaks', { wavelength: nm, best_position: best.positions.stage, best_power: best.readings.power_meter.value });
    log(`${nm} nm: best coupling at ${best.positions.stage.toFixed(2)} mm`);
    progress(i + 1, wavelengths.length);
  });
} finally {
  laser.closeShutter();
}
