/**
 * Locations with their EVSEs' status, as a list and on a map; live. Used for a CPO party's own
 * locations and for the locations an eMSP party received.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError, type Page, type Query } from '../api';
import { partyLabel } from '../format';
import { LocationsMap } from '../map';
import { usePoll } from '../poll';
import type { Evse, Location } from '../types';
import { Freshness, LoadError, Pager, Pill, Section, Table, Time } from '../ui';

export const EVSE_STATUSES = ['AVAILABLE', 'BLOCKED', 'CHARGING', 'INOPERATIVE', 'OUTOFORDER', 'PLANNED', 'REMOVED', 'RESERVED', 'UNKNOWN'];
const PAGE = 50;

export function LocationsView(props: {
  title: string;
  viewKey: string;
  read: (query: Query, signal: AbortSignal) => Promise<Page<Location>>;
  /** Show the owner (CPO party): for received locations. */
  showOwner?: boolean;
  /** An EVSE control (e.g. change its status), when the key may change things. */
  evseAction?: (location: Location, evse: Evse) => JSX.Element;
  /** The endpoint read, named when the platform lacks it. */
  endpoint: string;
}): JSX.Element {
  const [status, setStatus] = useState('');
  const [offset, setOffset] = useState(0);
  const list = usePoll(`${props.viewKey}:locations:${status}:${offset}`, (signal) => props.read({ status, offset, limit: PAGE }, signal));
  const page = list.data;
  return (
    <Section
      title={props.title}
      id="locations"
      actions={
        <>
          <label class="inline">
            EVSE status{' '}
            <select
              name="status"
              value={status}
              onChange={(e) => {
                setStatus((e.currentTarget as HTMLSelectElement).value);
                setOffset(0);
              }}
            >
              <option value="">any</option>
              {EVSE_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          <Freshness updatedAt={list.updatedAt} error={list.error} />
        </>
      }
    >
      <LoadError error={list.error} what="this list" endpoint={props.endpoint} />
      {list.error instanceof ApiError && list.error.missingEndpoint ? null : (
        <>
          <LocationsMap locations={page?.items} />
          <Table
            label="Locations"
            rows={page?.items}
            rowKey={(l) => `${partyLabel(l)}/${l.id}`}
            empty={status ? `No location has an EVSE ${status}.` : 'No locations.'}
            columns={[
              { title: 'Location', render: (l) => <LocationName location={l} /> },
              ...(props.showOwner ? [{ title: 'CPO', render: (l: Location) => partyLabel(l) }] : []),
              {
                title: 'EVSEs',
                render: (l) => (
                  <ul class="evses">
                    {(l.evses ?? []).map((e) => (
                      <li key={e.uid} data-evse={e.uid}>
                        <span class="evse-id">{e.evse_id ?? e.uid}</span> <Pill status={e.status} />{' '}
                        <span class="muted">
                          {e.connectors.map((c) => `${c.standard.replace('IEC_62196_', '')} ${c.max_electric_power ? `${c.max_electric_power / 1000} kW` : ''}`).join(', ')}
                        </span>
                        {props.evseAction ? props.evseAction(l, e) : null}
                      </li>
                    ))}
                  </ul>
                ),
              },
              { title: 'Published', render: (l) => (l.publish ? 'yes' : 'no') },
              { title: 'Changed', render: (l) => <Time iso={l.last_updated} /> },
            ]}
          />
          <Pager page={page} onOffset={setOffset} />
        </>
      )}
    </Section>
  );
}

function LocationName(props: { location: Location }): JSX.Element {
  const l = props.location;
  return (
    <div>
      <strong>{l.name ?? l.id}</strong>
      <div class="muted">
        {l.id} · {l.address}, {l.city}
      </div>
    </div>
  );
}
