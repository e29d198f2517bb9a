import * as pulumi from '@pulumi/pulumi';

/**
 * A configuration mistake. The message alone says what is wrong and names the setting (a component argument or a
 * stack configuration key such as `remote-mcp-stacks:cloud`).
 *
 * It is a `pulumi.RunError`, so `pulumi preview` / `pulumi up` print just the message, without a stack trace, and
 * stop before any resource is created.
 */
export class McpConfigError extends pulumi.RunError {
  override name = 'McpConfigError';
}

/** Throws `McpConfigError` with `where: message`. */
export function configFail(where: string, message: string): never {
  throw new McpConfigError(`${where}: ${message}`);
}

/** Fails unless `value` is a whole number in `[min, max]`. */
export function checkInteger(where: string, label: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    configFail(where, `${label} must be a whole number from ${min} to ${max}, got ${value}`);
  }
}
