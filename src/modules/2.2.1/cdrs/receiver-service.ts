/**
 * The rules of the cdrs Receiver interface of our eMSP parties (06-cdrs §2.2): a CPO peer posts
 * final CDRs of its own parties and may read them back at the `Location` URL we answered with.
 * CDRs are immutable: a duplicate is acknowledged with the first one's URL, never stored twice.
 */
import { z } from 'zod';
import type { AppContext } from '../../../context.js';
import type { AuthenticatedPeer } from '../../../ocpi/context.js';
import { invalidParameters, notFound } from '../../../ocpi/errors.js';
import { charLength, ciEquals, nonEmptyList, ocpiString } from '../../../model/primitives.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import { Cdr, CdrLocation, SignedData, SignedValue } from '../../../model/cdr.js';
import { ReceivedCdrStore } from './receiver-store.js';
import { noticeEngineRules } from '../tariffs/engine-notices.js';
import { emitCdrReceived } from '../sessions/receiver-events.js';
import { type SignedDataVerification, verifySignedData } from '../../../metering/index.js';
import { OCPI_VERSION } from '../version.js';

/**
 * What we accept: `Cdr`, lenient on the CdrLocation text lengths (pitfall P7: the bugfix branch
 * widened Location.address to 255 and state to 45 but not CdrLocation, so a CPO copying its
 * Location verbatim sends longer values), and on line breaks in signed values (below).
 * Everything else, credit rules included, as `Cdr`.
 */
export const ReceivedCdrLocation = CdrLocation.extend({
  address: ocpiString(255),
  city: ocpiString(255),
  state: ocpiString(45).nullish(),
});

/**
 * OCMF lets a record's JSON be laid out on several lines, and the signature covers exactly those
 * bytes: a signed value keeps its tabs and line breaks (other control characters stay refused),
 * or the receive profile would drop the driver's proof of the energy billed.
 */
function signedText(max: number) {
  return z
    .string()
    .refine((s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s), { message: 'must not contain control characters other than tab, line feed and carriage return' })
    .refine((s) => !/\p{Cs}/u.test(s), { message: 'must be valid Unicode (a lone surrogate is not)' })
    .refine((s) => charLength(s) <= max, { message: `must be at most ${max} characters` })
    .meta({ maxLength: max });
}
export const ReceivedSignedData = SignedData.extend({
  signed_values: nonEmptyList(SignedValue.extend({ plain_data: signedText(5000), signed_data: signedText(5000) })),
});
export const ReceivedCdr = Cdr.safeExtend({ cdr_location: ReceivedCdrLocation, signed_data: ReceivedSignedData.nullish() });
export type ReceivedCdr = z.infer<typeof ReceivedCdr>;

/** Our uuid; anything else is simply unknown (404), never a parameter error. */
export const CdrIdPath = z.object({ id: z.string() });

/** What a POST did: the route answers 201 for a new CDR, 200 for a duplicate, both with `Location`. */
export interface PostOutcome {
  created: boolean;
  location: string;
}

export class ReceivedCdrsService {
  readonly store: ReceivedCdrStore;

  constructor(private readonly app: AppContext) {
    this.store = new ReceivedCdrStore(app.db, app.config.DATABASE_SCHEMA);
  }

  /** The absolute URL of a stored CDR: the value of `Location` and the address of GET. */
  locationOf(id: string): string {
    return `${this.app.config.PUBLIC_BASE_URL}/ocpi/emsp/${OCPI_VERSION}/cdrs/${id}`;
  }

  /**
   * Stores a CDR of one of the caller's parties. There is no party in the URL, so transport §8's
   * 404 does not apply: a body naming a party the caller did not register is an invalid
   * parameter (2001, like a body that does not match its URL), and nothing is stored.
   */
  async post(peer: AuthenticatedPeer, cdr: ReceivedCdr): Promise<PostOutcome> {
    const owns = peer.roles.some((r) => ciEquals(r.countryCode, cdr.country_code) && ciEquals(r.partyId, cdr.party_id));
    if (!owns) {
      throw invalidParameters(`body.country_code/party_id: ${cdr.country_code}/${cdr.party_id} is not a party registered by this peer: a peer may only post its own CDRs`);
    }
    const verification = verifySignedData(cdr);
    // The backend hears of a CDR once: only the write that stored it records the event.
    const { id, created } = await this.app.db.$transaction(async (tx) => {
      const stored = await this.store.insertOnce(peer.peerId, cdr, verification, tx);
      if (stored.created) await emitCdrReceived(this.app, tx, cdr, verification);
      return stored;
    });
    if (created && cdr.tariffs?.length) await noticeEngineRules(this.app, peer.peerId, 'cdrs', cdr.id, cdr.tariffs, ['tariffs']);
    if (created) this.logVerdict(peer, cdr, verification);
    return { created, location: this.locationOf(id) };
  }

  /**
   * The signed meter data was checked (docs/interop.md) before storing. Whatever the check
   * found, the CDR is stored as received: a CDR is the CPO's claim to payment, and an invalid
   * signature is for the eMSP's backend to act on, not a reason to lose the record.
   */
  private logVerdict(peer: AuthenticatedPeer, cdr: ReceivedCdr, verification: SignedDataVerification | null): void {
    if (!verification || verification.status === 'valid') return;
    const problems = verification.problems.map((p) => p.code);
    this.app.log.info({ peer_id: peer.peerId, cdr_id: cdr.id, status: verification.status, problems }, 'signed meter data of a received CDR did not verify');
  }

  /**
   * A CDR by our uuid, for the peer that posted it or any peer registered for its CPO party.
   * Anything else is 404, so a peer cannot learn which uuids exist.
   */
  async get(peer: AuthenticatedPeer, id: string): Promise<ReceivedCdr> {
    const stored = await this.store.findById(id);
    const allowed = stored && (stored.peerId === peer.peerId || peer.roles.some((r) => partyKey(r.countryCode, r.partyId) === stored.partyKey));
    if (!stored || !allowed) throw notFound(`Unknown CDR ${id}`);
    return stored.document;
  }
}

/** The service of one platform instance. */
declare module '../../../context.js' {
  interface Services {
    receivedCdrs: ReceivedCdrsService;
  }
}
