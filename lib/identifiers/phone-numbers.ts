import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type MetadataJson, parsePhoneNumberFromString as parseWithMetadata } from 'libphonenumber-js/core';
import { bundledPhoneMetadataFile } from '../config';

/**
 * The one libphonenumber-js function Halo uses, with the full ("max") metadata, behind a module of its
 * own that parse-identifier loads with a dynamic `import()` on the first phone-shaped identifier.
 *
 * The metadata (~150 KB) is read as JSON data rather than bundled as the package's object literal, which
 * V8 would have to scan at every cold start of the function even if no phone number ever came
 * (docs/performance.md, part 1): `libphonenumber-js/core` takes it as an argument. On Lambda the file is
 * shipped beside the bundle (infra/constructs/halo-function.ts); everywhere else (embedded stack, tests)
 * it is the installed package's own, so it always matches the code's version.
 */
const metadataFile = bundledPhoneMetadataFile() ?? createRequire(import.meta.url).resolve('libphonenumber-js/metadata.max.json');
const metadata = JSON.parse(readFileSync(metadataFile, 'utf8')) as MetadataJson;

export const parsePhoneNumberFromString = (text: string) => parseWithMetadata(text, metadata);
