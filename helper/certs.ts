// Helper-managed serving certificate, as Gatekeeper's and Kyverno's webhooks do it: a CA and a serving certificate
// kept in a Secret of the helper's namespace, the serving certificate renewed before it expires under the same CA,
// and the CA written into the helper's own MutatingWebhookConfiguration. Nothing depends on Helm's `lookup`, so
// `helm template`, `--dry-run` and GitOps tools render the same manifests every time.
import { X509Certificate, createPrivateKey, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';
import type { KubeAccess } from '../lib/kube/access.ts';
import { describeKubeError, isConflict, isNotFound } from '../lib/kube/errors.ts';
import { rawRequest } from '../lib/kube/rawlist.ts';
import type { Log } from './log.ts';
import type { TlsSource } from './server.ts';

export interface ManagedCertOptions {
  readonly kube: KubeAccess;
  readonly namespace: string;
  /** Secret holding ca.crt, ca.key, tls.crt, tls.key (created by the chart without data, or by the helper). */
  readonly secretName: string;
  /** The MutatingWebhookConfiguration whose webhooks' caBundle must be the CA. */
  readonly webhookConfigName: string;
  /** The Service the apiserver calls: the certificate names it. */
  readonly serviceName: string;
  /** More names (DNS names or IP addresses) for a webhook called by URL. */
  readonly extraNames?: readonly string[] | undefined;
  readonly log: Log;
  /** Validity of a new CA (kept until it nears its end) and of each serving certificate. */
  readonly caValidityMs?: number | undefined;
  readonly certValidityMs?: number | undefined;
  /** A serving certificate with less than this left is replaced (default: a third of its validity). */
  readonly renewBeforeMs?: number | undefined;
  /** How often the Secret and the webhook configuration are checked. */
  readonly checkIntervalMs?: number | undefined;
  readonly kubeTimeoutMs?: number | undefined;
  readonly now?: (() => number) | undefined;
}

/** PEM text of the parts kept in the Secret. */
export interface CertBundle {
  readonly caCert: string;
  readonly caKey: string;
  readonly cert: string;
  readonly key: string;
  /**
   * The CA this one replaced, while it is still valid: kept in the caBundle so that replicas still serving a
   * certificate it signed stay trusted until they pick up the new one.
   */
  readonly previousCa?: string | undefined;
}

/** A CA certificate (PEM) that parses and has not expired. */
function stillValid(pem: string | undefined, now: number): string | undefined {
  if (!pem) return undefined;
  try {
    return Date.parse(new X509Certificate(pem).validTo) > now ? pem : undefined;
  } catch {
    return undefined;
  }
}

interface RawSecret {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  type?: string;
  data?: Record<string, string>;
}

interface RawWebhookConfig {
  metadata: { name: string; resourceVersion?: string };
  webhooks?: { name: string; clientConfig?: { caBundle?: string } }[];
}

const DAY = 24 * 3600 * 1000;

/** DNS names the apiserver may use for the Service. */
export function serviceNames(service: string, namespace: string): string[] {
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
}

function serial(): string {
  // Positive (high bit clear), 16 bytes: unique enough that two replicas never collide.
  const b = randomBytes(16);
  b[0] = (b[0] ?? 0) & 0x7f;
  return b.toString('hex');
}

function newCertificate(subject: string, publicKey: forge.pki.PublicKey, notBefore: Date, notAfter: Date): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  cert.setSubject([{ name: 'commonName', value: subject }]);
  return cert;
}

/** A new self-signed CA. */
export function createCa(now: number, validityMs: number): { caCert: string; caKey: string } {
  const keys = forge.pki.rsa.generateKeyPair({ bits: 2048 });
  // Backdated a little: clocks of the apiserver and the helper's node are not exactly equal.
  const cert = newCertificate('uimgacc-webhook-ca', keys.publicKey, new Date(now - 5 * 60_000), new Date(now + validityMs));
  cert.setIssuer(cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { caCert: forge.pki.certificateToPem(cert), caKey: forge.pki.privateKeyToPem(keys.privateKey) };
}

/** A serving certificate for `names`, signed by the CA. */
export function createServingCert(ca: { caCert: string; caKey: string }, names: readonly string[], now: number, validityMs: number): { cert: string; key: string } {
  const caCert = forge.pki.certificateFromPem(ca.caCert);
  const caKey = forge.pki.privateKeyFromPem(ca.caKey);
  const keys = forge.pki.rsa.generateKeyPair({ bits: 2048 });
  const cert = newCertificate(names[0] ?? 'uimgacc', keys.publicKey, new Date(now - 5 * 60_000), new Date(now + validityMs));
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    // GeneralName 2 = dNSName, 7 = iPAddress.
    { name: 'subjectAltName', altNames: names.map((value) => (isIP(value) ? { type: 7, ip: value } : { type: 2, value })) },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: forge.pki.privateKeyToPem(keys.privateKey) };
}

/** Why the CA in the Secret cannot be kept (undefined = usable), checked with Node's own X.509 parser. */
export function caProblem(caCert: string | undefined, caKey: string | undefined, now: number, minLeftMs: number): string | undefined {
  if (!caCert || !caKey) return 'no CA yet';
  try {
    const ca = new X509Certificate(caCert);
    if (!ca.ca) return 'the CA certificate is not a CA';
    if (!ca.checkPrivateKey(createPrivateKey(caKey))) return 'the CA key does not match the CA certificate';
    if (Date.parse(ca.validTo) - now < minLeftMs) return `the CA expires on ${ca.validTo}`;
    return undefined;
  } catch (err) {
    return `the CA cannot be read: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** Why the serving certificate must be replaced (undefined = keep it). */
export function servingProblem(b: Partial<CertBundle>, names: readonly string[], now: number, renewBeforeMs: number): string | undefined {
  if (!b.cert || !b.key || !b.caCert) return 'no serving certificate yet';
  try {
    const cert = new X509Certificate(b.cert);
    const ca = new X509Certificate(b.caCert);
    if (!cert.checkPrivateKey(createPrivateKey(b.key))) return 'the key does not match the serving certificate';
    if (!cert.verify(ca.publicKey)) return 'the serving certificate is not signed by the CA';
    const missing = names.filter((n) => (isIP(n) ? cert.checkIP(n) : cert.checkHost(n, { wildcards: false })) === undefined);
    if (missing.length) return `the serving certificate does not name ${missing.join(', ')}`;
    if (Date.parse(cert.validTo) - now < renewBeforeMs) return `the serving certificate expires on ${cert.validTo}`;
    return undefined;
  } catch (err) {
    return `the serving certificate cannot be read: ${err instanceof Error ? err.message : String(err)}`;
  }
}

function decode(data: Record<string, string> | undefined, key: string): string | undefined {
  const v = data?.[key];
  return v ? Buffer.from(v, 'base64').toString('utf8') : undefined;
}

/**
 * Keeps the Secret, the served certificate and the webhook's caBundle in agreement. Several replicas run this at
 * once: every write carries the resourceVersion it read (optimistic concurrency), so one replica's change wins, the
 * others get 409 Conflict, read again and serve what won. The CA stays as long as it is valid, so replicas serving
 * the previous serving certificate remain trusted while they catch up.
 */
export class ManagedCertificates implements TlsSource {
  readonly #o: ManagedCertOptions;
  readonly #now: () => number;
  readonly #names: string[];
  #current: CertBundle | undefined;
  #listeners: (() => void)[] = [];
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  /** Rotations this replica wrote (for logs and tests). */
  rotations = 0;

  constructor(o: ManagedCertOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
    this.#names = [...serviceNames(o.serviceName, o.namespace), ...(o.extraNames ?? [])];
  }

  get bundle(): CertBundle | undefined {
    return this.#current;
  }

  current(): { cert: string; key: string } {
    if (!this.#current) throw new Error('no serving certificate yet');
    return { cert: this.#current.cert, key: this.#current.key };
  }

  onChange(listener: () => void): void {
    this.#listeners.push(listener);
  }

  close(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
  }

  /** Resolves once a certificate is ready to serve (retrying until then), then keeps checking in the background. */
  async start(): Promise<void> {
    for (;;) {
      try {
        await this.sync();
        break;
      } catch (err) {
        this.#o.log.warn('managed certificate: not ready yet; retrying', { error: describeKubeError(err) });
        await new Promise((r) => setTimeout(r, Math.min(this.#o.checkIntervalMs ?? 60_000, 2000)));
      }
    }
    const loop = (): void => {
      this.#timer = setTimeout(() => {
        this.sync()
          .catch((err: unknown) => this.#o.log.warn('managed certificate: check failed; serving the current one', { error: describeKubeError(err) }))
          .finally(() => {
            if (!this.#stopped) loop();
          });
      }, this.#o.checkIntervalMs ?? 60_000);
      this.#timer.unref();
    };
    loop();
  }

  #signal(): AbortSignal {
    return AbortSignal.timeout(this.#o.kubeTimeoutMs ?? 10_000);
  }

  get #secretPath(): string {
    return `/api/v1/namespaces/${encodeURIComponent(this.#o.namespace)}/secrets/${encodeURIComponent(this.#o.secretName)}`;
  }

  async #readSecret(): Promise<RawSecret | undefined> {
    try {
      return JSON.parse(await rawRequest(this.#o.kube, this.#secretPath, { signal: this.#signal() })) as RawSecret;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** One round: make the Secret hold a valid pair (writing only when needed), serve it, fix the caBundle. */
  async sync(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const secret = await this.#readSecret();
      const data = secret?.data;
      const now = this.#now();
      const found: Partial<CertBundle> = { caCert: decode(data, 'ca.crt'), caKey: decode(data, 'ca.key'), cert: decode(data, 'tls.crt'), key: decode(data, 'tls.key'), previousCa: stillValid(decode(data, 'ca-previous.crt'), now) };
      const certValidity = this.#o.certValidityMs ?? 365 * DAY;
      const renewBefore = this.#o.renewBeforeMs ?? certValidity / 3;
      const caTrouble = caProblem(found.caCert, found.caKey, now, certValidity);
      const trouble = caTrouble ?? servingProblem(found, this.#names, now, renewBefore);
      if (!trouble) {
        this.#serve(found as CertBundle);
        break;
      }
      const ca = caTrouble
        ? { ...createCa(now, this.#o.caValidityMs ?? 10 * 365 * DAY), previousCa: stillValid(found.caCert, now) }
        : { caCert: found.caCert as string, caKey: found.caKey as string, previousCa: found.previousCa };
      const next: CertBundle = { ...ca, ...createServingCert(ca, this.#names, now, certValidity) };
      try {
        await this.#writeSecret(secret, next);
      } catch (err) {
        // Another replica wrote first: read what won and serve that.
        if (isConflict(err) && attempt < 5) continue;
        throw err;
      }
      this.rotations++;
      this.#o.log.info(caTrouble ? 'managed certificate: new CA and serving certificate' : 'managed certificate: new serving certificate under the same CA', { reason: trouble, secret: `${this.#o.namespace}/${this.#o.secretName}`, validTo: new X509Certificate(next.cert).validTo });
      this.#serve(next);
      break;
    }
    await this.#injectCaBundle();
  }

  async #writeSecret(existing: RawSecret | undefined, b: CertBundle): Promise<void> {
    const data = { 'ca.crt': b.caCert, 'ca.key': b.caKey, 'tls.crt': b.cert, 'tls.key': b.key, 'ca-previous.crt': b.previousCa ?? '' };
    const encoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
    if (!existing) {
      const body: RawSecret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: this.#o.secretName, namespace: this.#o.namespace }, type: 'Opaque', data: encoded };
      // Created meanwhile by another replica: AlreadyExists is a 409 too, and the caller reads again.
      await rawRequest(this.#o.kube, `/api/v1/namespaces/${encodeURIComponent(this.#o.namespace)}/secrets`, { method: 'POST', body: JSON.stringify(body), signal: this.#signal() });
      return;
    }
    // The resourceVersion read makes this a compare-and-swap: a concurrent writer gets 409.
    const body: RawSecret = { ...existing, data: { ...(existing.data ?? {}), ...encoded } };
    await rawRequest(this.#o.kube, this.#secretPath, { method: 'PUT', body: JSON.stringify(body), signal: this.#signal() });
  }

  #serve(b: CertBundle): void {
    const same = this.#current && this.#current.cert === b.cert && this.#current.key === b.key && this.#current.caCert === b.caCert && this.#current.previousCa === b.previousCa;
    this.#current = b;
    if (!same) for (const l of this.#listeners) l();
  }

  async #injectCaBundle(): Promise<void> {
    const ca = this.#current?.caCert;
    if (!ca) return;
    // The previous CA stays trusted until it expires: replicas may still serve what it signed for a moment.
    const previous = stillValid(this.#current?.previousCa, this.#now());
    const bundle = Buffer.from(previous ? `${ca.trimEnd()}\n${previous}` : ca).toString('base64');
    const path = `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${encodeURIComponent(this.#o.webhookConfigName)}`;
    for (let attempt = 0; attempt < 5; attempt++) {
      let config: RawWebhookConfig;
      try {
        config = JSON.parse(await rawRequest(this.#o.kube, path, { signal: this.#signal() })) as RawWebhookConfig;
      } catch (err) {
        if (isNotFound(err)) {
          this.#o.log.warn('managed certificate: the MutatingWebhookConfiguration does not exist (yet); its caBundle will be set when it does', { name: this.#o.webhookConfigName });
          return;
        }
        throw err;
      }
      const stale = (config.webhooks ?? []).filter((w) => w.clientConfig?.caBundle !== bundle);
      if (stale.length === 0) return;
      for (const w of config.webhooks ?? []) w.clientConfig = { ...(w.clientConfig ?? {}), caBundle: bundle };
      try {
        await rawRequest(this.#o.kube, path, { method: 'PUT', body: JSON.stringify(config), signal: this.#signal() });
        this.#o.log.info('managed certificate: caBundle written', { webhookConfiguration: this.#o.webhookConfigName, webhooks: stale.map((w) => w.name) });
        return;
      } catch (err) {
        if (!isConflict(err)) throw err;
      }
    }
  }
}
