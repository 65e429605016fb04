/**
 * Locations on a map (Leaflet, OpenStreetMap tiles). Leaflet is loaded on first use, so pages
 * without a map never fetch it. Without tiles (offline, or blocked) the markers still show on a
 * blank background and the map says why; without Leaflet at all, the list alone remains.
 */
import 'leaflet/dist/leaflet.css';
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type * as Leaflet from 'leaflet';
import type { Location } from './types';
import { toneOf } from './ui';

const TILE_URL = 'https://tile.openstreetmap.org/{z}/{x}/{y}.png';
const ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors';

const COLOURS: Record<string, string> = { good: '#1a7f37', busy: '#0969da', warn: '#bf8700', bad: '#cf222e', muted: '#6e7781' };

/** The colour of a location: its most useful EVSE status (one available is enough to be green). */
export function locationTone(l: Location): string {
  const statuses = (l.evses ?? []).map((e) => e.status);
  if (statuses.includes('AVAILABLE')) return 'good';
  if (statuses.some((s) => toneOf(s) === 'busy')) return 'busy';
  if (statuses.some((s) => toneOf(s) === 'bad')) return 'bad';
  return statuses.length ? toneOf(statuses[0]) : 'muted';
}

function popupOf(l: Location): HTMLElement {
  const box = document.createElement('div');
  const title = document.createElement('strong');
  title.textContent = l.name ?? l.id;
  const address = document.createElement('div');
  address.textContent = `${l.address}, ${l.city}`;
  const list = document.createElement('ul');
  for (const e of l.evses ?? []) {
    const item = document.createElement('li');
    item.textContent = `${e.evse_id ?? e.uid}: ${e.status}`;
    list.append(item);
  }
  box.append(title, address, list);
  return box;
}

export function LocationsMap(props: { locations: Location[] | undefined; onSelect?: (id: string) => void }): JSX.Element {
  const container = useRef<HTMLDivElement>(null);
  const state = useRef<{ L: typeof Leaflet; map: Leaflet.Map; layer: Leaflet.LayerGroup; fitted: boolean } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [ready, setReady] = useState(false);

  useEffect(() => {
    let disposed = false;
    import('leaflet')
      .then((module) => {
        const L = (module as unknown as { default?: typeof Leaflet }).default ?? (module as unknown as typeof Leaflet);
        if (disposed || !container.current) return;
        const map = L.map(container.current, { zoomControl: true, attributionControl: true }).setView([52.09, 5.12], 7);
        const tiles = L.tileLayer(TILE_URL, { maxZoom: 19, attribution: ATTRIBUTION });
        let failures = 0;
        tiles.on('tileerror', () => {
          failures += 1;
          if (failures === 1) setProblem('Map tiles cannot be loaded (offline, or blocked): markers are shown without the map background.');
        });
        tiles.on('tileload', () => setProblem(null));
        tiles.addTo(map);
        state.current = { L, map, layer: L.layerGroup().addTo(map), fitted: false };
        setReady(true);
      })
      .catch(() => setProblem('The map could not be started; the list below has every location.'));
    return () => {
      disposed = true;
      state.current?.map.remove();
      state.current = null;
    };
  }, []);

  useEffect(() => {
    const s = state.current;
    if (!s || !props.locations) return;
    s.layer.clearLayers();
    const points: Leaflet.LatLngTuple[] = [];
    for (const l of props.locations) {
      const lat = Number(l.coordinates.latitude);
      const lon = Number(l.coordinates.longitude);
      if (!Number.isFinite(lat) || !Number.isFinite(lon)) continue;
      points.push([lat, lon]);
      const colour = COLOURS[locationTone(l)];
      const marker = s.L.circleMarker([lat, lon], { radius: 9, color: '#fff', weight: 2, fillColor: colour, fillOpacity: 0.95 });
      marker.bindPopup(popupOf(l));
      // Text nodes only: names come from peers, and a string would be read as HTML.
      const label = document.createElement('span');
      label.textContent = l.name ?? l.id;
      marker.bindTooltip(label);
      if (props.onSelect) marker.on('click', () => props.onSelect?.(l.id));
      marker.addTo(s.layer);
    }
    // Fit once: a live update must not move the view the operator chose.
    if (!s.fitted && points.length) {
      s.map.fitBounds(s.L.latLngBounds(points), { padding: [30, 30], maxZoom: 15 });
      s.fitted = true;
    }
  }, [props.locations, ready]);

  return (
    <div class="map-wrap">
      <div ref={container} class="map" role="region" aria-label="Map of locations" />
      {problem ? (
        <div class="map-note" role="status">
          {problem}
        </div>
      ) : null}
    </div>
  );
}
