/**
 * Everything a request handler or worker may need, built once per process (or per test
 * instance). Passed explicitly: no module reaches for globals.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Db } from './db/prisma.js';
import { Outbox } from './delivery/outbox.js';
import { PullRegistry } from './delivery/pulls.js';
import { WebhookTargets } from './delivery/webhook-targets.js';
import { EMSP_EVENTS_MODULE, emspEventTarget } from './backends/emsp-events.js';
import { FullVersionRegistry } from './delivery/full-versions.js';
import type { ModuleDescriptor } from './modules/descriptor.js';
import { OcpiClient } from './ocpi/client.js';
import { Metrics } from './observability/metrics.js';
import type { PaginationSettings } from './ocpi/pagination.js';
import { RateLimiter } from './ocpi/rate-limit.js';
import type { ModuleInterface } from './ocpi/registry-types.js';
import { UrlPolicy } from './ocpi/url-policy.js';
import { PartyService } from './platform/parties/party-service.js';
import { PartyStore } from './platform/parties/party-store.js';
import { PeerAuthenticator } from './platform/peers/peer-auth.js';
import { PeerStore } from './platform/peers/peer-store.js';
import { Secrets } from './platform/secrets.js';
import { DataQuality } from './platform/peers/data-quality.js';

export interface AppContext {
  config: Config;
  log: Logger;
  db: Db;
  redis: Redis;
  secrets: Secrets;
  urlPolicy: UrlPolicy;
  client: OcpiClient;
  rateLimiter: RateLimiter;
  pagination: PaginationSettings;
  interfaces: ModuleInterface[];
  /** The modules of this instance (src/modules/registry.ts): pulls, sweeps, hub policy and versions derive from them. */
  descriptors: readonly ModuleDescriptor[];
  parties: PartyService;
  peerStore: PeerStore;
  peerAuth: PeerAuthenticator;
  outbox: Outbox;
  pulls: PullRegistry;
  /** Complete versions the delivery engine PUTs when a peer did not know the object of a PATCH. */
  fullVersions: FullVersionRegistry;
  /** Where the delivery engine sends WEBHOOK rows (party backends), per module of the rows. */
  webhookTargets: WebhookTargets;
  metrics: Metrics;
  /** Repairs and refusals of the receive profile, per peer (docs/interop.md). */
  dataQuality: DataQuality;
  /** Alias kept short for the OCPI guards. */
  peers: { authenticate: PeerAuthenticator['authenticate'] };
}

export function createAppContext(deps: { config: Config; log: Logger; db: Db; redis: Redis; interfaces: ModuleInterface[]; descriptors: readonly ModuleDescriptor[] }): AppContext {
  const { config, log, db, descriptors } = deps;
  const pulls = new PullRegistry();
  const fullVersions = new FullVersionRegistry();
  for (const d of descriptors) {
    if (d.pull) pulls.register(d.pull);
    if (d.fullVersion) fullVersions.register(d.fullVersion);
  }
  const secrets = new Secrets(config.TOKEN_ENCRYPTION_KEY);
  const urlPolicy = new UrlPolicy({
    allowPrivate: config.OUTBOUND_ALLOW_PRIVATE,
    extraDeniedCidrs: config.OUTBOUND_DENY_CIDRS.split(',').map((s) => s.trim()).filter(Boolean),
  });
  const peerStore = new PeerStore(db);
  const peerAuth = new PeerAuthenticator(peerStore, secrets);
  const metrics = new Metrics();
  return {
    ...deps,
    secrets,
    urlPolicy,
    client: new OcpiClient({ timeoutMs: config.OUTBOUND_TIMEOUT_MS, policy: urlPolicy, logger: log }),
    rateLimiter: new RateLimiter(config.RATE_LIMIT_PER_SECOND, config.RATE_LIMIT_BURST),
    pagination: { publicBaseUrl: config.PUBLIC_BASE_URL, defaultLimit: config.PAGE_SIZE_DEFAULT, maxLimit: config.PAGE_SIZE_MAX },
    parties: new PartyService(new PartyStore(db)),
    peerStore,
    peerAuth,
    outbox: new Outbox(db, config.DATABASE_SCHEMA),
    // Both roles get the handlers: the worker runs pulls, the api serves their admin views.
    pulls,
    fullVersions,
    webhookTargets: new WebhookTargets().register(EMSP_EVENTS_MODULE, emspEventTarget),
    metrics,
    dataQuality: new DataQuality(db, config.DATABASE_SCHEMA, metrics, log),
    peers: { authenticate: (h) => peerAuth.authenticate(h) },
  };
}
