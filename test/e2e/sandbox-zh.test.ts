// README's "Try it" walk-through as a Chinese-speaking UK8S operator runs it: every line of the plugin's human output
// under LANG=zh_CN.UTF-8 is checked for English left untranslated. What may stay Latin is what the glossary keeps:
// names and IDs from the cluster and UCloud, image references, commands and flags, Kubernetes kinds, status values,
// units and acronyms. Machine output (-o json) is the same bytes in both languages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { COMMANDS } from '../../cmd/commands/index.ts';
import { startSandbox, type Sandbox } from '../helpers/sandbox.ts';

const ZH = { LANG: 'zh_CN.UTF-8' };
const EN = { LANG: 'C.UTF-8' };

/** Words that stay as they are in Chinese text (GLOSSARY.md "Kept in English"), beyond names found in the cluster. */
const KEPT = new Set(
  [
    'kubectl', 'uimgacc', 'helm', 'krew', 'UCloud', 'UK8S', 'UHub', 'UFS', 'NFS', 'VPC', 'API', 'ID', 'IDs', 'IO', 'IP', 'TLS', 'CA', 'JSON', 'YAML',
    'agent', 'webhook', 'containerd', 'kubeconfig', 'Node', 'js', 'Ctrl', 'C', 'RetCode', 'Secret', 'ConfigMap', 'Service', 'Namespace',
    'Pod', 'Pods', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'ReplicationController', 'MutatingWebhookConfiguration',
    'Ready', 'Creating', 'CreateError', 'Deleting', 'DeleteError', 'Unknown', 'Running', 'Pending', 'Succeeded', 'Failed', 'NotReady',
    'json', 'yaml', 'wide', 'name', 'none', 'client', 'server', 'diff', 'true', 'false',
    'B', 'KiB', 'MiB', 'GiB', 'TiB', 'ms', 's', 'm', 'h', 'acc', 'nodeAffinity', 'affinity', 'image', 'containers', 'initContainers',
    ...COMMANDS.flatMap((c) => [c.name, ...c.aliases]),
    'po', 'deploy', 'sts', 'ds', 'rs', 'rc', 'cj', 'cronjob', 'job', 'pod', 'rollout',
    // Names of products, protocols and API objects that Chinese technical writing keeps (GLOSSARY.md).
    'Kubernetes', 'Bearer', 'ucloud-cli', 'profile', 'shell', 'bash', 'zsh', 'fish', 'tag', 'helper', 'cert-manager', 'Argo', 'CD', 'Prometheus',
    'ServiceMonitor', 'NetworkPolicy', 'failurePolicy', 'Ignore', 'Fail', 'stdin', 'stdout', 'stderr', 'PEM', 'URL', 'HTTP', 'HTTPS',
    'I', 'Ctrl-C', 'kind', 'init', 'caBundle', 'NotFound', 'Forbidden', 'Unauthorized', 'Conflict', 'AlreadyExists', 'Invalid', 'BadRequest', 'AcceleratedImage', 'AccelerationStatus', 'ImageUsage', 'Configuration', 'DoctorReport',
  ].map((w) => w.toLowerCase()),
);

/** Names, namespaces, images and IDs the sandbox holds: data, never translated. */
async function namesIn(sandbox: Sandbox): Promise<Set<string>> {
  const names = new Set<string>();
  const add = (v: unknown): void => {
    if (typeof v === 'string') for (const w of [v, ...v.split(/[^A-Za-z0-9]+/)]) if (w !== '') names.add(w.toLowerCase());
  };
  // Every string value under a key `keep` accepts (its own key, or the nearest one above it for array items).
  const walk = (o: unknown, keep: (key: string) => boolean, key = ''): void => {
    if (Array.isArray(o)) for (const v of o) walk(v, keep, key);
    else if (o !== null && typeof o === 'object') for (const [k, v] of Object.entries(o)) walk(v, keep, k);
    else if (keep(key)) add(o);
  };
  const json = async (command: string, env?: Record<string, string>): Promise<unknown> => {
    const r = await sandbox.sh(command, env);
    assert.equal(r.code, 0, r.out);
    return JSON.parse(r.stdout);
  };
  walk(await json('kubectl get pods,deploy,sts,ds,rs,jobs,cronjobs,nodes,ns -A -o json'), (key) => ['name', 'namespace', 'image', 'nodeName'].includes(key));
  walk(await json('kubectl uimgacc status -o json', EN), () => true);
  // The UK8S cluster's own record: region, project, cluster ID.
  walk(((await json('kubectl get configmap uk8sconfig -n kube-system -o json')) as { data: unknown }).data, () => true);
  return names;
}

/** The Latin words of a line of human output that are neither kept words nor names: English left untranslated. */
function englishIn(line: string, names: ReadonlySet<string>): string[] {
  const text = line
    // An example in --help: the command, then its explanation after two spaces or more.
    .replace(/^\s*kubectl \S.*?(\s{2,}|$)/, ' ')
    // The Kubernetes API server's own message, shown as it comes (kubectl does the same).
    .replace(/\b\S+ "[^"]*" not found\b/g, ' ')
    // `kubectl uimgacc unpatch …` and other commands quoted in a message, names quoted as the user typed them.
    .replace(/`[^`]*`|"[^"]*"|“[^”]*”/g, ' ')
    // Flags, environment variables, and anything with the punctuation of a name, reference, address or number.
    .split(/[\s，。：；、（）“”‘’「」【】！？]+|[()[\]{}"',;!?]+/)
    .filter((tok) => !/^-{1,2}[A-Za-z]/.test(tok) && !/^[A-Z][A-Z0-9_]+=?/.test(tok) && !/[/:=_.@\d]/.test(tok))
    .join(' ');
  return [...text.matchAll(/[A-Za-z](?:[A-Za-z-]*[A-Za-z])?/g)].map((m) => m[0]).filter((w) => !KEPT.has(w.toLowerCase()) && !names.has(w.toLowerCase()));
}

/** The commands of README's "Try it" second shell, each with whether the README says it is refused (exit 3). */
function walkThrough(): { command: string; refused: boolean }[] {
  const readme = readFileSync('README.md', 'utf8');
  const block = /```sh\nsource \.sandbox\/env\n([^]*?)```/.exec(readme)?.[1];
  assert.ok(block, 'README.md has the "Try it" second-shell block');
  return block
    .split('\n')
    .filter((l) => l.trim() !== '')
    .flatMap((l) => {
      const [command = '', comment = ''] = l.split(/\s+#\s/);
      return command.split(' && ').map((c) => ({ command: c.trim(), refused: /refused/.test(comment) }));
    });
}

test('the "Try it" walk-through under LANG=zh_CN.UTF-8: no human line left in English; -o json the same bytes', async () => {
  const sandbox = await startSandbox();
  let exited: Promise<number | null> | undefined;
  try {
    const names = await namesIn(sandbox);
    const untranslated: string[] = [];
    const check = (command: string, out: string): void => {
      // patch --diff prints the object's YAML as a diff: field names and values, data like -o yaml.
      const diff = command.includes('--diff');
      for (const line of out.split('\n')) {
        if (diff && /^([-+ @]|diff )/.test(line)) continue;
        const words = englishIn(line, names);
        if (words.length > 0) untranslated.push(`${command}\n    ${line}\n    → ${words.join(' ')}`);
      }
    };
    const steps = walkThrough();
    assert.ok(steps.filter((s) => s.command.startsWith('kubectl uimgacc')).length >= 10, JSON.stringify(steps));
    let chineseLines = 0;
    for (const { command, refused } of steps) {
      const r = await sandbox.sh(command, ZH);
      if (command.startsWith('kubectl rollout') || command.startsWith('kubectl get')) {
        assert.equal(r.code, 0, `${command}\n${r.out}`);
        continue;
      }
      assert.equal(r.code, refused ? 3 : 0, `${command}\n${r.out}`);
      check(command, r.out);
      chineseLines += r.out.split('\n').filter((l) => /[\u4e00-\u9fff]/.test(l)).length;
    }

    // Beyond the walk-through: every command's --help, doctor, and a few errors a newcomer meets first.
    const more = [
      'kubectl uimgacc --help',
      ...COMMANDS.map((c) => `kubectl uimgacc ${c.name} --help`),
      'kubectl uimgacc doctor',
      'kubectl uimgacc version',
      'kubectl uimgacc delete uhub.service.ucloud.cn/demo/nosuch:v1',
      'kubectl uimgacc statsu',
      'kubectl uimgacc list -o table',
      'kubectl uimgacc patch deploy/nosuch -n web',
      // -v explains where each setting came from, in the user's language (klog's "I" prefix stays).
      'kubectl uimgacc status -v',
      'kubectl uimgacc who-uses uhub.service.ucloud.cn/demo/nosuch:v1 -v',
      'kubectl uimgacc patch deploy/frontend -n web --dry-run=client -v',
    ];
    for (const command of more) check(command, (await sandbox.sh(command, ZH)).out);
    assert.deepEqual(untranslated, [], `English left in the Chinese output:\n${untranslated.join('\n')}`);
    assert.ok(chineseLines >= 20, `only ${chineseLines} Chinese lines in the walk-through`);

    // What a script parses does not change with the language.
    for (const command of ['kubectl uimgacc status -o json', 'kubectl uimgacc list -o yaml', 'kubectl uimgacc who-uses -A -o json', 'kubectl uimgacc doctor -o json', 'kubectl uimgacc delete uhub.service.ucloud.cn/demo/app:v1 --dry-run=client -o json']) {
      const [zh, en] = [await sandbox.sh(command, ZH), await sandbox.sh(command, EN)];
      assert.equal(zh.code, en.code, command);
      // doctor quotes the helper's readiness, which includes the age of its list: the only part that may differ.
      const timeless = (out: string): string => out.replace(/list \d+s old/g, 'list Ns old');
      assert.equal(timeless(zh.stdout), timeless(en.stdout), command);
    }
  } finally {
    exited = sandbox.stop();
  }
  assert.equal(await exited, 0, sandbox.output());
});
