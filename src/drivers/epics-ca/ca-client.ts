/**
 * The Channel Access client of this process, on `epics-tca` (npm; a TypeScript CA client).
 * One CA context serves every `epics-ca` device: it is created when the first device connects
 * and destroyed when the last one disconnects. `epics-tca` keeps its network settings
 * (EPICS_CA_ADDR_LIST, EPICS_CA_SERVER_PORT, ...) in a process-wide singleton, so all devices of a
 * process must agree on them; a device that asks for other settings is refused with both named.
 */
import { Context, type Channel, type_log_levels } from 'epics-tca';
import { DaqError } from '../../core/index.js';

/** Network settings of the CA client; `undefined` fields come from the environment (EPICS_CA_*). */
export interface CaNetwork {
  addrList?: string | undefined;
  serverPort?: number | undefined;
  repeaterPort?: number | undefined;
}

/** `Channel_STATES.CREATED` of epics-tca: the channel is connected to its IOC. */
const CHANNEL_CREATED = 3;

let context: Context | undefined;
let starting: Promise<Context> | undefined;
let users = 0;
/** The settings the singleton was first created with (they never change afterwards). */
let firstSettings: string | undefined;

function environmentOf(network: CaNetwork): Record<string, string> {
  const env: Record<string, string> = {};
  if (network.addrList !== undefined) {
    env.EPICS_CA_ADDR_LIST = network.addrList;
    env.EPICS_CA_AUTO_ADDR_LIST = 'NO';
  }
  if (network.serverPort !== undefined) env.EPICS_CA_SERVER_PORT = String(network.serverPort);
  if (network.repeaterPort !== undefined) env.EPICS_CA_REPEATER_PORT = String(network.repeaterPort);
  // Searches back off from 0.1 s; capped at 5 s (default 300 s) so a restarted IOC is found soon.
  env.EPICS_CA_MAX_SEARCH_PERIOD = '5';
  return env;
}

function describeSettings(env: Record<string, string>): string {
  const entries = Object.entries(env).filter(([key]) => key !== 'EPICS_CA_MAX_SEARCH_PERIOD');
  return entries.length === 0 ? 'the environment' : entries.map(([k, v]) => `${k}=${v}`).join(' ');
}

/** Takes a share of the process's CA context (creating it); give it back with {@link releaseCaContext}. */
export async function acquireCaContext(network: CaNetwork, device: string): Promise<Context> {
  const env = environmentOf(network);
  const settings = describeSettings(env);
  if (firstSettings !== undefined && firstSettings !== settings) {
    throw new DaqError(
      'failed_precondition',
      `${device}: this daemon's Channel Access client is set up with ${firstSettings}; this device asks for ${settings} (all epics-ca devices of one daemon must use the same addr_list, server_port and repeater_port)`,
      { device },
    );
  }
  firstSettings = settings;
  users++;
  try {
    if (context !== undefined) return context;
    starting ??= (async () => {
      // Log only fatal errors: epics-tca prints each failed search or closed circuit on the console;
      // the devices report those themselves (faults naming the PV).
      const created = new Context(env, type_log_levels.fatal);
      // epics-tca runs a CA repeater in a worker thread, and may start a second one while the
      // first is still running, keeping no reference to the first: destroyHard() then cannot end
      // it, and it would keep the process alive (a one-shot `daq devices` never exited). Unref'd,
      // the repeater threads live as long as the process does and never hold it.
      const setRepeaterThread = created.setRepeaterThread;
      created.setRepeaterThread = (thread) => {
        if (thread !== undefined && 'unref' in thread) thread.unref();
        setRepeaterThread(thread);
      };
      await created.initialize();
      context = created;
      return created;
    })().finally(() => {
      starting = undefined;
    });
    return await starting;
  } catch (error) {
    users--;
    throw error;
  }
}

/** Gives back a share of the CA context; the last one destroys it (sockets, timers, repeater thread). */
export function releaseCaContext(): void {
  users = Math.max(0, users - 1);
  if (users > 0 || context === undefined) return;
  const closing = context;
  context = undefined;
  closing.destroyHard();
}

/** True when `channel` is connected to its IOC. */
export function channelConnected(channel: Channel): boolean {
  return channel.getState() === CHANNEL_CREATED;
}

/** Finds and connects the channel `pv`; rejects naming the PV when no IOC answers within `timeoutS`. */
export async function openChannel(ctx: Context, pv: string, timeoutS: number, device: string): Promise<Channel> {
  const channel = await ctx.createChannel(pv, 'ca', timeoutS);
  if (channel === undefined) {
    throw new DaqError('unavailable', `${device}: no IOC answered for PV "${pv}" within ${timeoutS} s (is the IOC running, and is the name right? EPICS_CA_ADDR_LIST decides where the search goes)`, { device });
  }
  return channel;
}

/** Reads a scalar from `channel` (the first element of an array), as epics-tca returns it. */
export async function getValue(channel: Channel, timeoutS: number, device: string): Promise<number | string> {
  const data = await channel.get(timeoutS);
  const value: unknown = (data as { value?: unknown } | undefined)?.value;
  const first = Array.isArray(value) ? (value[0] as unknown) : value;
  if (typeof first !== 'number' && typeof first !== 'string') {
    throw new DaqError('unavailable', `${device}: no reply from the IOC for "${channel.getName()}" within ${timeoutS} s`, { device });
  }
  return first;
}

/** Reads a number from `channel`; a string PV is refused naming it. */
export async function getNumber(channel: Channel, timeoutS: number, device: string): Promise<number> {
  const value = await getValue(channel, timeoutS, device);
  if (typeof value !== 'number') {
    throw new DaqError('invalid_argument', `${device}: PV "${channel.getName()}" holds text ("${value}"), not a number`, { device });
  }
  return value;
}

/** Writes `value` to `channel` (a CA put; with `notify`, waits for the IOC's completion). */
export async function putValue(channel: Channel, value: number, timeoutS: number, device: string, notify = true): Promise<void> {
  const status = await channel.put([value], timeoutS, notify);
  if (notify && status === undefined) {
    throw new DaqError('unavailable', `${device}: the IOC did not confirm the write of ${value} to "${channel.getName()}" within ${timeoutS} s`, { device });
  }
}
