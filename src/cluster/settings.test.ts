import { describe, expect, it } from 'vitest';
import { clusterSettings, defaultDaemonName } from './settings.js';

describe('a daemon\'s cluster settings', () => {
  it('are none without a server anywhere: nothing changes on one machine', () => {
    expect(clusterSettings({}, {}, 'lab.toml')).toBeUndefined();
  });

  it('take the lab config, the command line over it, and defaults for the rest', () => {
    expect(clusterSettings({ url: 'nats://a:4222', daemon: 'rig-1', id: 'optics' }, {}, 'lab.toml')).toEqual({ url: 'nats://a:4222', daemon: 'rig-1', lab: 'optics' });
    expect(clusterSettings({ url: 'nats://a:4222', daemon: 'rig-1', id: 'optics' }, { url: 'nats://b:4222', daemon: 'cam', lab: 'xray', credsFile: 'x.creds', replicas: 3 }, 'lab.toml')).toEqual({ url: 'nats://b:4222', daemon: 'cam', lab: 'xray', credsFile: 'x.creds', replicas: 3 });
    expect(clusterSettings({}, { url: 'nats://a:4222' }, 'lab.toml')).toEqual({ url: 'nats://a:4222', daemon: defaultDaemonName(), lab: 'default' });
    expect(defaultDaemonName()).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('refuse cluster options without a server, and bad names saying where they came from', () => {
    expect(() => clusterSettings({}, { daemon: 'rig-1', lab: 'optics' }, 'lab.toml')).toThrow('--name, --lab are only for a cluster: give --cluster nats://HOST:PORT, or [lab] cluster in lab.toml');
    expect(() => clusterSettings({ url: 'nats://a:4222' }, { daemon: 'rig.1' }, 'lab.toml')).toThrow(/daemon name "rig.1" \(--name\) contains "\."/);
    expect(() => clusterSettings({ url: 'nats://a:4222', id: 'my lab' }, {}, 'lab.toml')).toThrow(/lab id "my lab" \(lab.toml \[lab\] id\) contains a space/);
  });
});
