/**
 * `npm run broker:keys` prints a new `BROKER_SIGNING_KEYS` value: a JWKS with one fresh ES256 private key.
 * `npm run broker:keys -- --rotate '<current value>'` puts a fresh key first and keeps the current ones after it:
 * deploy that, and remove the old keys once the access tokens they signed have expired (one hour).
 */
import { newSigningKey } from '../server/auth/authorizationServer/broker/signingKeys';

async function main(): Promise<void> {
  const i = process.argv.indexOf('--rotate');
  let current: object[] = [];
  if (i >= 0) {
    try {
      const parsed = JSON.parse(process.argv[i + 1] ?? '') as { keys?: unknown };
      if (!Array.isArray(parsed.keys)) throw new Error('no "keys" array');
      current = parsed.keys as object[];
    } catch (err) {
      console.error(`--rotate needs the current BROKER_SIGNING_KEYS value (a JWKS): ${(err as Error).message}`);
      process.exit(2);
    }
  }
  process.stdout.write(`${JSON.stringify({ keys: [await newSigningKey(), ...current] })}\n`);
}

void main();
