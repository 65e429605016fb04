/**
 * Commands between OCPI 2.1.1 and the 2.2.1 model, from the specs' sequence examples (2.1.1
 * commands §1: START_SESSION at location 1234 with token 200, RESERVE_NOW with reservation 2
 * rejected by the charge point, UNLOCK_CONNECTOR at an unknown location).
 */
import { CommandBodies, CommandResponse, CommandResult, type CommandResultType } from '../../../src/model/command.js';
import { CommandBodies211, CommandResponse211, ReserveNow211, StartSession211, StopSession211, UnlockConnector211 } from '../../../src/modules/2.1.1/commands/schemas.js';
import { commandFrom211, commandTo211, responseFrom211, responseTo211, resultFrom211, resultTo211, untranslatableCommand } from '../../../src/modules/2.1.1/commands/translate.js';
import { commands211Translation } from '../../../src/modules/2.1.1/commands/wire-translation.js';
import { DomainError } from '../../../src/platform/domain-error.js';
import type { PeerRecord } from '../../../src/platform/peers/peer-store.js';

const emsp = { country_code: 'NL', party_id: 'TNM' };
const token211 = {
  uid: '200',
  type: 'RFID',
  auth_id: 'NL-TNM-C00000200-X',
  issuer: 'TheNewMotion',
  valid: true,
  whitelist: 'ALLOWED',
  last_updated: '2015-06-29T22:39:09Z',
};
const responseUrl = 'https://emsp.example.com/ocpi/emsp/2.1.1/commands/START_SESSION/1';

const startSession211 = { response_url: responseUrl, token: token211, location_id: '1234', evse_uid: 'BE-BEC-E041503001' };
const reserveNow211 = { response_url: responseUrl, token: token211, expiry_date: '2015-06-29T23:39:09Z', reservation_id: 2, location_id: '1234' };
const stopSession211 = { response_url: responseUrl, session_id: '15' };
const unlock211 = { response_url: responseUrl, location_id: '1234', evse_uid: 'BE-BEC-E041503001', connector_id: '1' };

describe('command bodies', () => {
  test.each([
    ['START_SESSION', StartSession211, startSession211],
    ['RESERVE_NOW', ReserveNow211, reserveNow211],
    ['STOP_SESSION', StopSession211, stopSession211],
    ['UNLOCK_CONNECTOR', UnlockConnector211, unlock211],
  ] as const)('%s: 2.1.1 → 2.2.1 is a valid 2.2.1 body, and back again is lossless', (command, schema, example) => {
    const wire = schema.parse(example) as Record<string, unknown>;
    const model = CommandBodies[command].parse(commandFrom211(wire, emsp));
    expect(commandTo211(command, model as Record<string, unknown>)).toEqual(wire);
  });

  test('the Token gets the sending eMSP’s party and auth_id becomes contract_id; reservation_id becomes text', () => {
    const model = CommandBodies.RESERVE_NOW.parse(commandFrom211(ReserveNow211.parse(reserveNow211), emsp)) as Record<string, unknown>;
    expect(model.token).toMatchObject({ ...emsp, uid: '200', type: 'RFID', contract_id: 'NL-TNM-C00000200-X' });
    expect(model.reservation_id).toBe('2');
  });

  test('2.2.1 → 2.1.1 leaves out START_SESSION’s connector_id and authorization_reference; the Token loses what 2.1.1 lacks', () => {
    const model = {
      response_url: responseUrl,
      token: {
        ...emsp,
        uid: '200',
        type: 'APP_USER',
        contract_id: 'NL-TNM-C00000200-X',
        issuer: 'TNM',
        valid: true,
        whitelist: 'ALLOWED',
        group_id: 'G1',
        last_updated: '2015-06-29T22:39:09Z',
      },
      location_id: '1234',
      evse_uid: 'E1',
      connector_id: '1',
      authorization_reference: 'REF1',
    };
    const wire = commandTo211('START_SESSION', model);
    expect(StartSession211.strict().safeParse(wire).success).toBe(true);
    expect(wire).toEqual({
      response_url: responseUrl,
      token: { uid: '200', type: 'OTHER', auth_id: 'NL-TNM-C00000200-X', issuer: 'TNM', valid: true, whitelist: 'ALLOWED', last_updated: '2015-06-29T22:39:09Z' },
      location_id: '1234',
      evse_uid: 'E1',
    });
  });

  test('what a 2.1.1 CPO cannot take is named: CANCEL_RESERVATION, a reservation_id that is not a number', () => {
    expect(untranslatableCommand('CANCEL_RESERVATION', { reservation_id: '2' })).toMatchObject({ path: 'command' });
    expect(untranslatableCommand('RESERVE_NOW', { reservation_id: 'RES-2' })).toMatchObject({ path: 'body.reservation_id' });
    expect(untranslatableCommand('RESERVE_NOW', { reservation_id: '2' })).toBeNull();
    expect(untranslatableCommand('START_SESSION', {})).toBeNull();
    expect(Object.keys(CommandBodies211)).not.toContain('CANCEL_RESERVATION');
  });
});

describe('CommandResponse (the CPO’s direct answer)', () => {
  test.each(['ACCEPTED', 'REJECTED', 'NOT_SUPPORTED', 'UNKNOWN_SESSION'] as const)('%s: the same value, without timeout and message', (result) => {
    const ours = CommandResponse.parse({ result, timeout: 30, message: [{ language: 'en', text: 'why' }] });
    expect(CommandResponse211.strict().parse(responseTo211(ours))).toEqual({ result });
    expect(responseFrom211({ result })).toEqual({ result });
  });

  test('a 2.1.1 TIMEOUT answer is REJECTED in 2.2.1 (it was not accepted), saying so', () => {
    expect(responseFrom211({ result: 'TIMEOUT' })).toEqual({ result: 'REJECTED', message: [{ language: 'en', text: expect.stringContaining('TIMEOUT') }] });
  });
});

describe('the charge point’s result', () => {
  test.each<[CommandResultType, string]>([
    ['ACCEPTED', 'ACCEPTED'],
    ['REJECTED', 'REJECTED'],
    ['NOT_SUPPORTED', 'NOT_SUPPORTED'],
    ['TIMEOUT', 'TIMEOUT'],
    ['FAILED', 'REJECTED'],
    ['EVSE_OCCUPIED', 'REJECTED'],
    ['EVSE_INOPERATIVE', 'REJECTED'],
    ['UNKNOWN_RESERVATION', 'REJECTED'],
    ['CANCELED_RESERVATION', 'REJECTED'],
  ])('2.2.1 %s goes to a 2.1.1 response_url as %s', (ours, theirs) => {
    expect(CommandResponse211.strict().parse(resultTo211({ result: ours, message: [{ language: 'en', text: 'x' }] }))).toEqual({ result: theirs });
  });

  test.each(['ACCEPTED', 'REJECTED', 'NOT_SUPPORTED', 'TIMEOUT'] as const)('2.1.1 %s is the same 2.2.1 result', (result) => {
    expect(CommandResult.parse(resultFrom211({ result }))).toEqual({ result });
  });

  test('2.1.1 UNKNOWN_SESSION has no 2.2.1 result: REJECTED with a message naming it', () => {
    expect(CommandResult.parse(resultFrom211({ result: 'UNKNOWN_SESSION' }))).toEqual({
      result: 'REJECTED',
      message: [{ language: 'en', text: expect.stringContaining('UNKNOWN_SESSION') }],
    });
  });
});

describe('the WireTranslation of commands', () => {
  const peer = { roles: [{ role: 'CPO', countryCode: 'BE', partyId: 'BEC' }], endpoints: [], version: '2.1.1' } as unknown as PeerRecord;
  const ctx = {} as never;
  const cpoUrl = 'https://cpo.example.com/ocpi/cpo/2.1.1/commands';

  test('a command we send goes out in the 2.1.1 form; a result we post as a 2.1.1 CommandResponse', async () => {
    const model = CommandBodies.START_SESSION.parse(commandFrom211(StartSession211.parse(startSession211), emsp));
    expect(await commands211Translation.outbound?.({ method: 'POST', url: `${cpoUrl}/START_SESSION`, body: model }, peer, ctx)).toEqual(StartSession211.parse(startSession211));
    expect(await commands211Translation.outbound?.({ method: 'POST', url: responseUrl, body: { result: 'EVSE_OCCUPIED' } }, peer, ctx)).toEqual({ result: 'REJECTED' });
  });

  test('a command 2.1.1 cannot express is refused naming the field, before anything is sent', () => {
    expect(() =>
      commands211Translation.outbound?.({ method: 'POST', url: `${cpoUrl}/CANCEL_RESERVATION`, body: { response_url: responseUrl, reservation_id: '2' } }, peer, ctx),
    ).toThrow(DomainError);
  });

  test('the CPO’s answer is read as our model (timeout left to our default)', () => {
    expect(commands211Translation.answer?.({ result: 'ACCEPTED' }, peer, { method: 'POST', url: `${cpoUrl}/START_SESSION`, body: null })).toEqual({ result: 'ACCEPTED' });
    expect(commands211Translation.answer?.('garbage', peer, { method: 'POST', url: `${cpoUrl}/START_SESSION`, body: null })).toBe('garbage');
  });
});
