import { bundledPhoneMetadataFile } from '#lib/config';

describe('bundledPhoneMetadataFile', () => {
  it('is the file beside the bundle on Lambda (LAMBDA_TASK_ROOT), with or without a trailing slash', () => {
    expect(bundledPhoneMetadataFile({ LAMBDA_TASK_ROOT: '/var/task' })).toBe('/var/task/phone-metadata.max.json');
    expect(bundledPhoneMetadataFile({ LAMBDA_TASK_ROOT: ' /var/task/ ' })).toBe('/var/task/phone-metadata.max.json');
  });

  it.each([{}, { LAMBDA_TASK_ROOT: '' }, { LAMBDA_TASK_ROOT: '  ' }])(
    'is undefined outside Lambda (%j), where the installed package is read',
    (env) => {
      expect(bundledPhoneMetadataFile(env)).toBeUndefined();
    },
  );
});
