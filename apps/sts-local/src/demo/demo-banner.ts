import { parse } from 'yaml';

/** The demo users' password: public by design, written in config/demo.yaml; it opens only the local demo. */
export const DEMO_PASSWORD = 'fedgate-demo';

interface DemoConfig {
  server?: { publicUrl?: unknown };
  connectors?: { type?: unknown; users?: { username?: unknown; groups?: unknown }[] }[];
}

/**
 * What `npm start` prints once the demo broker answers: where the portal is
 * and whom to sign in as, read from the demo's own config so the two never
 * disagree. `portalUrl` overrides the config's (PORT moves the demo).
 */
export function demoBanner(brokerYaml: string, portalUrl?: string): string {
  const config = parse(brokerYaml) as DemoConfig;
  const configured = typeof config.server?.publicUrl === 'string' ? config.server.publicUrl : undefined;
  const portal = portalUrl ?? configured ?? 'http://127.0.0.1:8080';
  const users = (config.connectors ?? [])
    .filter((connector) => connector.type === 'static')
    .flatMap((connector) => connector.users ?? [])
    .map((user) => {
      const groups = Array.isArray(user.groups) ? ` (groups: ${user.groups.map(String).join(', ')})` : '';
      return `    ${String(user.username)}${groups}`;
    });
  return [
    '',
    'fedgate demo is ready.',
    `  Portal: ${portal.replace(/\/?$/, '/')}`,
    `  Sign in as one of these demo users, password ${DEMO_PASSWORD}:`,
    ...users,
    '  (Demo users with a public password: they open only this local demo.)',
    '  Stop with Ctrl-C.',
    '',
  ].join('\n');
}
