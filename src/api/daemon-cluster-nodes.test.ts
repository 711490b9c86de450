/**
 * Three NATS nodes from examples/nats/node-*.conf (ports moved to free ones) form one JetStream
 * cluster; a daemon with `--cluster-replicas 3` keeps its documents on all three, and a node
 * killed mid-run loses none of them and doubles none.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connectCluster } from '../cluster/connection.js';
import { DocsConsumer, hasStop, ofRun, summarize } from '../cluster/consumer.fixture.js';
import { NatsServer } from '../cluster/nats.fixture.js';
import { lastPublished } from '../cluster/publisher.js';
import { followRun, inlineRun, ROOT, startDaemonProcess, TestProcesses } from './daemon.fixture.js';
import { ControlService } from './gen/daq/v1/control_pb.js';

const LAB = 'nodes';
const processes = new TestProcesses();
afterEach((context) => processes.cleanup(context));

describe('a 3-node NATS cluster', () => {
  it('forms from the example configs, holds the lab stream on 3 replicas, and a node killed mid-run loses no document', async () => {
    const nodes = await NatsServer.cluster(3, join(ROOT, 'examples/nats/node-a.conf'));
    const urls = nodes.map((node) => node.url).join(',');
    const dir = await processes.labDir();
    // The daemon talks to the node that will die: it must move to another one.
    const daemon = await startDaemonProcess(processes, dir, { args: ['--cluster', nodes[2]?.url ?? '', '--name', 'rig-1', '--lab', LAB, '--cluster-replicas', '3', '--grace', '1'] });
    const consumer = await DocsConsumer.open(nodes[0]?.url ?? '', LAB, 'nodes');
    processes.defer(() => consumer.close());

    const watcher = await connectCluster({ url: urls, lab: LAB, daemon: 'watcher' });
    processes.defer(() => watcher.close());
    await expect.poll(async () => (await watcher.jsm.streams.info(watcher.names.stream).catch(() => undefined))?.config.num_replicas).toBe(3);
    // Once elected, a leader and its two followers: the three nodes.
    await expect.poll(async () => {
      const { cluster } = await watcher.jsm.streams.info(watcher.names.stream);
      return [cluster?.leader, ...(cluster?.replicas ?? []).map((r) => r.name)].sort();
    }).toEqual(['node-a', 'node-b', 'node-c']);

    const { run } = await daemon.client().call(ControlService.method.startRun, inlineRun('for (let i = 0; i < 2000; i++) { record("s", { i }); sleep(0.002); }'));
    const uid = run?.uid ?? '';
    await expect.poll(async () => ((await lastPublished(watcher, 'rig-1').catch(() => undefined))?.index ?? 0) >= 50, { timeout: 60_000 }).toBe(true);
    await nodes[2]?.kill();
    await daemon.proc.waitFor(/reconnected to NATS at/, 'stderr');

    const received = await consumer.take((got) => hasStop(got, uid));
    const ids = received.map((d) => d.msgId);
    expect(new Set(ids).size, summarize(received)).toBe(ids.length);
    const api = (await followRun(daemon.client(), uid)).documents.map((d) => ({ index: d.index, name: d.name, json: d.json }));
    const got = ofRun(received, uid).map((d) => ({ index: d.index, name: d.name, json: d.json }));
    // Every document once, byte for byte (nothing lost, nothing doubled).
    expect([...got].sort((a, b) => a.index - b.index)).toEqual(api);
    // In order, unless a publish was lost on the dying node while later ones were stored: then the
    // daemon publishes again from the lost one and says so (docs/cluster.md), and consumers order
    // that run by its Daq-Index header.
    const republished = /document (\d+) was lost while \d+ after it were stored; publishing again from it/.exec(daemon.proc.stderr);
    if (republished === null) expect(got).toEqual(api);
    else expect(got.findIndex((d, i) => d.index !== api[i]?.index)).toBe(Number(republished[1]));
  });
});
