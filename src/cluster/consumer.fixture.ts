/**
 * A durable JetStream consumer of a lab's documents, as a pipeline on another host would have
 * one: explicit acks, all of the stream from its start. `take` fetches (and acks) until a
 * condition on everything received so far holds; `close` goes away without deleting the
 * durable consumer, so a new `DocsConsumer` of the same name goes on where it stopped.
 */
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';

/** One document as the consumer received it. */
export interface ReceivedDocument {
  daemon: string;
  runUid: string;
  index: number;
  name: string;
  json: string;
  msgId: string;
  streamSeq: number;
  redelivered: boolean;
}

/** A durable consumer of `daq.<lab>.*.docs`. */
export class DocsConsumer {
  readonly received: ReceivedDocument[] = [];
  private readonly seen = new Set<number>();

  private constructor(
    private readonly nc: NatsConnection,
    private readonly stream: string,
    private readonly durable: string,
  ) {}

  /** Opens (creating it once) durable consumer `durable` on the lab's stream; waits for the stream to exist. */
  static async open(url: string, lab: string, durable: string): Promise<DocsConsumer> {
    const nc = await connect({ servers: url });
    const stream = `DAQ_${lab.toUpperCase()}`;
    const jsm = await jetstreamManager(nc);
    const until = Date.now() + 60_000;
    for (;;) {
      try {
        await jsm.streams.info(stream);
        break;
      } catch (error) {
        if (Date.now() > until) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    await jsm.consumers.add(stream, { durable_name: durable, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, filter_subject: `daq.${lab}.*.docs` });
    return new DocsConsumer(nc, stream, durable);
  }

  /** Fetches and acks until `done(received)` holds (or `giveUpS` passes: then throws, saying what came). */
  async take(done: (received: readonly ReceivedDocument[]) => boolean, giveUpS = 90): Promise<ReceivedDocument[]> {
    const until = Date.now() + giveUpS * 1000;
    while (!done(this.received)) {
      if (Date.now() > until) throw new Error(`the consumer got ${this.received.length} documents in ${giveUpS} s, not what was awaited: ${summarize(this.received)}`);
      try {
        const consumer = await jetstream(this.nc).consumers.get(this.stream, this.durable);
        for await (const m of await consumer.fetch({ max_messages: 1000, expires: 1000 })) {
          // Processed once: a message whose ack was lost with the server comes again (redelivered),
          // and is recognised by its stream sequence, as any consumer that must not see one twice does.
          if (!this.seen.has(m.info.streamSequence)) {
            this.seen.add(m.info.streamSequence);
            const [, , daemon = ''] = m.subject.split('.');
            this.received.push({
              daemon,
              runUid: m.headers?.get('Daq-Run') ?? '',
              index: Number(m.headers?.get('Daq-Index')),
              name: m.headers?.get('Daq-Document') ?? '',
              json: m.string(),
              msgId: m.headers?.get('Nats-Msg-Id') ?? '',
              streamSeq: m.info.streamSequence,
              redelivered: m.info.redelivered,
            });
          }
          m.ack();
        }
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100)); // the server is away: the client reconnects
      }
    }
    await this.nc.flush();
    return this.received;
  }

  /** Goes away (the durable consumer stays on the server, with what was acked). */
  async close(): Promise<void> {
    await this.nc.flush().catch(() => undefined);
    await this.nc.close();
  }
}

/** The documents of one run, in the order received. */
export function ofRun(received: readonly ReceivedDocument[], runUid: string): ReceivedDocument[] {
  return received.filter((d) => d.runUid === runUid);
}

/** Whether the run's stop document has come. */
export function hasStop(received: readonly ReceivedDocument[], runUid: string): boolean {
  return received.some((d) => d.runUid === runUid && d.name === 'stop');
}

/** Runs, their document counts and names, for a failure message. */
export function summarize(received: readonly ReceivedDocument[]): string {
  const runs = new Map<string, string[]>();
  for (const d of received) runs.set(d.runUid, [...(runs.get(d.runUid) ?? []), `${d.index}:${d.name}`]);
  return [...runs].map(([uid, docs]) => `${uid.slice(0, 8)} [${docs.length}] ${docs.slice(0, 3).join(' ')} ... ${docs.slice(-3).join(' ')}`).join('; ');
}
