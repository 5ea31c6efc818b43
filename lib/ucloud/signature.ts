// SHA1 from @noble/hashes rather than node:crypto: loading node:crypto (its binding and ~17 internal modules) and
// fetching OpenSSL's SHA1 cost a `status` start ~6 ms against an http:// endpoint (bench/results/startup.md), far more
// than hashing a few hundred bytes in JavaScript. Over https node:tls loads node:crypto anyway.
import { sha1 } from '@noble/hashes/legacy.js';
import { bytesToHex } from '@noble/hashes/utils.js';

/** A request parameter as UCloud's gateway understands it before flattening. */
export type ParamValue =
  | string
  | number
  | boolean
  | null
  | undefined
  | readonly ParamValue[]
  | { readonly [key: string]: ParamValue };

export type FlatParams = Record<string, string>;

function formatScalar(value: string | number | boolean): string {
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`cannot send non-finite number ${String(value)}`);
    // Integers must be plain decimal (no exponent) or the signature differs from the gateway's.
    return Number.isInteger(value) ? BigInt(value).toString() : String(value);
  }
  return value;
}

function flattenInto(out: FlatParams, key: string, value: ParamValue): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value)) {
    (value as readonly ParamValue[]).forEach((item, i) => flattenInto(out, `${key}.${i}`, item));
    return;
  }
  if (typeof value === 'object') {
    for (const [field, item] of Object.entries(value as { readonly [k: string]: ParamValue })) {
      flattenInto(out, `${key}.${field}`, item);
    }
    return;
  }
  const text = formatScalar(value as string | number | boolean);
  // What is signed must be exactly what is sent, and the gateway drops empty values: send none.
  if (text === '') return;
  out[key] = text;
}

/** Flattens nested parameters the way UCloud's SDKs do: arrays `Key.N` (0-based), objects `Key.Field`. */
export function flattenParams(params: { readonly [key: string]: ParamValue }): FlatParams {
  const out: FlatParams = {};
  for (const [key, value] of Object.entries(params)) flattenInto(out, key, value);
  return out;
}

/** Keys in plain byte order, as the gateway sorts them (`Backends.10` before `Backends.2`). */
export function sortedKeys(flat: FlatParams): string[] {
  return Object.keys(flat).sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
}

/**
 * UCloud's request signature: SHA1 over key+value pairs in byte order (no separators, no URL escaping) followed by
 * the private key, as lowercase hex. `flat` must already contain PublicKey and must not contain Signature.
 */
export function computeSignature(flat: FlatParams, privateKey: string): string {
  let text = '';
  for (const key of sortedKeys(flat)) text += key + (flat[key] ?? '');
  return bytesToHex(sha1(Buffer.from(text + privateKey, 'utf8')));
}

/** Adds PublicKey and Signature to already-flattened parameters. */
export function signParams(flat: FlatParams, publicKey: string, privateKey: string): FlatParams {
  const withKey: FlatParams = { ...flat, PublicKey: publicKey };
  delete withKey['Signature'];
  return { ...withKey, Signature: computeSignature(withKey, privateKey) };
}
