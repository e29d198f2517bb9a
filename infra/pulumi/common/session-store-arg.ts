/**
 * The `sessionStore` argument both Pulumi components take: `true`/`false`, an existing store (named by one key,
 * e.g. a secret holding its URL) or the settings of one to create. One reading, so both clouds refuse the same
 * mistakes in the same words.
 */
import { configFail } from './errors';

export type SessionStoreArg<Existing extends object, Create extends object> =
  { existing: Existing } | { create: Create } | undefined;

/**
 * `existingKey` marks an existing store; `existingKeys` are the keys it may carry (any other would configure a
 * store to create, a mix that is refused).
 */
export function readSessionStoreArg<Existing extends object, Create extends object>(
  where: string,
  arg: boolean | Existing | Create | undefined,
  existingKey: string,
  existingKeys: readonly string[],
): SessionStoreArg<Existing, Create> {
  if (arg === undefined || arg === false) return undefined;
  if (arg !== true && typeof arg !== 'object') {
    configFail(where, `sessionStore must be true, false or an object, got ${JSON.stringify(arg)}`);
  }
  if (arg !== true && existingKey in arg) {
    const other = Object.keys(arg).filter((key) => !existingKeys.includes(key));
    if (other.length > 0) {
      const keys = other.join(', ');
      configFail(where, `sessionStore.${existingKey} names an existing store: ${keys} would configure one to create`);
    }
    return { existing: arg as Existing };
  }
  return { create: (arg === true ? {} : arg) as Create };
}
