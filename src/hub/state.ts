/**
 * Whether this platform acts as a hub, under which identity, and with which tunables. The role
 * is on when a local party has role HUB: that party is what the credentials we present and the
 * OCPI-from/to headers of broadcasts name. Read on every hub request, so cached like parties.
 */
import type { AppContext } from '../context.js';
import type { PartyRef } from '../ocpi/context.js';

export interface HubSettings {
  forwardTimeoutMs: number;
  livenessMinutes: number;
}

const SETTINGS_CACHE_MS = 2000;
const DEFAULTS: HubSettings = { forwardTimeoutMs: 10_000, livenessMinutes: 5 };

export class HubState {
  private settingsCache: { at: number; value: Promise<HubSettings> } | null = null;

  constructor(private readonly app: AppContext) {}

  /** The hub's own party, or null when the hub role is off. */
  async hubParty(): Promise<PartyRef | null> {
    const party = (await this.app.parties.listCached()).find((p) => (p.roles as string[]).includes('HUB'));
    return party ? { countryCode: party.countryCode, partyId: party.partyId } : null;
  }

  settings(): Promise<HubSettings> {
    const now = Date.now();
    if (!this.settingsCache || now - this.settingsCache.at > SETTINGS_CACHE_MS) {
      const value = this.app.db.hubSetting
        .findUnique({ where: { id: 1 } })
        .then((row) => (row ? { forwardTimeoutMs: row.forwardTimeoutMs, livenessMinutes: row.livenessMinutes } : DEFAULTS));
      this.settingsCache = { at: now, value };
      value.catch(() => (this.settingsCache = null));
    }
    return this.settingsCache.value;
  }

  async saveSettings(patch: Partial<HubSettings>): Promise<HubSettings> {
    const row = await this.app.db.hubSetting.upsert({
      where: { id: 1 },
      create: { id: 1, ...DEFAULTS, ...patch },
      update: { ...patch, updatedAt: new Date() },
    });
    this.settingsCache = null;
    return { forwardTimeoutMs: row.forwardTimeoutMs, livenessMinutes: row.livenessMinutes };
  }
}

declare module '../context.js' {
  interface Services {
    hubState: HubState;
  }
}
