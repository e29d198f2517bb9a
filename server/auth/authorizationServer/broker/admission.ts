/**
 * Who may use the server, decided on the verified claims of the upstream ID token: an e-mail domain (the address
 * must be verified by the provider), a group, or both. With neither set, everyone the provider signs in is admitted.
 */
export interface AdmissionPolicy {
  allowedEmailDomains: string[];
  allowedGroups: string[];
  groupsClaim: string;
}

/** Why the user is refused (a sentence for logs and the error page, without personal data), or undefined. */
export function admissionProblem(policy: AdmissionPolicy, claims: Record<string, unknown>): string | undefined {
  if (policy.allowedEmailDomains.length > 0) {
    const email = typeof claims.email === 'string' ? claims.email.toLowerCase() : undefined;
    if (!email) return 'the identity provider gave no e-mail address, and admission is by e-mail domain';
    // "false" as a string: some providers (Cognito) send booleans as strings.
    const verified = claims.email_verified === true || claims.email_verified === 'true';
    if (!verified) return 'the e-mail address is not verified by the identity provider';
    const domain = email.slice(email.lastIndexOf('@') + 1);
    if (!policy.allowedEmailDomains.includes(domain)) return 'the e-mail domain is not admitted to this server';
  }
  if (policy.allowedGroups.length > 0) {
    const raw = claims[policy.groupsClaim];
    const groups = Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? raw.split(/[\s,]+/) : [];
    if (!groups.some((g) => policy.allowedGroups.includes(g)))
      return 'the account is in none of the groups admitted to this server';
  }
  return undefined;
}
