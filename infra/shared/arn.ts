/** ARN checks shared by the CDK app and construct and the Pulumi program and component. Cloud-neutral. */

/**
 * An ACM certificate ARN: `arn:<aws partition>:acm:<region>:<12-digit account>:certificate/<id>` (the id is a UUID:
 * letters, digits and hyphens).
 */
export function isAcmCertificateArn(arn: string): boolean {
  return /^arn:aws[\w-]*:acm:[\w-]+:\d{12}:certificate\/[\w-]+$/.test(arn);
}

/** The region field of an ARN (`arn:<partition>:<service>:<region>:…`), or undefined when it is not an ARN. */
export function arnRegion(arn: string): string | undefined {
  const parts = arn.split(':');
  return parts.length >= 6 && parts[0] === 'arn' ? parts[3] || undefined : undefined;
}

/**
 * Why an ACM certificate cannot serve an Application Load Balancer in `region`, or undefined when it can (or when
 * either region is unknown). An ALB only takes certificates from ACM in its own region; a certificate from another
 * region passes synth and preview and fails only at deployment.
 */
export function certificateRegionProblem(certificateArn: string, region: string | undefined): string | undefined {
  const certificateRegion = arnRegion(certificateArn);
  if (!region || !certificateRegion || certificateRegion === region) return undefined;
  return (
    `the certificate is in ${certificateRegion} but the load balancer is in ${region}: an Application Load Balancer ` +
    `needs an ACM certificate of its own region (request or import one in ${region})`
  );
}
