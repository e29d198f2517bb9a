/**
 * The parts of `oidc-provider` (ESM-only, untyped) the development authorization server uses, typed minimally,
 * and a bounded in-memory storage adapter (the library's own prints a development-only notice on every start).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { loadOidcProvider, toHostRealm } from '../esm';

export interface OidcInteraction {
  uid: string;
  prompt: { name: string; reasons: string[]; details: Record<string, unknown> };
  params: Record<string, unknown>;
  grantId?: string;
  session?: { accountId?: string };
}

export interface OidcGrant {
  addOIDCScope(scope: string): void;
  addOIDCClaims(claims: string[]): void;
  addResourceScope(resource: string, scope: string): void;
  save(): Promise<string>;
}

export interface OidcClient {
  clientId: string;
  clientName?: string;
}

export interface OidcProvider {
  readonly issuer: string;
  proxy: boolean;
  callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<OidcInteraction>;
  interactionFinished(
    req: IncomingMessage,
    res: ServerResponse,
    result: Record<string, unknown>,
    options?: { mergeWithLastSubmission?: boolean },
  ): Promise<void>;
  on(event: string, listener: (...args: unknown[]) => void): this;
  readonly Grant: {
    new (props: { accountId: string; clientId: string }): OidcGrant;
    find(id: string): Promise<OidcGrant | undefined>;
  };
  readonly Client: { find(id: string): Promise<OidcClient | undefined> };
}

export interface OidcProviderModule {
  default: new (issuer: string, configuration: Record<string, unknown>) => OidcProvider;
  errors: Record<string, new (description?: string) => Error>;
}

export function loadOidcProviderModule(): OidcProviderModule {
  return loadOidcProvider<OidcProviderModule>();
}

/** A provider for `issuer` (configuration objects handed over as the library expects them: see `toHostRealm`). */
export function createOidcProvider(issuer: string, configuration: Record<string, unknown>): OidcProvider {
  const { default: Provider } = loadOidcProviderModule();
  return new Provider(issuer, toHostRealm(configuration));
}

/** Completes an interaction (login, consent or error) and redirects the browser back to the authorization flow. */
export function finishInteraction(
  provider: OidcProvider,
  req: IncomingMessage,
  res: ServerResponse,
  result: Record<string, unknown>,
): Promise<void> {
  return provider.interactionFinished(req, res, toHostRealm(result), toHostRealm({ mergeWithLastSubmission: false }));
}

export function newGrant(provider: OidcProvider, accountId: string, clientId: string): OidcGrant {
  return new provider.Grant(toHostRealm({ accountId, clientId }));
}

type Payload = Record<string, unknown> & { grantId?: string; userCode?: string; uid?: string; consumed?: number };

interface Stored {
  payload: Payload;
  expiresAt: number;
}

/**
 * In-memory storage for one provider (development use: everything is lost on restart). Entries expire with the
 * artifact they hold; at most `maxEntries` are kept per model, the oldest dropped first.
 */
export interface OidcAdapter {
  upsert(id: string, payload: Payload, expiresIn?: number): Promise<void>;
  find(id: string): Promise<Payload | undefined>;
  findByUid(uid: string): Promise<Payload | undefined>;
  findByUserCode(userCode: string): Promise<Payload | undefined>;
  consume(id: string): Promise<void>;
  destroy(id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
}

export function memoryAdapter(maxEntries = 10_000): (model: string) => OidcAdapter {
  const models = new Map<string, Map<string, Stored>>();
  const grants = new Map<string, Set<string>>();
  const key = (model: string, id: string) => `${model}:${id}`;

  class MemoryAdapter implements OidcAdapter {
    private readonly store: Map<string, Stored>;
    constructor(private readonly model: string) {
      let store = models.get(model);
      if (!store) models.set(model, (store = new Map()));
      this.store = store;
    }

    private live(id: string): Stored | undefined {
      const found = this.store.get(id);
      if (found && found.expiresAt <= Date.now()) {
        this.store.delete(id);
        return undefined;
      }
      return found;
    }

    async upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
      this.store.delete(id);
      while (this.store.size >= maxEntries) {
        const oldest = this.store.keys().next().value;
        if (oldest === undefined) break;
        this.store.delete(oldest);
      }
      this.store.set(id, {
        payload: { ...payload },
        expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : Number.POSITIVE_INFINITY,
      });
      if (payload.grantId) {
        let ids = grants.get(payload.grantId);
        if (!ids) grants.set(payload.grantId, (ids = new Set()));
        ids.add(key(this.model, id));
      }
    }

    async find(id: string): Promise<Payload | undefined> {
      const found = this.live(id);
      return found ? toHostRealm({ ...found.payload }) : undefined;
    }

    async findByUid(uid: string): Promise<Payload | undefined> {
      for (const [id] of this.store) {
        const found = this.live(id);
        if (found?.payload.uid === uid) return toHostRealm({ ...found.payload });
      }
      return undefined;
    }

    async findByUserCode(userCode: string): Promise<Payload | undefined> {
      for (const [id] of this.store) {
        const found = this.live(id);
        if (found?.payload.userCode === userCode) return toHostRealm({ ...found.payload });
      }
      return undefined;
    }

    async consume(id: string): Promise<void> {
      const found = this.live(id);
      if (found) found.payload.consumed = Math.floor(Date.now() / 1000);
    }

    async destroy(id: string): Promise<void> {
      this.store.delete(id);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      for (const k of grants.get(grantId) ?? []) {
        const sep = k.indexOf(':');
        models.get(k.slice(0, sep))?.delete(k.slice(sep + 1));
      }
      grants.delete(grantId);
    }
  }
  // A factory rather than the class: the library recognises constructors with `instanceof Function`, which
  // fails across realms (see `toHostRealm`); a factory works everywhere.
  return (model: string) => new MemoryAdapter(model);
}
