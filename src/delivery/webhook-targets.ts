/**
 * Where WEBHOOK outbox rows go. The delivery layer knows no backends: the composition root
 * registers, per module of the rows, how to find a party's webhook URL and how to sign a body
 * for it. Resolved at send time, so a changed URL or rotated secret applies to waiting rows.
 */
import type { AppContext } from '../context.js';

export interface WebhookTarget {
  url: string;
  /** Headers that sign exactly these bytes (e.g. X-Signature). */
  sign(body: string): Record<string, string>;
}

/** The party's target, or null when it has no webhook (its rows are then given up). */
export type WebhookTargetResolver = (app: AppContext, partyId: string) => Promise<WebhookTarget | null>;

export class WebhookTargets {
  private readonly resolvers = new Map<string, WebhookTargetResolver>();

  register(module: string, resolver: WebhookTargetResolver): this {
    this.resolvers.set(module, resolver);
    return this;
  }

  async resolve(app: AppContext, module: string, partyId: string): Promise<WebhookTarget | null> {
    const resolver = this.resolvers.get(module);
    return resolver ? resolver(app, partyId) : null;
  }
}

declare module '../context.js' {
  interface AppContext {
    /** Where the delivery engine sends WEBHOOK rows (party backends), per module of the rows. */
    webhookTargets: WebhookTargets;
  }
}
