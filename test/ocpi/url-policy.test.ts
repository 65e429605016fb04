import { UrlPolicy, UrlPolicyError } from '../../src/ocpi/url-policy.js';

const strict = new UrlPolicy({ allowPrivate: false, extraDeniedCidrs: ['203.0.113.0/24'] });
const lenient = new UrlPolicy({ allowPrivate: true, extraDeniedCidrs: [] });

test.each([
  ['ftp://peer.example.com/versions', 'scheme'],
  ['https://user:pw@peer.example.com/versions', 'credentials'],
  ['http://169.254.169.254/latest/meta-data', 'denied'],
  ['http://[fe80::1]/x', 'denied'],
  ['http://metadata.google.internal/computeMetadata', 'not allowed'],
  ['http://10.1.2.3/versions', 'denied'],
  ['http://127.0.0.1:3000/versions', 'denied'],
  ['http://localhost:3000/versions', 'loopback'],
  ['http://[::ffff:127.0.0.1]/x', 'denied'],
  ['http://203.0.113.7/versions', 'denied'],
  ['not a url', 'absolute'],
])('by default refuses %s', (url, reason) => {
  expect(() => strict.check(url)).toThrow(UrlPolicyError);
  expect(() => strict.check(url)).toThrow(reason);
});

test('the refusal message never repeats URL credentials', () => {
  expect(() => strict.check('https://user:s3cret@peer.example.com/')).toThrow(/^(?!.*s3cret)/);
});

test('public http(s) URLs pass', () => {
  expect(strict.check('https://ocpi.peer.example.com/versions').hostname).toBe('ocpi.peer.example.com');
});

test('private and loopback ranges pass only when configured, link-local never', () => {
  expect(() => lenient.check('http://127.0.0.1:3000/versions')).not.toThrow();
  expect(() => lenient.check('http://192.168.1.10/versions')).not.toThrow();
  expect(() => lenient.check('http://169.254.169.254/')).toThrow(UrlPolicyError);
});

test('a host name is checked again at connect time against what DNS returns', (done) => {
  strict.lookup('localhost', {}, (err: Error | null) => {
    expect(err).toBeInstanceOf(UrlPolicyError);
    done();
  });
});
