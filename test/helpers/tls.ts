import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';

/** A throwaway CA and a serving certificate for 127.0.0.1, made with the openssl CLI. */
export function makeServingCert(): { dir: string; caFile: string; certFile: string; keyFile: string; caBundle: string } {
  const dir = mkdtempSync(join(tmpdir(), 'uimgacc-tls-'));
  const f = (n: string): string => join(dir, n);
  const ssl = (...args: string[]): void => void execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '1', '-subj', '/CN=uimgacc-test-ca');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('tls.key'), '-out', f('tls.csr'), '-subj', '/CN=127.0.0.1');
  writeFileSync(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  ssl('x509', '-req', '-in', f('tls.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('tls.crt'), '-days', '1', '-extfile', f('ext.cnf'));
  return { dir, caFile: f('ca.crt'), certFile: f('tls.crt'), keyFile: f('tls.key'), caBundle: readFileSync(f('ca.crt')).toString('base64') };
}

/** SHA-256 fingerprint of the certificate a TLS server on 127.0.0.1:port serves right now (not verified). */
export function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/healthz', rejectUnauthorized: false, agent: false }, (res) => {
      resolve((res.socket as TLSSocket).getPeerX509Certificate()?.fingerprint256 ?? '');
      res.resume();
    });
    req.on('error', reject);
    req.end();
  });
}
