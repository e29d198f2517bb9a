/**
 * What the Pulumi CLI does with the `config:` block of Pulumi.yaml before it runs a program, replicated from its
 * source (pulumi/pulumi `sdk/go/common/workspace/config.go` `mergeConfig` and `project.go` `ValidateConfigValue`),
 * because no CLI can run here:
 *  - a project key that the stack does not set and that has no `default` is an error ("Stack '<stack>' is missing
 *    configuration value(s) ...");
 *  - an unset key with a default gets the default (scalars as strings, lists and maps as JSON);
 *  - a key declared `secret: true` whose stack value is not encrypted is an error — the default included;
 *  - every value must match the declared type: `string` only a string, `integer` an integer or a string that parses
 *    as one, `boolean` a boolean or "true"/"false", `array` a list (with `items` checked).
 * Stack files hold scalars as strings (the CLI reads `2` and `true` into strings) and lists as JSON objects.
 */

export interface DeclaredKey {
  type?: string;
  items?: { type: string; items?: unknown };
  default?: unknown;
  description?: string;
  secret?: boolean;
  value?: unknown;
}

export interface Project {
  name: string;
  config: Record<string, DeclaredKey>;
}

/** A stack value as the CLI holds it: a string, or a list/map (an "object" value); secure when set with --secret. */
export interface StackValue {
  value: unknown;
  secure?: boolean;
}

/** `ValidateConfigValue` of project.go. */
export function validateConfigValue(type: string, items: DeclaredKey['items'], value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      if (typeof value === 'number') return Number.isInteger(value);
      return typeof value === 'string' && /^[+-]?\d+$/.test(value);
    case 'boolean':
      return typeof value === 'boolean' || value === 'true' || value === 'false';
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    default:
      if (!Array.isArray(value) || !items) return false;
      return value.every((v) => validateConfigValue(items.type, items.items as DeclaredKey['items'], v));
  }
}

/** A value as read from a stack file: scalars become strings, lists and maps stay structured. */
export function fromStackFile(value: unknown, secure = false): StackValue {
  return { value: typeof value === 'object' && value !== null ? value : String(value), secure };
}

/**
 * The configuration the program receives for `stack` (keys without a namespace are the project's), or the errors
 * the CLI stops with. The result maps full keys (`<project>:<key>`, provider keys as given) to the strings the
 * language host passes (lists and maps as JSON), plus the keys that are secret.
 */
export function cliConfig(
  project: Project,
  stack: Record<string, StackValue>,
  stackName = 'dev',
): { config: Record<string, string>; secretKeys: string[]; errors: string[] } {
  const full = (k: string) => (k.includes(':') ? k : `${project.name}:${k}`);
  const values = new Map<string, StackValue>();
  for (const [k, v] of Object.entries(stack)) values.set(full(k), v);
  const errors: string[] = [];
  const missing: string[] = [];
  for (const [k, d] of Object.entries(project.config)) {
    const key = full(k);
    if (values.has(key)) continue;
    const fallback = d.value ?? d.default;
    if (fallback === undefined || fallback === null) {
      if (key.startsWith(`${project.name}:`)) missing.push(k);
      continue;
    }
    values.set(key, { value: typeof fallback === 'object' ? fallback : String(fallback), secure: false });
  }
  if (missing.length > 0)
    errors.push(
      `Stack '${stackName}' is missing configuration value${missing.length > 1 ? 's' : ''} ${missing
        .sort()
        .map((m) => `'${m}'`)
        .join(', ')}`,
    );
  else {
    for (const [k, d] of Object.entries(project.config).sort(([a], [b]) => a.localeCompare(b))) {
      const v = values.get(full(k));
      if (!v || !d.type) continue;
      if (d.secret && !v.secure) {
        errors.push(`Stack '${stackName}' with configuration key '${k}' must be encrypted as it's secret`);
        break;
      }
      if (!validateConfigValue(d.type, d.items, v.value)) {
        errors.push(
          `Stack '${stackName}' with configuration key '${k}' must be of type '${d.type === 'array' ? `array<${d.items?.type}>` : d.type}'`,
        );
        break;
      }
    }
  }
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [k, v] of values) {
    config[k] = typeof v.value === 'string' ? v.value : JSON.stringify(v.value);
    if (v.secure) secretKeys.push(k);
  }
  return { config, secretKeys, errors };
}
