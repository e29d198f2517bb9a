/**
 * Compliance checks on every synth: cdk-nag's AWS Solutions pack and the CloudFormation Guard validator with
 * the AWS Control Tower proactive controls. Any finding that is neither fixed nor acknowledged with a written
 * reason (see `findings.ts`) fails the synth.
 */
import {
  Validations,
  type App,
  type IPolicyValidationContext,
  type IPolicyValidationPlugin,
  type PolicyValidationPluginReport,
  type PolicyViolation,
} from 'aws-cdk-lib';

/*
 * The validators are loaded when `addComplianceChecks` runs, not when this module is imported: a team that
 * imports the construct needs cdk-nag and @cdklabs/cdk-validator-cfnguard only if it runs the checks.
 */
type CdkNag = typeof import('cdk-nag');
type CfnGuard = typeof import('@cdklabs/cdk-validator-cfnguard');

export interface ComplianceCheckOptions {
  /** Explain each cdk-nag rule in the report. @default true */
  readonly verbose?: boolean;
}

/** Adds both validators to the app. Call once, before `app.synth()`. */
export function addComplianceChecks(app: App, options: ComplianceCheckOptions = {}): void {
  const { AwsSolutionsChecks } = require('cdk-nag') as CdkNag;
  const { CfnGuardValidator } = require('@cdklabs/cdk-validator-cfnguard') as CfnGuard;
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app, { verbose: options.verbose ?? true }),
    // Control Tower rules, all enabled: findings are acknowledged per resource, never by disabling a rule.
    new ErrorSeverity(new CfnGuardValidator()),
  );
}

/**
 * Gives every violation without a severity the severity `error`.
 *
 * cfn-guard reports violations without one. The validation report shows those as errors, but once some
 * findings of a plugin are acknowledged, aws-cdk-lib (2.276) recomputes the plugin's success from the
 * remaining violations' severity, and a missing severity then counts as "not an error": the remaining
 * findings would be printed and the synth would still succeed.
 */
export class ErrorSeverity implements IPolicyValidationPlugin {
  public readonly name: string;
  public readonly version?: string;
  public readonly ruleIds?: string[];

  constructor(private readonly inner: IPolicyValidationPlugin) {
    this.name = inner.name;
    this.version = inner.version;
    this.ruleIds = inner.ruleIds;
  }

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const report = this.inner.validate(context);
    const violations: PolicyViolation[] = report.violations.map((v) => ({ ...v, severity: v.severity ?? 'error' }));
    return { ...report, violations };
  }
}
