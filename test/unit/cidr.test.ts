/** core/cidr.ts: `fleet discover --cidr` parsing, pure (it replaced node:net isIPv4 with the same rule). */
import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { cidrHosts, isIPv4, parseCidr, rangesAround, rangeWithin } from '../../src/core/cidr.js';
import { FleetError } from '../../src/core/errors.js';

describe('core/cidr', () => {
  it('isIPv4 agrees with node:net on dotted quads, leading zeros and out-of-range parts included', () => {
    for (const ip of [
      '1.2.3.4',
      '0.0.0.0',
      '255.255.255.255',
      '10.77.14.0',
      '01.2.3.4',
      '1.2.3.04',
      '256.1.1.1',
      '1.2.3.00',
      '999.0.0.1',
    ]) {
      expect(isIPv4(ip), ip).toBe(isIP(ip) === 4);
    }
  });

  it('parses a range to its network base and lists the hosts without network and broadcast', () => {
    const c = parseCidr('10.77.14.9/30');
    expect(c).toEqual({ base: (10 << 24) + (77 << 16) + (14 << 8) + 8, prefix: 30, size: 4 });
    expect(cidrHosts(c)).toEqual(['10.77.14.9', '10.77.14.10']);
    expect(cidrHosts(parseCidr('10.77.14.9'))).toEqual(['10.77.14.9']);
  });

  it('refuses what is not a range, and a range larger than /16 without force', () => {
    expect(() => parseCidr('10.77.14.0/33')).toThrow(FleetError);
    expect(() => parseCidr('01.2.3.4/24')).toThrow('is not an IPv4 range like 10.77.14.0/24');
    expect(() => parseCidr('10.0.0.0/15')).toThrow('ranges larger than /16 need --force');
    expect(parseCidr('10.0.0.0/15', true).size).toBe(2 ** 17);
  });
});

describe('ranges for a scan derived from the inventory', () => {
  it('gives the /24 of each address once, and none for names', () => {
    expect(rangesAround(['10.77.2.2', '10.77.2.9', 'spark.local', '192.168.1.20'])).toEqual([
      '10.77.2.0/24',
      '192.168.1.0/24',
    ]);
  });
  it('tells whether a range lies inside the allowed ones', () => {
    expect(rangeWithin('10.77.2.0/28', ['10.77.2.0/24'])).toBe(true);
    expect(rangeWithin('10.77.2.0/24', ['10.77.2.0/24'])).toBe(true);
    expect(rangeWithin('10.77.0.0/16', ['10.77.2.0/24'])).toBe(false);
    expect(rangeWithin('10.78.2.0/24', ['10.77.2.0/24'])).toBe(false);
  });
});
