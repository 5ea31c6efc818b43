// Replaced at build time by esbuild's `define`; running from source (tests) falls back to development values.
declare const UIMGACC_VERSION: string | undefined;
declare const UIMGACC_COMMIT: string | undefined;

export const PLUGIN_VERSION: string = typeof UIMGACC_VERSION === 'string' ? UIMGACC_VERSION : '0.0.0-dev';
export const PLUGIN_COMMIT: string = typeof UIMGACC_COMMIT === 'string' ? UIMGACC_COMMIT : 'unknown';
