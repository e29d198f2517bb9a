/** `MCP_AUTH_MODE=none`: every caller is the same anonymous principal (allowed only on loopback; see config). */
import type { AuthLayer } from '../layer';

export function noAuth(): AuthLayer {
  return {
    authenticate: (req, _res, next) => {
      req.auth = { token: '', clientId: '', scopes: [], extra: { subject: 'anonymous' } };
      next();
    },
    close: async () => {},
  };
}
