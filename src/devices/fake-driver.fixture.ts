/**
 * A fake driver for tests of the lab itself: devices that connect, fail, or hang on command.
 * Not for simulations (those are real devices with physics, in src/drivers/sim/).
 */
import { z } from 'zod';
import type { Readable, Reading } from '../capabilities/index.js';
import type { Clock } from '../core/index.js';
import { DaqError } from '../core/index.js';
import { BaseDevice } from './device.js';
import { createDriverCatalog, defineDriver } from './driver.js';
import { createParameterSet } from './parameter-set.js';

const options = z.strictObject({
  behaviour: z.enum(['ok', 'fail', 'hang']).default('ok'),
  connect_time: z.number().nonnegative().default(0.1),
  source: z.string().default(''),
  gain: z.number().default(1),
  /** Fails this many connects (as `fail` does), then connects. */
  fail_connects: z.number().int().nonnegative().default(0),
  /** Refuses a gain above this when it is set (a limit only the connected device knows). */
  max_gain: z.number().default(10),
});

/** A readable fake device with a `gain` setting (0..10). */
export class FakeDevice extends BaseDevice implements Readable {
  readonly driver = 'fake';
  private gain: number;
  private connects = 0;
  private readonly settings;

  constructor(
    name: string,
    private readonly opts: z.output<typeof options>,
    private readonly clock: Clock,
  ) {
    super(name);
    this.gain = opts.gain;
    this.settings = createParameterSet(name, [
      { name: 'gain', type: 'number', units: '', min: 0, max: 10, description: 'gain', get: () => this.gain, set: (v) => {
        if ((v as number) > this.opts.max_gain) throw new DaqError('out_of_range', `gain ${String(v)} is above this unit's ${this.opts.max_gain}`);
        this.gain = v as number;
      } },
    ]);
  }

  parameters = () => this.settings.parameters();
  getParameter = (name: string) => this.settings.getParameter(name);
  setParameter = (name: string, value: number | string | boolean) => this.settings.setParameter(name, value);

  read(): Promise<Reading> {
    return this.operation('read', async () => ({ value: this.gain, timestampS: this.clock.now(), units: 'V' }));
  }

  describe() {
    return { dtype: 'float64' as const, shape: [], units: 'V' };
  }

  protected async openConnection(signal: AbortSignal): Promise<void> {
    if (this.opts.behaviour === 'hang') return new Promise<void>(() => undefined);
    await this.clock.sleep(this.opts.connect_time, signal);
    this.connects++;
    if (this.opts.behaviour === 'fail' || this.connects <= this.opts.fail_connects) throw new DaqError('unavailable', 'serial port /dev/ttyFAKE not found');
  }

  protected async closeConnection(): Promise<void> {}
}

/** A catalog with the `fake` driver (and `fake-follower`, which refers to a Readable `source`). */
export const FAKE_DRIVERS = createDriverCatalog([
  defineDriver({
    name: 'fake',
    summary: 'a fake device for tests',
    options,
    create: (name, o, context) => new FakeDevice(name, o, context.clock),
  }),
  defineDriver({
    name: 'fake-follower',
    summary: 'a fake device that refers to another',
    options,
    references: (o) => [{ field: 'source', device: o.source, capability: 'Readable' }],
    create: (name, o, context) => new FakeDevice(name, o, context.clock),
  }),
]);
