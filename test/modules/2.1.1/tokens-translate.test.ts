/** Token and real-time authorization objects between OCPI 2.1.1 and the 2.2.1 model, from the specs' examples. */
import { AuthorizationInfo } from '../../../src/model/authorization.js';
import { Token, TokenPatch } from '../../../src/model/token.js';
import { AuthorizationInfo211, LocationReferences211, Token211, Token211Patch } from '../../../src/modules/2.1.1/tokens/schemas.js';
import { authorizationFrom211, authorizationTo211, locationReferencesFrom211, tokenFrom211, tokenTo211, tokenTypeTo211 } from '../../../src/modules/2.1.1/tokens/translate.js';
import { tokens211Translation } from '../../../src/modules/2.1.1/tokens/wire-translation.js';
import type { PeerRecord } from '../../../src/platform/peers/peer-store.js';

const owner = { country_code: 'NL', party_id: 'TNM' };

/** The 2.1.1 spec's Token example (tokens §3.2). */
const example211 = {
  uid: '012345678',
  type: 'RFID',
  auth_id: 'DE8ACC12E46L89',
  visual_number: 'DF000-2001-8999',
  issuer: 'TheNewMotion',
  valid: true,
  whitelist: 'ALLOWED',
  last_updated: '2015-06-29T22:39:09Z',
};

/** The 2.2.1 spec's Token example (07-tokens §3.4, "simple APP_USER"), with the fields 2.1.1 lacks. */
const example221 = {
  country_code: 'DE',
  party_id: 'TNM',
  uid: 'bdf21bce-fc97-11e8-8eb2-f2801f1b9fd1',
  type: 'APP_USER',
  contract_id: 'DE8ACC12E46L89',
  issuer: 'TheNewMotion',
  valid: true,
  whitelist: 'ALLOWED',
  language: 'DE',
  default_profile_type: 'GREEN',
  energy_contract: { supplier_name: 'Greenpeace Energy eG', contract_id: '0123456789' },
  group_id: 'DF000-2001',
  last_updated: '2018-12-10T17:16:15Z',
};

describe('Token', () => {
  test('2.1.1 → 2.2.1: auth_id is the contract_id, the owner is the peer’s party, nothing invented', () => {
    const t = tokenFrom211(Token211.parse(example211), owner);
    const { auth_id: _authId, ...rest } = example211;
    expect(Token.parse(t)).toEqual(Token.parse({ ...owner, ...rest, contract_id: 'DE8ACC12E46L89' }));
    for (const absent of ['auth_id', 'group_id', 'default_profile_type', 'energy_contract']) expect(t).not.toHaveProperty(absent);
  });

  test('round trip 2.1.1 → 2.2.1 → 2.1.1 is lossless', () => {
    expect(tokenTo211(tokenFrom211(Token211.parse(example211), owner))).toEqual(Token211.parse(example211));
  });

  test('2.2.1 → 2.1.1 drops what 2.1.1 has no field for and names APP_USER as OTHER', () => {
    const wire = tokenTo211(Token.parse(example221));
    expect(Token211.parse(wire)).toEqual({
      uid: example221.uid,
      type: 'OTHER',
      auth_id: 'DE8ACC12E46L89',
      issuer: 'TheNewMotion',
      valid: true,
      whitelist: 'ALLOWED',
      language: 'DE',
      last_updated: Token.parse(example221).last_updated,
    });
    for (const absent of ['country_code', 'party_id', 'contract_id', 'group_id', 'default_profile_type', 'energy_contract']) expect(wire).not.toHaveProperty(absent);
  });

  test.each([
    ['RFID', 'RFID'],
    ['OTHER', 'OTHER'],
    ['APP_USER', 'OTHER'],
    ['AD_HOC_USER', 'OTHER'],
  ])('type %s is sent to 2.1.1 as %s', (from, to) => {
    expect(tokenTypeTo211(from)).toBe(to);
  });

  test('the 2.1.1 PATCH example (valid only, no last_updated) reads; a partial token maps only what it carries', () => {
    const patch = Token211Patch.parse({ valid: false });
    expect(tokenFrom211(patch, null)).toEqual({ valid: false });
    expect(TokenPatch.safeParse({ ...tokenFrom211(patch, null), last_updated: '2015-06-29T22:40:00Z' }).success).toBe(true);
    expect(tokenTo211({ valid: false, last_updated: '2015-06-29T22:40:00Z' })).toEqual({ valid: false, last_updated: '2015-06-29T22:40:00Z' });
    expect(tokenTo211({ contract_id: 'X1' })).toEqual({ auth_id: 'X1' });
  });

  test('a 2.1.1 token without auth_id is not a token', () => {
    const { auth_id: _a, ...without } = example211;
    expect(Token211.safeParse(without).success).toBe(false);
  });
});

describe('real-time authorization', () => {
  const token = Token.parse(example221);

  test('our AuthorizationInfo as a 2.1.1 CPO reads it: no token, no authorization_reference', () => {
    const ours = AuthorizationInfo.parse({
      allowed: 'ALLOWED',
      token,
      location: { location_id: 'LOC1', evse_uids: ['3256', '3257'] },
      authorization_reference: '567890',
      info: { language: 'en', text: 'Welcome' },
    });
    const wire = authorizationTo211(ours);
    expect(AuthorizationInfo211.parse(wire)).toEqual({
      allowed: 'ALLOWED',
      location: { location_id: 'LOC1', evse_uids: ['3256', '3257'] },
      info: { language: 'en', text: 'Welcome' },
    });
    expect(wire).not.toHaveProperty('token');
    expect(wire).not.toHaveProperty('authorization_reference');
  });

  test.each(['ALLOWED', 'BLOCKED', 'EXPIRED', 'NO_CREDIT', 'NOT_ALLOWED'])('Allowed %s is the same value in both versions', (allowed) => {
    expect(authorizationFrom211(AuthorizationInfo211.parse({ allowed }))).toEqual({ allowed });
    expect(authorizationTo211({ allowed: allowed as AuthorizationInfo['allowed'], token })).toEqual({ allowed });
  });

  test('a 2.1.1 answer and request: connector_ids have no 2.2.1 field and are left out', () => {
    const refs = LocationReferences211.parse({ location_id: 'LOC1', evse_uids: ['3256'], connector_ids: ['1', '2'] });
    expect(locationReferencesFrom211(refs)).toEqual({ location_id: 'LOC1', evse_uids: ['3256'] });
    expect(authorizationFrom211(AuthorizationInfo211.parse({ allowed: 'ALLOWED', location: refs }))).toEqual({
      allowed: 'ALLOWED',
      location: { location_id: 'LOC1', evse_uids: ['3256'] },
    });
  });
});

describe('the WireTranslation of tokens', () => {
  const peer = { roles: [{ role: 'EMSP', countryCode: 'NL', partyId: 'TNM' }], endpoints: [], version: '2.1.1' } as unknown as PeerRecord;
  const ctx = {} as never;

  test('a push goes out as a 2.1.1 Token; a real-time authorization’s LocationReferences as they are', async () => {
    const url = 'https://cpo.example.com/ocpi/cpo/2.1.1/tokens/DE/TNM/bdf21bce?type=APP_USER';
    expect(await tokens211Translation.outbound?.({ method: 'PUT', url, body: token221() }, peer, ctx)).toEqual(tokenTo211(token221()));
    const refs = { location_id: 'LOC1', evse_uids: ['3256'] };
    expect(await tokens211Translation.outbound?.({ method: 'POST', url: 'https://emsp.example.com/tokens/012345678/authorize?type=RFID', body: refs }, peer, ctx)).toBe(refs);
  });

  test('a pulled 2.1.1 token comes in as our model owned by the peer’s party; one it cannot read as it came', async () => {
    expect(await tokens211Translation.inbound?.(example211, peer, ctx)).toEqual(tokenFrom211(Token211.parse(example211), owner));
    const broken = { ...example211, type: 'APP_USER' };
    expect(await tokens211Translation.inbound?.(broken, peer, ctx)).toBe(broken);
  });

  test('an AuthorizationInfo answer is read without a token', () => {
    expect(tokens211Translation.answer?.({ allowed: 'BLOCKED' }, peer, { method: 'POST', url: 'x', body: null })).toEqual({ allowed: 'BLOCKED' });
  });

  function token221() {
    return Token.parse(example221);
  }
});
