import { createSmoke, runSmoke } from './smoke-steps';

/**
 * The compose `smoke` service: runs once the gateway is healthy, uses Halo through it as a client would
 * (deploy/smoke-steps.ts), and exits 0, or 1 with the failed step in a banner no one can miss.
 *
 * Environment: HALO_URL (where this container reaches the gateway, e.g. http://gateway:3000), PUBLIC_URL
 * (Halo's public URL, http://localhost:3000) and S3_PUBLIC_ENDPOINT (http://localhost:4566).
 */
const required = (name: string): string => {
  const value = process.env[name]?.trim().replace(/\/+$/, '');
  if (!value) {
    console.error(`${name} is not set`);
    process.exit(2);
  }
  return value;
};

const settings = { baseUrl: required('HALO_URL'), publicUrl: required('PUBLIC_URL'), s3PublicEndpoint: required('S3_PUBLIC_ENDPOINT') };
console.log(`Smoke check of Halo at ${settings.baseUrl} (public URL ${settings.publicUrl})`);
const smoke = createSmoke(settings);
const failure = await runSmoke(smoke.steps, (line) => console.log(line));
smoke.close();
if (failure) {
  console.error(
    [
      '',
      '################################################################################',
      '# HALO SMOKE CHECK FAILED',
      `# step:   ${failure.step}`,
      `# reason: ${failure.reason.split('\n').join('\n#         ')}`,
      '# The services keep running: `docker compose logs gateway localstack` shows more.',
      '################################################################################',
    ].join('\n'),
  );
  process.exit(1);
}
console.log(`\nHalo works: ${settings.publicUrl} (HTTP), ${settings.publicUrl.replace(/^http/, 'ws')}/ws (WebSocket), ${settings.publicUrl}/docs`);
process.exit(0);
