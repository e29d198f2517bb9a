/** Host names as the CDK construct, the Pulumi components and the Pulumi program accept them. Cloud-neutral. */

/** A DNS host name such as `mcp.example.com` (no scheme, port or path). */
export function isHostname(s: string): boolean {
  return /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(s);
}
