import { describe, expect, it } from 'vitest';
import { connectCluster } from './connection.js';
import { labNames, tokenProblem } from './names.js';
import { freePort, NatsServer } from './nats.fixture.js';

describe('the lab names in NATS', () => {
  it('builds subjects, the stream and buckets from the lab id and daemon name', () => {
    const names = labNames('optics');
    expect(names.subject('camera-pc', 'docs')).toBe('daq.optics.camera-pc.docs');
    expect(names.device('camera-pc', 'camera')).toBe('daq.optics.camera-pc.device.camera');
    expect(names.stream).toBe('DAQ_OPTICS');
    expect(names.streamSubjects).toEqual(['daq.optics.*.docs', 'daq.optics.*.status', 'daq.optics.*.logs']);
    expect(names.bucket('presence')).toBe('daq_optics_presence');
  });

  it('refuses names that would change what a subject means, saying which character', () => {
    expect(() => labNames('my.lab')).toThrow(/lab id "my.lab" contains "\."/);
    expect(() => labNames('optics').subject('camera pc', 'docs')).toThrow(/daemon name "camera pc" contains a space/);
    expect(() => labNames('optics').device('pc', 'cam*')).toThrow(/device name "cam\*" contains "\*"/);
    expect(tokenProblem('a>b')).toMatch(/">"/);
    expect(tokenProblem('')).toBe('is empty');
  });
});

describe('connectCluster', () => {
  it('connects to a real nats-server and opens the lab bucket with JetStream', async () => {
    const server = await NatsServer.start();
    const cluster = await connectCluster({ url: server.url, lab: 'optics', daemon: 'rig-1' });
    try {
      const kv = await cluster.kv('presence', { ttl: 10_000 });
      await kv.put('rig-1', 'hello');
      expect((await kv.get('rig-1'))?.string()).toBe('hello');
      expect((await cluster.jsm.streams.info('KV_daq_optics_presence')).config.max_age).toBe(10_000 * 1_000_000);
      expect(cluster.connected).toBe(true);
    } finally {
      await cluster.close();
    }
  });

  it('says which server it could not reach', async () => {
    const port = await freePort();
    await expect(connectCluster({ url: `nats://127.0.0.1:${port}`, lab: 'optics', daemon: 'rig-1', timeoutMs: 2000 })).rejects.toThrow(new RegExp(`cannot reach the NATS server at nats://127.0.0.1:${port}`));
  });

  it('names a missing credentials file', async () => {
    await expect(connectCluster({ url: 'nats://127.0.0.1:4222', lab: 'optics', daemon: 'rig-1', credsFile: '/nonexistent/x.creds' })).rejects.toThrow(/cannot read the cluster credentials file \(--cluster-creds\) \/nonexistent\/x.creds: no such file/);
  });
});
