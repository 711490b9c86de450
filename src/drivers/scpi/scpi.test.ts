/**
 * The generic SCPI driver against the SCPI simulator over TCP (and a PTY): the capabilities
 * come from the config, the conformance suites of those capabilities pass, and the
 * instrument's own error messages come back.
 */
import { describe, expect, it } from 'vitest';
import { conformanceFor, expectDaqError } from '../../conformance/index.js';
import { capabilitiesOf, isVoltageSource } from '../../capabilities/index.js';
import type { DeviceState } from '../../devices/index.js';
import { makeDevice, simulatorOnPty, simulatorOnTcp, untilState, wireHarness } from '../common/wire-harness.fixture.js';
import { serveTcp } from '../../transports/sim/index.js';
import { scpiDriver, ScpiSimulator } from './index.js';

const simulator = new ScpiSimulator();
const tcp = await simulatorOnTcp(simulator);
const pty = await simulatorOnPty(new ScpiSimulator(), 'scpi');
const full = (port: string): Record<string, unknown> => ({
  port,
  identity: 'SIM-SCPI',
  error_query: 'SYST:ERR?',
  read: { query: 'MEAS:VOLT?', units: 'V' },
  voltage: { set: 'VOLT {value}', query: 'VOLT?', min: 0, max: 20 },
  wavelength: { set: 'SENS:CORR:WAV {value}', query: 'SENS:CORR:WAV?', min: 400, max: 1100 },
});

conformanceFor('scpi over TCP', wireHarness(scpiDriver, 'supply', () => full(tcp.address)));
conformanceFor('scpi over a PTY', wireHarness(scpiDriver, 'supply', () => ({ ...full(pty.path), wavelength: undefined, read: undefined })));

describe('scpi', () => {
  it('has only the capabilities the config describes', () => {
    const readOnly = makeDevice(scpiDriver, 'dmm', { port: tcp.address, read: { query: 'MEAS:VOLT?', units: 'V' } });
    expect(capabilitiesOf(readOnly)).toEqual(['Readable']);
  });

  it('passes on the instrument error when it refuses a value the config allows', async () => {
    const supply = makeDevice(scpiDriver, 'supply', { ...full(tcp.address), voltage: { set: 'VOLT {value}', query: 'VOLT?', min: 0, max: 50 } });
    if (!isVoltageSource(supply)) throw new Error('not a VoltageSource');
    await supply.connect(new AbortController().signal);
    try {
      const error = await expectDaqError(supply.setVoltage(40), 'out_of_range', 'setVoltage(40) on a 30 V supply');
      expect(error.message).toBe('supply: the instrument refused "VOLT 40": -222,"Data out of range"');
      await supply.setVoltage(12);
      expect(simulator.volts).toBe(12);
    } finally {
      await supply.disconnect();
    }
  });

  it('refuses to connect to an instrument that is not the one configured', async () => {
    const wrong = makeDevice(scpiDriver, 'supply', { ...full(tcp.address), identity: 'E3631A' });
    const error = await expectDaqError(wrong.connect(new AbortController().signal), 'failed_precondition', 'connect');
    expect(error.message).toContain('is not "E3631A": "*IDN?" replied "TS-DAQ,SIM-SCPI,0001,1.0"');
  });

  it('rejects a config whose template has no {value}, or whose reply pattern is not a regex', () => {
    const bad = scpiDriver.options.safeParse({ port: 'tcp://x:5025', voltage: { set: 'VOLT', query: 'VOLT?', min: 0, max: 1, parse: '([' } });
    expect(bad.success).toBe(false);
    const messages = bad.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages).toEqual(expect.arrayContaining([expect.stringContaining('voltage.set: must contain {value}'), expect.stringContaining('voltage.parse: not a valid regular expression')]));
    const groupless = scpiDriver.options.safeParse({ port: 'tcp://x:5025', read: { query: 'MEAS?', parse: '[0-9.]+' } });
    expect(groupless.success ? [] : groupless.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([expect.stringContaining('read.parse: needs a capture group')]);
  });

  it('goes faulted when the instrument drops the TCP connection, and reconnects when it listens again', async () => {
    const lan = new ScpiSimulator();
    let server = await serveTcp(lan);
    const supply = makeDevice(scpiDriver, 'supply', full(server.address));
    await supply.connect(new AbortController().signal);
    const reached = (state: DeviceState): Promise<void> => untilState(supply, state);
    try {
      const faulted = reached('faulted');
      await server.close();
      await faulted;
      expect(supply.fault?.message).toMatch(/^supply: lost the connection: tcp:\/\/127\.0\.0\.1:\d+ was lost/);
      const idle = reached('idle');
      server = await serveTcp(lan, server.port);
      await idle;
      if (!isVoltageSource(supply)) throw new Error('not a VoltageSource');
      await supply.setVoltage(3);
      expect(lan.volts).toBe(3);
    } finally {
      await supply.disconnect();
      await server.close();
    }
  });
});
