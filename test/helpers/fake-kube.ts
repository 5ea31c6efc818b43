import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import type { KubeAccess } from '../../lib/kube/access.ts';

/** A KubeAccess talking plain HTTP to a fake apiserver listening on 127.0.0.1; raw reads need only these members. */
export function fakeKubeAccess(server: Server): KubeAccess {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'fake', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'not-a-secret' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'u' }],
    currentContext: 'fake',
  });
  return { kubeConfig: async () => kc, requestTimeoutMs: 0, impersonationHeaders: () => ({}) } as unknown as KubeAccess;
}
