// Suspenders: conditions that hold a run while they are true and let it go on by itself once
// they have been clear for a settle time. Here the power meter watches the beam on the coupling
// peak, and the room thermometer (which drifts by ±0.5 °C over 10 minutes) must stay in a band.
// While either condition holds, the count holds between points; a point read while one held is
// read again, so the stream has every point once. See docs/scripting.md, "Suspenders".
//
//   daq run examples/suspenders.js --config examples/lab.toml --sim-time
//
// Each suspension and resumption is an event of the run's `suspensions` stream.

const points = Number(params.points ?? 120);
const delay = Number(params.delay ?? 5);   // s between points

laser.enableEmission();
laser.openShutter();
try {
  stage.moveAbs(12.5);                     // mm: on the coupling peak, where the meter sees the beam
  // The beam is lost (the laser dropped out, a shutter closed): hold until it is back for 2 s.
  const beam = suspendWhen(power_meter, { below: 0.5, settle: 2 });
  // The room left 21.1..21.9 °C: hold until it has been back in the band for 30 s.
  suspendWhen(thermometer, { method: 'temperature', outside: [21.1, 21.9], settle: 30 });
  count([power_meter, thermometer], { num: points, delay });
  beam.remove();                           // before closing the shutter: no beam is expected from here on
} finally {
  laser.closeShutter();                    // runs even when the run is aborted
}
