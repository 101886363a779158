/**
 * The one libphonenumber-js function Halo uses, with the full ("max") metadata, behind a module of its
 * own so that parse-identifier can load it with a dynamic `import()` and esbuild still tree-shakes the
 * rest of the package away.
 */
export { parsePhoneNumberFromString } from 'libphonenumber-js/max';
