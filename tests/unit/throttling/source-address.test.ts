import { sourceOf } from '#lib/throttling/source-address';

describe('sourceOf', () => {
  it('keeps an IPv4 address as it is', () => {
    expect(sourceOf('203.0.113.7')).toBe('203.0.113.7');
    expect(sourceOf(' 203.0.113.7 ')).toBe('203.0.113.7');
  });

  it('reduces IPv6 to its /64, however it is written: one network can use any address in it', () => {
    const expected = '2001:db8:85a3:0::/64';
    expect(sourceOf('2001:db8:85a3::8a2e:370:7334')).toBe(expected);
    expect(sourceOf('2001:0DB8:85A3:0000:ffff:ffff:ffff:ffff')).toBe(expected);
    expect(sourceOf('2001:db8:85a3::1%eth0')).toBe(expected);
    expect(sourceOf('2001:db8:85a4::1')).not.toBe(expected);
    expect(sourceOf('::1')).toBe('0:0:0:0::/64');
  });

  it('treats an IPv4-mapped IPv6 address as the IPv4 address', () => {
    expect(sourceOf('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(sourceOf('::ffff:cb00:7107')).toBe('203.0.113.7');
  });

  it('puts anything that is not an address in a bucket of its own', () => {
    expect(sourceOf(undefined)).toBe('unknown');
    expect(sourceOf('')).toBe('unknown');
    expect(sourceOf('not-an-ip')).toBe('other:not-an-ip');
  });
});
