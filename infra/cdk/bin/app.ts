#!/usr/bin/env node
/**
 * The CDK app: `npx cdk deploy -c ...` (see docs/cdk.md). Environment-agnostic: synth needs no credentials.
 */
import { App } from 'aws-cdk-lib';
import { readAppContext, servicePropsFromContext, type ContextKey } from '../context';
import { McpServerStack } from '../mcp-server-stack';
import { McpConfigError } from '../resolve-props';
import { addComplianceChecks } from '../validation';

function main(): void {
  const app = new App();
  const ctx = readAppContext((key: ContextKey) => app.node.tryGetContext(key));
  new McpServerStack(app, ctx.stackName, {
    // Region only: the account stays unset, so the AZs come from Fn::GetAZs and synth needs no credentials.
    env: { region: ctx.region },
    description: 'Remote MCP server on ECS Fargate behind an Application Load Balancer (remote-mcp-stacks)',
    clientName: ctx.clientName,
    service: servicePropsFromContext(ctx),
  });
  addComplianceChecks(app);
  app.synth();
}

try {
  main();
} catch (e) {
  // A configuration mistake is the user's to fix: print the message alone, no stack trace.
  if (e instanceof McpConfigError) {
    console.error(`\n${e.message}\n`);
    process.exit(1);
  }
  throw e;
}
