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
import { McpConfigError } from './resolve-props';

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
  const { AwsSolutionsChecks } = requireValidator<CdkNag>('cdk-nag', () => require('cdk-nag'));
  const { CfnGuardValidator } = requireValidator<CfnGuard>('@cdklabs/cdk-validator-cfnguard', () =>
    require('@cdklabs/cdk-validator-cfnguard'),
  );
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app, { verbose: options.verbose ?? true }),
    // Control Tower rules, all enabled: findings are acknowledged per resource, never by disabling a rule.
    new ErrorSeverity(new CfnGuardValidator()),
  );
}

/** The two packages the checks need, as one install command. */
export const COMPLIANCE_CHECK_PACKAGES = ['cdk-nag', '@cdklabs/cdk-validator-cfnguard'] as const;

/** Loads an optional validator; when it is not installed, says in one sentence what to install (no stack trace). */
function requireValidator<T>(name: string, load: () => unknown): T {
  try {
    return load() as T;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    // Only the package itself missing: a broken install (a missing dependency of it) keeps its own error.
    if (err?.code === 'MODULE_NOT_FOUND' && err.message.includes(`'${name}'`)) {
      throw new McpConfigError(
        `addComplianceChecks needs ${name}, which is not installed: run \`npm install --save-dev ${COMPLIANCE_CHECK_PACKAGES.join(' ')}\` ` +
          '(or remove the addComplianceChecks call).',
      );
    }
    throw e;
  }
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
