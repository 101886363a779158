import { App, Tags } from 'aws-cdk-lib';
import { HaloStack, STACK_ID } from './halo-stack';

/**
 * `cdk synth` / `cdk deploy` entry (see cdk.json). Options, as context (`-c name=value`) or environment:
 * - publicBaseUrl / HALO_PUBLIC_BASE_URL: custom-domain base URL used as ISSUER (default: the API's endpoint);
 * - retainData / HALO_RETAIN_DATA: `false` for throwaway stacks whose table and bucket may be deleted (default: true).
 *   Either way the avatar bucket must be emptied by hand before CloudFormation can delete it (no custom resources).
 */
const app = new App();

const option = (contextKey: string, envName: string): string | undefined => {
  const value = app.node.tryGetContext(contextKey) ?? process.env[envName];
  return value === undefined || value === '' ? undefined : String(value);
};

function publicBaseUrl(): string | undefined {
  const raw = option('publicBaseUrl', 'HALO_PUBLIC_BASE_URL');
  if (raw === undefined) return undefined;
  // Same normalisation as lib/config.ts; refused here so a typo fails the synth, not every cold start.
  // https only: RFC 8414 §2 requires it of an OAuth issuer.
  const url = raw.replace(/\/+$/, '');
  if (!URL.canParse(url) || new URL(url).protocol !== 'https:') throw new Error(`publicBaseUrl must be an https:// URL, got "${raw}"`);
  return url;
}

function retainData(): boolean {
  const raw = option('retainData', 'HALO_RETAIN_DATA') ?? 'true';
  if (raw !== 'true' && raw !== 'false') throw new Error(`retainData must be true or false, got "${raw}"`);
  return raw === 'true';
}

new HaloStack(app, STACK_ID, {
  description: 'Halo account service: HTTP and WebSocket APIs, functions, table, avatar bucket and signing key',
  publicBaseUrl: publicBaseUrl(),
  retainData: retainData(),
});
Tags.of(app).add('service', 'halo');

app.synth();
