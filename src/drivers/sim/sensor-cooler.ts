/**
 * Temperature of a thermoelectrically cooled sensor. The cooler regulates towards its setpoint
 * and the sensor follows as a first-order system (one thermal mass, one thermal resistance):
 *
 *   T(t) = Tset + (T0 - Tset) * exp(-(t - t0) / tau)
 *
 * where T0 is the temperature when the setpoint last changed, at time t0, and tau the time
 * constant. After tau the sensor has covered 63 % of the way, after 3 tau 95 %. The
 * temperature is computed from the clock when read, so no timer runs in the background.
 */

/** A first-order approach to a setpoint, in °C and seconds of clock time. */
export class SensorCooler {
  private setpointC: number;
  private startC: number;
  private startS: number;

  /**
   * @param initialC temperature at `nowS`, °C (also the first setpoint: the cooler holds it)
   * @param timeConstantS tau, s (> 0)
   * @param nowS clock time, s since the epoch
   */
  constructor(
    initialC: number,
    private readonly timeConstantS: number,
    nowS: number,
  ) {
    this.setpointC = initialC;
    this.startC = initialC;
    this.startS = nowS;
  }

  /** The sensor temperature at clock time `nowS`, °C. */
  temperature(nowS: number): number {
    const elapsedS = Math.max(0, nowS - this.startS);
    return this.setpointC + (this.startC - this.setpointC) * Math.exp(-elapsedS / this.timeConstantS);
  }

  /** The setpoint, °C. */
  setpoint(): number {
    return this.setpointC;
  }

  /** Changes the setpoint at clock time `nowS`; the approach restarts from the present temperature. */
  setSetpoint(setpointC: number, nowS: number): void {
    this.startC = this.temperature(nowS);
    this.startS = nowS;
    this.setpointC = setpointC;
  }
}
