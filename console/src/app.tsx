/** The shell: login, the navigation the key's scope allows, and the page of the current URL. */
import type { JSX } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { Api, describeError } from './api';
import { AuditPage } from './pages/audit';
import { ConnectionsPage } from './pages/connections';
import { CpoPartyPage } from './pages/cpo-party';
import { EmspPartyPage } from './pages/emsp-party';
import { KeysPage } from './pages/keys';
import { LoginPage } from './pages/login';
import { OverviewPage } from './pages/overview';
import { PartiesPage, PartyRedirect } from './pages/parties';
import { PeerPage } from './pages/peer';
import { SmartChargingPage } from './pages/smart-charging';
import { Link, match, navigate, useLocation } from './router';
import { type Identity, type Session, forgetKey, seesParty, seesPlatform, storedKey, storeKey, whoAmI } from './session';
import { Toasts } from './ui';

export function App(): JSX.Element {
  const [session, setSession] = useState<Session | null>(null);
  const [checking, setChecking] = useState(() => storedKey() !== null);
  const [loginError, setLoginError] = useState<string | null>(null);

  const logout = (reason?: string) => {
    forgetKey();
    setSession(null);
    setLoginError(reason ?? null);
  };

  const login = async (key: string) => {
    const api = new Api(key);
    try {
      const identity = await whoAmI(api);
      storeKey(key);
      api.onUnauthorized = () => logout('The platform no longer accepts this key; log in again.');
      setSession({ api, identity });
      setLoginError(null);
    } catch (e) {
      forgetKey();
      setLoginError(describeError(e));
    } finally {
      setChecking(false);
    }
  };

  useEffect(() => {
    const key = storedKey();
    if (key) void login(key);
  }, []);

  if (checking) return <div class="splash">Checking the key…</div>;
  return (
    <>
      {session ? <Shell session={session} onLogout={() => logout()} /> : <LoginPage onLogin={login} error={loginError} />}
      <Toasts />
    </>
  );
}

function Shell(props: { session: Session; onLogout: () => void }): JSX.Element {
  const { identity } = props.session;
  const { path } = useLocation();
  const page = useMemo(() => route(path, props.session), [path, props.session]);
  return (
    <div class="shell">
      <header class="top">
        <Link href="/" class="brand">
          OCPI platform console
        </Link>
        <Nav identity={identity} path={path} />
        <div class="who" title={`Scope: ${identity.scopeText}`}>
          <span class="who-name">{identity.name}</span>
          <span class="pill tone-muted" data-scope={identity.scopeText}>
            {identity.scopeText}
          </span>
          <button type="button" class="btn btn-small" onClick={props.onLogout}>
            Log out
          </button>
        </div>
      </header>
      <main>{page}</main>
    </div>
  );
}

function Nav(props: { identity: Identity; path: string }): JSX.Element {
  const s = props.identity.scope;
  const items =
    s.kind === 'party'
      ? [{ href: `/parties/${s.countryCode}/${s.partyId}`, label: `Party ${s.countryCode}*${s.partyId}` }]
      : [
          { href: '/', label: 'Overview' },
          { href: '/parties', label: 'Parties' },
          { href: '/connections', label: 'Connections' },
          { href: '/smart-charging', label: 'Smart charging' },
          { href: '/keys', label: 'API keys' },
          { href: '/audit', label: 'Audit log' },
        ];
  const active = (href: string) => (href === '/' ? props.path === '/' || props.path.startsWith('/peers/') : props.path.startsWith(href));
  return (
    <nav class="nav" aria-label="Main">
      {items.map((i) => (
        <Link key={i.href} href={i.href} class={active(i.href) ? 'active' : undefined}>
          {i.label}
        </Link>
      ))}
    </nav>
  );
}

function route(path: string, session: Session): JSX.Element {
  const { identity } = session;
  const scope = identity.scope;
  let m: Record<string, string> | null;
  if ((m = match('/parties/:cc/:pid/cpo/:tab', path)) || (m = match('/parties/:cc/:pid/cpo', path))) {
    return guardParty(identity, m, <CpoPartyPage session={session} cc={m.cc} pid={m.pid} tab={m.tab ?? 'locations'} />);
  }
  if ((m = match('/parties/:cc/:pid/emsp/:tab', path)) || (m = match('/parties/:cc/:pid/emsp', path))) {
    return guardParty(identity, m, <EmspPartyPage session={session} cc={m.cc} pid={m.pid} tab={m.tab ?? 'tokens'} />);
  }
  if ((m = match('/parties/:cc/:pid', path))) return guardParty(identity, m, <PartyRedirect session={session} cc={m.cc} pid={m.pid} />);
  if (scope.kind === 'party') {
    // A party key has no platform pages: its party is its home.
    return <Redirect to={`/parties/${scope.countryCode}/${scope.partyId}`} />;
  }
  if (path === '/' || path === '') return <OverviewPage session={session} />;
  if ((m = match('/peers/:id', path))) return <PeerPage session={session} id={m.id} />;
  if (path === '/parties') return <PartiesPage session={session} />;
  if (path === '/connections') return <ConnectionsPage session={session} />;
  if (path === '/smart-charging') return <SmartChargingPage session={session} />;
  if (path === '/keys') return <KeysPage session={session} />;
  if (path === '/audit') return <AuditPage session={session} />;
  return (
    <div class="card">
      <h1>Not found</h1>
      <p>
        The console has no page at <code>{path}</code>. <Link href="/">Back to the overview</Link>
      </p>
    </div>
  );
}

function guardParty(identity: Identity, m: Record<string, string>, page: JSX.Element): JSX.Element {
  if (seesParty(identity, m.cc, m.pid)) return page;
  return (
    <div class="card">
      <h1>Not for this key</h1>
      <p>
        The key “{identity.name}” ({identity.scopeText}) may not see party {m.cc}*{m.pid}.{seesPlatform(identity) ? null : ' It sees its own party only.'}
      </p>
    </div>
  );
}

function Redirect(props: { to: string }): null {
  useEffect(() => navigate(props.to, true), [props.to]);
  return null;
}
