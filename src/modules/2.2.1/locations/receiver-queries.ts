/**
 * Read-only queries of the locations CPO peers sent to one of our eMSP parties, for that party's
 * own backend: filters by EVSE status, connector standard, bounding box, distance and update
 * time, evaluated in SQL over the stored JSONB documents.
 */
import type { AppContext } from '../../../context.js';
import type { PartyRef } from '../../../ocpi/context.js';
import { ciKey } from '../../../model/primitives.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import { type ReceivedListFilter, type ReceivedPage, SqlParams, commonConditions, keyOf, quoted } from '../shared/received-query.js';
import { recipientTable } from '../shared/received-recipients.js';
import type { Location } from '../../../model/location.js';

export interface BoundingBox {
  minLon: number;
  minLat: number;
  maxLon: number;
  maxLat: number;
}

export interface Near {
  lat: number;
  lon: number;
  radiusM: number;
}

export interface LocationFilter extends ReceivedListFilter {
  evseStatus?: string;
  connectorStandard?: string;
  bbox?: BoundingBox;
  near?: Near;
}

const EARTH_RADIUS_M = 6371008.8;
const METRES_PER_DEGREE_LAT = 111320;

/**
 * OCPI coordinates are strings. One that is not a plain decimal number in range is NULL (the
 * location then matches no geographic filter) instead of a cast error failing the whole query;
 * the nested CASE guarantees the cast only runs on text that passed the pattern.
 */
const coordinate = (field: 'latitude' | 'longitude', max: number) => {
  const text = `l.document->'coordinates'->>'${field}'`;
  return `CASE WHEN ${text} ~ '^\\s*[-+]?[0-9]{1,3}(\\.[0-9]+)?\\s*$' THEN CASE WHEN abs((${text})::float8) <= ${max} THEN (${text})::float8 END END`;
};

export class ReceivedLocationQueries {
  private readonly locations: string;
  private readonly recipients: string;

  constructor(private readonly app: AppContext) {
    this.locations = quoted(app.config.DATABASE_SCHEMA, 'received_location');
    this.recipients = recipientTable(app.config.DATABASE_SCHEMA);
  }

  /** The matching locations, nearest first with `near`, else by last_updated; and their total. */
  async list(filter: LocationFilter): Promise<ReceivedPage<Location>> {
    const p = new SqlParams();
    const where = [this.visibleTo(p, filter.recipient), ...commonConditions('l', p, filter)];
    const evse: Record<string, unknown> = {};
    if (filter.evseStatus) evse.status = filter.evseStatus;
    if (filter.connectorStandard) evse.connectors = [{ standard: filter.connectorStandard }];
    // Containment on one EVSE: with both filters the same EVSE has the status and the connector.
    if (Object.keys(evse).length > 0) where.push(`l.document @> ${p.add(JSON.stringify({ evses: [evse] }))}::jsonb`);
    if (filter.bbox) where.push(...bboxConditions(p, filter.bbox));
    let distance = '';
    if (filter.near) {
      const n = filter.near;
      // Bounding-box prefilter on the cheap comparisons, then the exact great-circle distance.
      where.push(...bboxConditions(p, nearBox(n)));
      const lat = p.add(n.lat);
      const lon = p.add(n.lon);
      distance = `CROSS JOIN LATERAL (SELECT 2 * ${EARTH_RADIUS_M} * asin(sqrt(least(1, power(sin(radians(c.lat - ${lat}::float8) / 2), 2) + cos(radians(${lat}::float8)) * cos(radians(c.lat)) * power(sin(radians(c.lon - ${lon}::float8) / 2), 2)))) AS metres) d`;
      where.push(`d.metres <= ${p.add(n.radiusM)}::float8`);
    }
    const from = `${this.locations} l CROSS JOIN LATERAL (SELECT ${coordinate('latitude', 90)} AS lat, ${coordinate('longitude', 180)} AS lon) c ${distance} WHERE ${where.join(' AND ')}`;
    const order = filter.near ? 'd.metres, l.party_key, l.location_key' : 'l.last_updated, l.party_key, l.location_key';
    const countValues = [...p.values];
    const page = `SELECT l.document FROM ${from} ORDER BY ${order} OFFSET ${p.add(filter.offset)} LIMIT ${p.add(filter.limit)}`;
    const [counted, rows] = await Promise.all([
      this.app.db.$queryRawUnsafe<Array<{ total: number }>>(`SELECT count(*)::int AS total FROM ${from}`, ...countValues),
      this.app.db.$queryRawUnsafe<Array<{ document: Location }>>(page, ...p.values),
    ]);
    return { total: counted[0]?.total ?? 0, items: rows.map((r) => r.document) };
  }

  /** One location, when it was sent to the recipient. */
  async get(recipient: PartyRef, countryCode: string, partyId: string, locationId: string): Promise<Location | null> {
    const p = new SqlParams();
    const rows = await this.app.db.$queryRawUnsafe<Array<{ document: Location }>>(
      `SELECT l.document FROM ${this.locations} l WHERE ${this.visibleTo(p, recipient)} AND l.party_key = ${p.add(partyKey(countryCode, partyId))} AND l.location_key = ${p.add(ciKey(locationId))}`,
      ...p.values,
    );
    return rows[0]?.document ?? null;
  }

  private visibleTo(p: SqlParams, recipient: PartyRef): string {
    return `EXISTS (SELECT 1 FROM ${this.recipients} r WHERE r.recipient_key = ${p.add(keyOf(recipient))} AND r.module = 'locations' AND r.party_key = l.party_key AND r.object_key = l.location_key)`;
  }
}

/** Edges included; a box whose west edge is east of its east edge crosses the antimeridian. */
function bboxConditions(p: SqlParams, box: BoundingBox): string[] {
  const conditions = [`c.lat BETWEEN ${p.add(box.minLat)}::float8 AND ${p.add(box.maxLat)}::float8`];
  if (box.minLon <= box.maxLon) conditions.push(`c.lon BETWEEN ${p.add(box.minLon)}::float8 AND ${p.add(box.maxLon)}::float8`);
  else conditions.push(`(c.lon >= ${p.add(box.minLon)}::float8 OR c.lon <= ${p.add(box.maxLon)}::float8)`);
  return conditions;
}

/**
 * A box that surely contains the circle: latitude degrees are ~111 km everywhere, longitude
 * degrees shrink with cos(latitude). Near a pole, or past the antimeridian, the longitude range
 * is widened to the whole circle of latitude and the distance alone decides.
 */
export function nearBox(n: Near): BoundingBox {
  const dLat = (n.radiusM / METRES_PER_DEGREE_LAT) * 1.01;
  const minLat = Math.max(-90, n.lat - dLat);
  const maxLat = Math.min(90, n.lat + dLat);
  const widestCos = Math.cos((Math.min(89.9, Math.max(Math.abs(minLat), Math.abs(maxLat))) * Math.PI) / 180);
  const dLon = dLat / widestCos;
  if (maxLat >= 89.9 || minLat <= -89.9 || dLon >= 180) return { minLat, maxLat, minLon: -180, maxLon: 180 };
  let minLon = n.lon - dLon;
  let maxLon = n.lon + dLon;
  if (minLon < -180) minLon += 360;
  if (maxLon > 180) maxLon -= 360;
  return { minLat, maxLat, minLon, maxLon };
}

/** The queries of one platform instance. */
declare module '../../../context.js' {
  interface Services {
    receivedLocationQueries: ReceivedLocationQueries;
  }
}
