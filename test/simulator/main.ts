// Runs the UCloud API simulator on its own (`npm run simulator -- [flags]`), for the sandbox, CLI-process tests and
// manual testing. Prints the base URL alone on stdout (easy to capture), details on stderr; stops on SIGINT/SIGTERM.
// Every flag has an environment fallback; flags win. Drive it from elsewhere through /_sim/ (see remote.ts).
import { parseArgs } from 'node:util';
import { parseClusterPatch, startSimulator, type SimClusterInit, type SimClusterPatch } from './server.ts';

const HELP = `Usage: npm run simulator -- [flags]

  --port N                 listen port (SIM_PORT; default 0 = any free port)
  --host ADDR              listen address (SIM_HOST; default 127.0.0.1)
  --public-key KEY         accepted key pair (UCLOUD_PUBLIC_KEY / UCLOUD_PRIVATE_KEY;
  --private-key KEY          default sandbox-public-key / sandbox-private-key)
  --project ID             allowed ProjectId, repeatable (SIM_PROJECTS, comma-separated; default: any)
  --cluster-id ID          simulated cluster, repeatable (SIM_CLUSTER_ID, comma-separated; default uk8s-sandbox01)
  --region REGION          the clusters' region (SIM_REGION, else UCLOUD_REGION; default cn-bj2)
  --state JSON             initial state of every cluster (SIM_STATE), e.g.
                           '{"Enable":true,"NfsReady":true,"AgentReady":true,"Images":[{"OriginalImage":"a:1","TargetImage":"a:1-acc"}]}'
  --create-delay-ms N      Creating -> Ready (SIM_CREATE_DELAY_MS; default 8000)
  --delete-delay-ms N      Deleting -> Ready (SIM_DELETE_DELAY_MS; default 5000)
  --enable-delay-ms N      AgentReady stays false after enabling (SIM_ENABLE_DELAY_MS; default 10000)
  --disable-delay-ms N     disable teardown (SIM_DISABLE_DELAY_MS; default 3000)
`;

function fail(message: string): never {
  process.stderr.write(`error: ${message}\n\n${HELP}`);
  process.exit(2);
}

function parse() {
  return parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'public-key': { type: 'string' },
      'private-key': { type: 'string' },
      project: { type: 'string', multiple: true },
      'cluster-id': { type: 'string', multiple: true },
      region: { type: 'string' },
      state: { type: 'string' },
      'create-delay-ms': { type: 'string' },
      'delete-delay-ms': { type: 'string' },
      'enable-delay-ms': { type: 'string' },
      'disable-delay-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  }).values;
}
let flags: ReturnType<typeof parse>;
try {
  flags = parse();
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
}
if (flags.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

const env = process.env;
const list = (fromFlags: string[] | undefined, fromEnv: string | undefined): string[] | undefined =>
  fromFlags ?? fromEnv?.split(',').map((s) => s.trim()).filter(Boolean);
const number = (flag: string | undefined, envName: string, dflt: number): number => {
  const text = flag ?? env[envName];
  if (text === undefined || text === '') return dflt;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) fail(`${envName} / flag value must be a non-negative integer, got ${JSON.stringify(text)}`);
  return n;
};

let state: SimClusterPatch = {};
const stateText = flags.state ?? env['SIM_STATE'];
if (stateText) {
  try {
    state = parseClusterPatch(JSON.parse(stateText));
  } catch (err) {
    fail(`--state / SIM_STATE: ${err instanceof SyntaxError ? 'not valid JSON' : String(err instanceof Error ? err.message : err)}`);
  }
}
const region = flags.region ?? env['SIM_REGION'] ?? env['UCLOUD_REGION'] ?? 'cn-bj2';
const clusterIds = list(flags['cluster-id'], env['SIM_CLUSTER_ID']) ?? ['uk8s-sandbox01'];
const clusters: SimClusterInit[] = clusterIds.map((clusterId) => ({ ...state, clusterId, region }));
const publicKey = flags['public-key'] ?? env['UCLOUD_PUBLIC_KEY'] ?? 'sandbox-public-key';
const privateKey = flags['private-key'] ?? env['UCLOUD_PRIVATE_KEY'] ?? 'sandbox-private-key';

const sim = await startSimulator({
  port: number(flags.port, 'SIM_PORT', 0),
  host: flags.host ?? env['SIM_HOST'] ?? '127.0.0.1',
  accounts: [{ publicKey, privateKey, projects: list(flags.project, env['SIM_PROJECTS']) }],
  clusters,
  createDelayMs: number(flags['create-delay-ms'], 'SIM_CREATE_DELAY_MS', 8000),
  deleteDelayMs: number(flags['delete-delay-ms'], 'SIM_DELETE_DELAY_MS', 5000),
  enableDelayMs: number(flags['enable-delay-ms'], 'SIM_ENABLE_DELAY_MS', 10000),
  disableDelayMs: number(flags['disable-delay-ms'], 'SIM_DISABLE_DELAY_MS', 3000),
});
process.stdout.write(`${sim.url}\n`);
// The private key is never printed: only which public key is accepted.
process.stderr.write(
  `UCloud API simulator listening on ${sim.url}\n` +
    `  clusters: ${clusterIds.join(', ')} in ${region}; public key ${publicKey}\n` +
    `  admin API: ${sim.url}/_sim/{faults,requests,clusters,reset}\n`,
);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    void sim.close().then(() => process.exit(0));
  });
}
