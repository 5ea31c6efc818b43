// Runs the UCloud API simulator on its own (`npm run simulator`), e.g. for the sandbox or manual testing.
// Configuration by environment: SIM_PORT (default 0 = any), SIM_CLUSTER_ID, SIM_REGION, UCLOUD_PUBLIC_KEY,
// UCLOUD_PRIVATE_KEY, SIM_CREATE_DELAY_MS, SIM_DELETE_DELAY_MS, SIM_ENABLE_DELAY_MS, SIM_DISABLE_DELAY_MS,
// SIM_STATE (JSON of the cluster's initial state, e.g. {"Enable":true,"AgentReady":true,"Images":[…]}).
import { startSimulator, type SimClusterInit } from './server.ts';

const env = process.env;
const num = (name: string, dflt: number): number => (env[name] ? Number(env[name]) : dflt);
const publicKey = env['UCLOUD_PUBLIC_KEY'] ?? 'sandbox-public-key';
const privateKey = env['UCLOUD_PRIVATE_KEY'] ?? 'sandbox-private-key';
const cluster: SimClusterInit = {
  clusterId: env['SIM_CLUSTER_ID'] ?? 'uk8s-sandbox01',
  region: env['SIM_REGION'] ?? 'cn-bj2',
  ...(env['SIM_STATE'] ? (JSON.parse(env['SIM_STATE']) as object) : {}),
};
const sim = await startSimulator({
  port: num('SIM_PORT', 0),
  accounts: [{ publicKey, privateKey }],
  clusters: [cluster],
  createDelayMs: num('SIM_CREATE_DELAY_MS', 8000),
  deleteDelayMs: num('SIM_DELETE_DELAY_MS', 5000),
  enableDelayMs: num('SIM_ENABLE_DELAY_MS', 10000),
  disableDelayMs: num('SIM_DISABLE_DELAY_MS', 3000),
});
process.stdout.write(`UCloud API simulator listening on ${sim.url} (cluster ${cluster.clusterId} in ${cluster.region})\n`);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    void sim.close().then(() => process.exit(0));
  });
}
