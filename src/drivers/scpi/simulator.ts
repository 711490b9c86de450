/**
 * Wire simulator of a small SCPI instrument (a programmable supply with a wavelength-corrected
 * sensor), for the `scpi` driver's tests and demos; usually served on TCP like a LAN
 * instrument's raw socket (port 5025). Commands and replies end with LF. It speaks `*IDN?`,
 * `*RST`, `VOLT <v>` (0-30 V), `VOLT?`, `MEAS:VOLT?` (the output with a little ripple),
 * `SENS:CORR:WAV <nm>` (400-1100), `SENS:CORR:WAV?`, and `SYST:ERR?` with the standard codes
 * (-113 undefined header, -222 data out of range, 0 no error).
 */
import { LineSimulator, type Reply } from '../../transports/sim/index.js';

/** A simulated SCPI supply/sensor. */
export class ScpiSimulator extends LineSimulator {
  readonly instrument = 'SCPI';
  override replyTerminator = '\n';
  volts = 0;
  wavelengthNm = 633;
  private readonly errors: string[] = [];

  handle(command: string, reply: Reply): void {
    const [header = '', argument] = command.trim().split(/\s+/, 2);
    const value = Number(argument);
    switch (header.toUpperCase()) {
      case '*IDN?':
        return reply('TS-DAQ,SIM-SCPI,0001,1.0');
      case '*RST':
        this.volts = 0;
        return;
      case 'VOLT':
        if (!(value >= 0 && value <= 30)) return this.error('-222,"Data out of range"');
        this.volts = value;
        return;
      case 'VOLT?':
        return reply(this.volts.toExponential(6));
      case 'MEAS:VOLT?':
        return reply((this.volts + 1e-4 * Math.sin(this.now() * 50)).toExponential(6));
      case 'SENS:CORR:WAV':
        if (!(value >= 400 && value <= 1100)) return this.error('-222,"Data out of range"');
        this.wavelengthNm = value;
        return;
      case 'SENS:CORR:WAV?':
        return reply(String(this.wavelengthNm));
      case 'SYST:ERR?':
        return reply(this.errors.shift() ?? '0,"No error"');
      default:
        return this.error('-113,"Undefined header"');
    }
  }

  private error(entry: string): void {
    this.errors.push(entry);
  }
}
