/**
 * The composition root of an AppContext (its type is the leaf `context.ts`): builds every part
 * once per process (or per test instance).
 */
import type { AppContext, Services } from './context.js';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Db } from './db/prisma.js';
import { Outbox } from './delivery/outbox.js';
import { PullRegistry } from './delivery/pulls.js';
import { WebhookTargets } from './delivery/webhook-targets.js';
import { EMSP_EVENTS_MODULE, emspEventTarget } from './backends/emsp-events.js';
import { FullVersionRegistry } from './delivery/full-versions.js';
import { WireTranslations } from './delivery/translations.js';
import type { ModuleDescriptor } from './modules/descriptor.js';
import { OcpiClient } from './ocpi/client.js';
import { Metrics } from './observability/metrics.js';
import { RateLimiter } from './ocpi/rate-limit.js';
import type { ModuleInterface } from './ocpi/registry-types.js';
import { UrlPolicy } from './ocpi/url-policy.js';
import { PartyService } from './platform/parties/party-service.js';
import { PartyStore } from './platform/parties/party-store.js';
import { PeerAuthenticator } from './platform/peers/peer-auth.js';
import { PeerStore } from './platform/peers/peer-store.js';
import { Secrets } from './platform/secrets.js';
import { DataQuality } from './platform/peers/data-quality.js';
import { AuthFailures } from './ocpi/auth-failures.js';
import { WorkerIdle } from './delivery/idle.js';
import { HubAccess } from './hub/access.js';
import { HubTokenContracts } from './hub/token-contracts.js';
import { RelayedLocations } from './hub/relayed-locations.js';
import { HubClientInfo } from './hub/client-info.js';
import { HubDirectory } from './hub/directory.js';
import { hubPoliciesOf } from './hub/policy.js';
import { RemoteParties } from './hub/remote-parties.js';
import { HubState } from './hub/state.js';
import { AdminKeys } from './platform/api-keys/admin-keys.js';
import { AuditLog } from './platform/api-keys/audit-log.js';

export function createAppContext(deps: { config: Config; log: Logger; db: Db; redis: Redis; interfaces: ModuleInterface[]; descriptors: readonly ModuleDescriptor[] }): AppContext {
  const { config, log, db, descriptors } = deps;
  const pulls = new PullRegistry();
  const fullVersions = new FullVersionRegistry();
  const wireTranslations = new WireTranslations();
  for (const d of descriptors) {
    if (d.translation) wireTranslations.register(d.version, d.id, d.translation);
    if (d.pull) pulls.register(d.pull);
    if (d.fullVersion) fullVersions.register(d.fullVersion);
  }
  const secrets = new Secrets(config.TOKEN_ENCRYPTION_KEY);
  const urlPolicy = new UrlPolicy({
    allowPrivate: config.OUTBOUND_ALLOW_PRIVATE,
    extraDeniedCidrs: config.OUTBOUND_DENY_CIDRS.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  });
  const peerStore = new PeerStore(db);
  const peerAuth = new PeerAuthenticator(peerStore, secrets);
  const metrics = new Metrics();
  // Filled below, once the context its services hold exists; nothing runs before that.
  const services = {} as Services;
  const app: AppContext = {
    ...deps,
    services,
    secrets,
    urlPolicy,
    client: new OcpiClient({ timeoutMs: config.OUTBOUND_TIMEOUT_MS, policy: urlPolicy, logger: log }),
    rateLimiter: new RateLimiter(config.RATE_LIMIT_PER_SECOND, config.RATE_LIMIT_BURST),
    pagination: { publicBaseUrl: config.PUBLIC_BASE_URL, defaultLimit: config.PAGE_SIZE_DEFAULT, maxLimit: config.PAGE_SIZE_MAX },
    parties: new PartyService(new PartyStore(db)),
    peerStore,
    peerAuth,
    outbox: new Outbox(db, config.DATABASE_SCHEMA, config.OUTBOX_INLINE_FANOUT),
    // Both roles get the handlers: the worker runs pulls, the api serves their admin views.
    pulls,
    fullVersions,
    wireTranslations,
    webhookTargets: new WebhookTargets().register(EMSP_EVENTS_MODULE, emspEventTarget),
    metrics,
    dataQuality: new DataQuality(db, config.DATABASE_SCHEMA, metrics, log),
    peers: { authenticate: (h) => peerAuth.authenticate(h) },
  };
  Object.assign(services, {
    authFailures: new AuthFailures(config.AUTH_FAILURE_LIMIT_PER_MINUTE, log),
    workerIdle: new WorkerIdle(app),
    hubPolicies: new Map(hubPoliciesOf(descriptors).map((p) => [p.version, p])),
    hubState: new HubState(app),
    hubDirectory: new HubDirectory(app),
    hubAccess: new HubAccess(app),
    hubClientInfo: new HubClientInfo(app),
    remoteParties: new RemoteParties(app),
    hubTokenContracts: new HubTokenContracts(app),
    relayedLocations: new RelayedLocations(app),
    adminKeys: new AdminKeys(app),
    adminAudit: new AuditLog(app),
  } satisfies Partial<Services>);
  for (const d of descriptors) Object.assign(services, d.services?.(app));
  return app;
}
