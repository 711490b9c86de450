import { describe, expect, it } from 'vitest';
import { createRateLimiter, hostOf } from './rate-limit.js';

describe('per-client budgets for heavy calls', () => {
  it('lets a burst through, refuses beyond it with resource_exhausted, and refills with time', () => {
    let now = 0;
    const limit = createRateLimiter({ 'ControlService.checkScript': { perS: 2, burst: 3 } }, () => now);
    for (let i = 0; i < 3; i++) limit('ControlService.checkScript', '10.0.0.5:4000');
    expect(() => limit('ControlService.checkScript', '10.0.0.5:4001')).toThrow(
      expect.objectContaining({ code: 'resource_exhausted', message: expect.stringContaining('too many checkScript calls from 10.0.0.5: at most 2 a second') }),
    );
    // another client, and cheap methods, are not affected
    limit('ControlService.checkScript', '10.0.0.6:4000');
    for (let i = 0; i < 1000; i++) limit('ControlService.getDaemonInfo', '10.0.0.5:4000');
    now = 0.5; // one token back
    limit('ControlService.checkScript', '10.0.0.5:4002');
    expect(() => limit('ControlService.checkScript', '10.0.0.5:4002')).toThrow(/too many/);
  });

  it('counts per host, whatever the port (a new connection per call does not escape it)', () => {
    expect(hostOf('127.0.0.1:53122')).toBe('127.0.0.1');
    expect(hostOf('[::1]:53122')).toBe('::1');
    expect(hostOf('[::ffff:10.1.2.3]:9')).toBe('::ffff:10.1.2.3');
  });
});
