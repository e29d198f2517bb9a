/** `mcp.session.id` is a truncated SHA-256 of the session id, computed once per session and kept in a bounded memo. */
import { createHash } from 'node:crypto';
import { sessionIdHash } from '../../server/observability/mcpSpans';

const expected = (id: string) => createHash('sha256').update(id).digest('hex').slice(0, 16);

test('the same 16 hex digits for a session id, before and after the memo is refilled by other sessions', () => {
  const id = 'b3c1a5e2-0000-4000-8000-000000000001';
  expect(sessionIdHash(id)).toBe(expected(id));
  for (let i = 0; i < 3000; i++) expect(sessionIdHash(`other-${i}`)).toBe(expected(`other-${i}`));
  expect(sessionIdHash(id)).toBe(expected(id));
  expect(sessionIdHash(id)).not.toContain(id);
});
