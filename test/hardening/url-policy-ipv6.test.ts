/**
 * IPv6 forms of forbidden IPv4 addresses (issue 13, item 6): the outbound URL policy extracts
 * the IPv4 address an IPv6 form carries and judges it like the plain one.
 */
import { UrlPolicy, UrlPolicyError, embeddedIpv4 } from '../../src/ocpi/url-policy.js';
import { aCredentialsRole } from '../helpers/builders.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../helpers/platform.js';

const strict = new UrlPolicy({ allowPrivate: false, extraDeniedCidrs: [] });
// What the test platforms run with: private ranges allowed, link-local (metadata) never.
const lenient = new UrlPolicy({ allowPrivate: true, extraDeniedCidrs: [] });

const METADATA_FORMS: Array<[string, string]> = [
  ['IPv4-mapped (::ffff:0:0/96), dotted', '[::ffff:169.254.169.254]'],
  ['IPv4-mapped (::ffff:0:0/96), hex', '[::ffff:a9fe:a9fe]'],
  ['SIIT-translated (::ffff:0:0:0/96)', '[::ffff:0:a9fe:a9fe]'],
  ['IPv4-compatible (::/96)', '[::169.254.169.254]'],
  ['NAT64 well-known prefix (64:ff9b::/96)', '[64:ff9b::169.254.169.254]'],
  ['NAT64 local-use prefix (64:ff9b:1::/48)', '[64:ff9b:1:a9fe:a9:fea9::]'],
  ['6to4 (2002::/16)', '[2002:a9fe:a9fe::1]'],
  ['Teredo (2001::/32), client address', '[2001:0:4136:e378:8000:63bf:5601:5601]'],
];

test.each(METADATA_FORMS)('the metadata address in %s form is refused, even with private ranges allowed', (_form, host) => {
  for (const policy of [strict, lenient]) {
    expect(() => policy.check(`http://${host}/latest/meta-data`)).toThrow(UrlPolicyError);
    expect(() => policy.check(`http://${host}/latest/meta-data`)).toThrow('169.254.169.254');
  }
});

test.each(METADATA_FORMS)('the metadata address in %s form is refused when DNS returns it at connect time', (_form, host) => {
  expect(() => lenient.checkAddress(host.slice(1, -1))).toThrow(UrlPolicyError);
});

test.each([
  ['NAT64 of a private address', 'http://[64:ff9b::10.0.0.1]/x'],
  ['6to4 of loopback', 'http://[2002:7f00:1::]/x'],
  ['IPv4-compatible loopback', 'http://[::127.0.0.1]/x'],
])('%s is refused like the plain private address when private ranges are not allowed', (_name, url) => {
  expect(() => strict.check(url)).toThrow(UrlPolicyError);
  expect(() => lenient.check(url)).not.toThrow();
});

test('the same forms embedding a public address pass', () => {
  for (const url of ['http://[64:ff9b::5db8:d822]/x', 'http://[2002:5db8:d822::1]/x', 'http://[::ffff:93.184.216.34]/x', 'http://[2001:db8::1]/x']) {
    expect(() => strict.check(url)).not.toThrow();
  }
});

test('the unspecified and loopback IPv6 addresses are judged as themselves, not as 0.0.0.0/0.0.0.1', () => {
  expect(embeddedIpv4('::')).toBeNull();
  expect(embeddedIpv4('::1')).toBeNull();
  expect(() => lenient.check('http://[::1]:3000/versions')).not.toThrow();
  expect(() => strict.check('http://[::1]:3000/versions')).toThrow(UrlPolicyError);
});

describe('over HTTP', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform('hardening_url_ipv6');
  });
  afterAll(async () => {
    await platform.stop();
  });

  test.each(METADATA_FORMS)('an admin connect to a versions URL at the metadata address in %s form is 422 and stores nothing', async (_form, host) => {
    const res = await platform.admin().post('/peers/connect', { versions_url: `http://${host}/versions`, token: 'token-a-of-the-peer' });
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.body)).toContain('169.254.169.254');
    expect(await platform.ctx.db.peer.count()).toBe(0);
  });

  test('a peer registering with a versions URL at the NAT64 form of the metadata address gets 2001 naming url, and Token A stays usable', async () => {
    const invitation = await platform.admin().post('/peers/invitations', {}).expect(201);
    const res = await request(platform.url)
      .post('/ocpi/2.2.1/credentials')
      .set('Authorization', tokenHeader(invitation.body.token))
      .send({ token: 'their-token', url: 'http://[64:ff9b::a9fe:a9fe]/versions', roles: [aCredentialsRole()] });
    expect(res.body.status_code).toBe(2001);
    expect(res.body.status_message).toContain('url');
    expect((await platform.ctx.db.peer.findUniqueOrThrow({ where: { id: invitation.body.peer_id } })).status).toBe('PENDING');
  });
});
