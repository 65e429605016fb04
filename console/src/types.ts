/** The shapes of what the admin API answers (openapi/admin.json), as far as the console reads them. */
import type { Price } from './format';

export interface PartyRef {
  country_code: string;
  party_id: string;
}

export interface Party extends PartyRef {
  roles: Array<'CPO' | 'EMSP' | 'SCSP' | 'HUB'>;
  business_details: { name: string; website?: string | null };
  created_at: string;
  updated_at: string;
  /** Present when the platform reports the party's backend adapter. */
  backend?: { adapter: string; url?: string; authorize?: boolean } | null;
}

export interface Endpoint {
  identifier: string;
  role: 'SENDER' | 'RECEIVER';
  url: string;
}

export interface Peer {
  id: string;
  label: string | null;
  status: 'PENDING' | 'REGISTERED' | 'SUSPENDED' | 'UNREGISTERED';
  initiated_by: 'US' | 'PEER' | null;
  versions_url: string | null;
  version: string | null;
  auth_encoding: 'base64' | 'raw';
  retry_window_minutes: number | null;
  roles: Array<PartyRef & { role: string; business_details: unknown }>;
  endpoints: Endpoint[];
  last_contact_at: string | null;
  registered_at: string | null;
  created_at: string;
}

export interface Delivery {
  id: string;
  object_key: string;
  module: string;
  kind: string;
  method: string;
  status: string;
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
}

export interface DeliveryList {
  summary: Record<string, number>;
  items: Delivery[];
}

export interface PullState {
  module: string;
  last_success_at: string | null;
  last_started_at: string | null;
  next_pull_at: string;
  last_count: number | null;
  last_error: string | null;
}

export interface QualityEntry {
  module: string;
  path: string;
  rule: string;
  outcome: 'REPAIRED' | 'REFUSED' | 'NOTICED';
  count: number;
  last_object_id: string | null;
  last_detail: string | null;
  first_seen_at: string;
  last_seen_at: string;
}

export interface QualityReport {
  peer_id: string;
  totals: { repaired: number; refused: number; noticed: number };
  entries: QualityEntry[];
}

export interface HubView {
  enabled: boolean;
  country_code: string | null;
  party_id: string | null;
  forward_timeout_ms: number;
  liveness_minutes: number;
}

export interface ReachableParty extends PartyRef {
  role: string;
  status: 'CONNECTED' | 'OFFLINE' | 'PLANNED' | 'SUSPENDED';
  peer_id: string | null;
  last_updated: string;
}

export interface Invitation {
  peer_id: string;
  token: string;
  versions_url: string;
  expires_at: string;
}

export interface Connector {
  id: string;
  standard: string;
  format: string;
  power_type: string;
  max_electric_power?: number | null;
  tariff_ids?: string[] | null;
  last_updated: string;
}

export interface Evse {
  uid: string;
  evse_id?: string | null;
  status: string;
  connectors: Connector[];
  last_updated: string;
}

export interface Location extends PartyRef {
  id: string;
  name?: string | null;
  address: string;
  city: string;
  postal_code?: string | null;
  country: string;
  coordinates: { latitude: string; longitude: string };
  evses?: Evse[] | null;
  publish: boolean;
  last_updated: string;
}

export interface CdrToken {
  uid: string;
  type: string;
  contract_id: string;
  country_code?: string;
  party_id?: string;
}

export interface ChargingPeriod {
  start_date_time: string;
  dimensions: Array<{ type: string; volume: number }>;
  tariff_id?: string | null;
}

export interface Session extends PartyRef {
  id: string;
  start_date_time: string;
  end_date_time?: string | null;
  kwh: number;
  cdr_token: CdrToken;
  location_id: string;
  evse_uid: string;
  connector_id: string;
  currency: string;
  total_cost?: Price | null;
  charging_periods?: ChargingPeriod[] | null;
  status: string;
  last_updated: string;
}

export interface TariffLike {
  id: string;
  currency: string;
  tariff_alt_text?: Array<{ language: string; text: string }> | null;
  elements: Array<{ price_components: Array<{ type: string; price: number; vat?: number | null; step_size: number }>; restrictions?: Record<string, unknown> | null }>;
  last_updated: string;
}

/** What the eMSP found checking a received CDR's signed meter data (Eichrecht). */
export interface SignedDataVerification {
  status: 'valid' | 'invalid' | 'unverifiable';
  encoding_method: string;
  problems: Array<{ code: string; message: string }>;
  notes: string[];
  meter: string | null;
  signed_energy_kwh: number | null;
}

export interface Cdr extends PartyRef {
  id: string;
  /** Received CDRs only: null when the CDR carries no signed data. */
  signed_data_verification?: SignedDataVerification | null;
  start_date_time: string;
  end_date_time: string;
  session_id?: string | null;
  cdr_token: CdrToken;
  cdr_location: { id: string; name?: string | null; address: string; city: string; evse_uid: string; evse_id: string; connector_id: string };
  currency: string;
  tariffs?: TariffLike[] | null;
  charging_periods: ChargingPeriod[];
  total_cost: Price;
  total_fixed_cost?: Price | null;
  total_energy: number;
  total_energy_cost?: Price | null;
  total_time: number;
  total_time_cost?: Price | null;
  total_parking_time?: number | null;
  total_parking_cost?: Price | null;
  total_reservation_cost?: Price | null;
  remark?: string | null;
  credit?: boolean | null;
  last_updated: string;
}

export interface CdrTotals {
  count: number;
  total_energy: string;
  total_cost: Array<{ currency: string; count: number; excl_vat: string; incl_vat: string | null }>;
}

export interface Token extends PartyRef {
  uid: string;
  type: string;
  contract_id: string;
  visual_number?: string | null;
  issuer: string;
  valid: boolean;
  whitelist: string;
  last_updated: string;
  expires_at: string | null;
}

export interface CpoCommand {
  id: string;
  command: string;
  status: 'FORWARDED' | 'ANSWERED' | 'TIMEOUT';
  result: string | null;
  request: Record<string, unknown>;
  deadline_at: string;
  created_at: string;
  answered_at: string | null;
  /** The eMSP that sent it, when the platform lists it. */
  requester?: PartyRef | null;
}

type Message = Array<{ language: string; text: string }>;

export interface EmspCommand {
  id: string;
  command: string;
  status: 'REQUESTED' | 'ACCEPTED' | 'REJECTED' | 'RESULT' | 'TIMEOUT' | 'FAILED';
  cpo: PartyRef;
  request: Record<string, unknown>;
  response: { result: string; timeout: number; message?: Message } | null;
  result: { result: string; message?: Message } | null;
  failure: string | null;
  deadline_at: string;
  created_at: string;
  responded_at: string | null;
  result_at: string | null;
}

export interface ProfileRequest {
  id: string;
  kind: 'GET' | 'SET' | 'CLEAR';
  session_id: string;
  status: EmspCommand['status'];
  cpo: PartyRef;
  request: Record<string, unknown>;
  response: { result: string; timeout: number } | null;
  result: Record<string, unknown> | null;
  failure: string | null;
  deadline_at: string;
  created_at: string;
  responded_at: string | null;
  result_at: string | null;
}

export interface EmspEvent {
  id: string;
  type: string;
  status: 'PENDING' | 'DELIVERED' | 'DEAD';
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
  occurred_at: string;
  data: unknown;
}

export interface QuarantinedCdr {
  id: string;
  peer_id: string;
  cdr_id: string | null;
  owner: PartyRef | null;
  status: 'QUARANTINED' | 'RELEASED' | 'DISCARDED';
  problems: Array<{ path: string; rule: string; message: string }>;
  received_at: string;
}

export interface ApiKey {
  id: string;
  name: string;
  scope: string;
  created_at: string;
  key?: string;
  last_used_at?: string | null;
  revoked_at?: string | null;
}

/** A delegation of smart charging to an SCSP (POST /admin/delegations). */
export interface Delegation {
  id: string;
  from: string;
  role: 'CPO' | 'EMSP';
  to: string;
  /** null: every location (always for an eMSP). */
  locations: string[] | null;
  created_at: string;
}

/** A charging profile request refused because another party controls the session. */
export interface ChargingProfileConflict {
  id: string;
  at: string;
  party: string;
  requester: string;
  controller: string;
  session_id: string;
  kind: 'GET' | 'SET' | 'CLEAR';
  delegation_id: string | null;
}
