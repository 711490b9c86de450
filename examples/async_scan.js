// A script written the async way, as other systems teach: `await` on device calls works (a device
// call answers when it is done, so `await` waits for nothing more), and a reading of the power
// meter is a number, so `p.value > threshold` type-checks. `daq run` checks the script against
// the lab before anything moves (daq check does the same on its own).
//
//   daq run examples/async_scan.js --config examples/lab.toml --param threshold=2.5

const threshold = Number(params.threshold ?? 2);      // W

await laser.enableEmission();
await laser.openShutter();
try {
  for (const x of [11.5, 12, 12.5, 13, 13.5]) {
    await stage.moveAbs(x);                           // mm; waits until the stage has settled
    const p = await power_meter.read();
    record('coupling', { position: await stage.position(), power: p });
    if (p.value > threshold) log(`coupled at ${x} mm: ${p.value.toFixed(3)} ${p.units}`);
  }
} finally {
  await laser.closeShutter();                         // runs even if the run is aborted
}
