// Messages of the "cli" area (see ../index.ts for the placeholder syntax): the plugin's frame (usage, global flags,
// usage errors, command list, completion), progress while waiting, and the errors of the shared parsers in lib/
// (durations, values, kubeconfig, Kubernetes connection errors).
export default {
  // cmd/main.ts: usage, groups, global flags, epilog
  'cli.usage': '{program}: make UCloud UK8S image acceleration safe and effortless\n\nUsage: {program} COMMAND [flags]',
  'cli.group.kubernetes': 'Kubernetes flags:',
  'cli.group.ucloud': 'UCloud flags:',
  'cli.flag.kubeconfig': 'Path to the kubeconfig file (default: KUBECONFIG or ~/.kube/config)',
  'cli.flag.context': 'The kubeconfig context to use',
  'cli.flag.cluster': 'The kubeconfig cluster to use',
  'cli.flag.user': 'The kubeconfig user to use',
  'cli.flag.namespace': 'The namespace scope for this request',
  'cli.flag.requestTimeout': 'How long to wait for a single request, to Kubernetes and to UCloud (e.g. 30s; 0 = no limit)',
  'cli.flag.server': 'The address and port of the Kubernetes API server',
  'cli.flag.certificateAuthority': 'Path to a cert file for the certificate authority',
  'cli.flag.insecureSkipTlsVerify': "If true, the server's certificate will not be checked for validity (insecure)",
  'cli.flag.tlsServerName': 'Server name to use for server certificate validation',
  'cli.flag.token': 'Bearer token for authentication to the API server',
  'cli.flag.as': 'Username to impersonate for the operation (the in-use scan and patch run as this user)',
  'cli.flag.asGroup': 'Group to impersonate for the operation, repeatable',
  'cli.flag.asUid': 'UID to impersonate for the operation',
  'cli.flag.clusterId': 'UK8S cluster ID (default: UCLOUD_UK8S_CLUSTER_ID, the context, or ConfigMap kube-system/uk8sconfig)',
  'cli.flag.region': 'UCloud region, e.g. cn-bj2 (default: UCLOUD_REGION, the context, the cluster)',
  'cli.flag.projectId': 'UCloud project ID (default: UCLOUD_PROJECT_ID, the context, the cluster)',
  'cli.flag.apiEndpoint': 'UCloud API base URL (default: UCLOUD_API_BASE_URL or https://api.ucloud.cn; inside a UCloud VPC http://api.service.ucloud.cn)',
  'cli.flag.credentialsSecret': 'Secret holding the UCloud key pair, NAMESPACE/NAME (default: kube-system/uimgacc-credentials)',
  'cli.flag.profile': 'ucloud-cli profile to take the key pair from (default: UCLOUD_PROFILE or the active one)',
  'cli.flag.v': 'Log level: -v explains where each setting came from, -v=2 also logs API calls (secrets never)',
  'cli.epilog':
    'Exit codes: 0 ok, 1 error, 3 refused because the image is in use (--force overrides), 4 timed out (the operation may still finish), 5 could not verify that nothing uses the image (part of the cluster could not be seen), 130/143 interrupted.',

  // cmd/main.ts: usage errors, in kubectl's (pflag's, cobra's) words
  'cli.commandRequired': 'a command is required',
  'cli.unknownFlag': 'unknown flag: {flag}',
  'cli.unexpectedArgument': 'unexpected argument "{argument}"',
  'cli.flagNeedsArgument': 'flag needs an argument: --{flag}',
  'cli.unknownCommand': 'unknown command "{command}" for "{program}"',
  'cli.didYouMean': 'Did you mean {command}?',
  'cli.seeHelp': "See '{command} --help' for usage.",
  'cli.invalidVerbosity': 'invalid -v level "{value}": use a number, e.g. -v=2',

  // cmd/commands/index.ts: the command list of --help
  'cli.command.status': 'Show whether image acceleration is enabled, ready and busy, and what is accelerated',
  'cli.command.list': 'List accelerated images (original image, target image, size, layers, status; -o wide adds exact size and how many containers use each)',
  'cli.command.create': 'Accelerate images: pre-load each ORIGINAL and publish its target (ORIGINAL=TARGET, default: tag + "-acc"), one after another; also -f FILE, --from TYPE/NAME',
  'cli.command.delete': 'Delete the acceleration of each IMAGE (original or target image), one after another; refuses while anything uses a target image',
  'cli.command.enable': "Enable image acceleration on the cluster (UFS/NFS in the cluster's VPC plus a UHub account with push permission)",
  'cli.command.disable': 'Disable image acceleration on the cluster; refuses while any target image is in use (every target image stops working)',
  'cli.command.configure': "Store the UCloud key pair (and UHub account, NFS address, subnet) in the cluster's credentials Secret and record the cluster ID in the kubeconfig context",
  'cli.command.doctor': 'Check everything image acceleration needs: cluster access, UCloud configuration and API, agent, labelled nodes, and the helper webhook',
  'cli.command.whoUses': 'List the Pods and workloads that use a target image (IMAGE, original or target), or every accelerated image',
  'cli.command.patch': 'Switch workloads to the target images of their Ready accelerations and pin them to nodes that can run them',
  'cli.command.unpatch': 'Undo `patch`: restore the original images and remove the node affinity it added',
  'cli.command.version': 'Print the plugin version, commit and Node.js version, and the server version when a cluster is reachable',
  'cli.command.completion': 'Explain how to set up shell completion for `kubectl uimgacc` (kubectl 1.26 or newer)',

  // cmd/completion.ts: short descriptions the shell shows next to each command
  'cli.complete.status': 'Show whether acceleration is enabled and which images are accelerated',
  'cli.complete.list': 'List the accelerated images',
  'cli.complete.create': 'Accelerate images',
  'cli.complete.delete': 'Delete the acceleration of an image',
  'cli.complete.enable': 'Enable image acceleration for the cluster',
  'cli.complete.disable': 'Disable image acceleration for the cluster',
  'cli.complete.configure': 'Store the UCloud credentials and settings for this cluster',
  'cli.complete.doctor': 'Check everything image acceleration needs',
  'cli.complete.whoUses': 'List what uses an accelerated image',
  'cli.complete.patch': 'Switch workloads to their accelerated images',
  'cli.complete.unpatch': 'Undo patch: back to the original images',
  'cli.complete.version': 'Print the plugin, Node.js and server versions',
  'cli.complete.completion': 'Explain how to set up shell completion',

  // cmd/commands/completion.ts ({script} is the shell script, the same in every language)
  'cli.completion.setup':
    'kubectl (1.26 or newer) completes the arguments of `kubectl uimgacc` by running an executable named\nkubectl_complete-uimgacc found on PATH. Your shell\'s kubectl completion must already be set up\n(e.g. `source <(kubectl completion bash)`).\n\nInstalled with krew (~/.krew/bin is on PATH):\n\n{script}\nInstalled from a release archive: put kubectl_complete-uimgacc from the archive next to kubectl-uimgacc on PATH.\nInstalled with npm: kubectl_complete-uimgacc is installed next to kubectl-uimgacc.\n\nCompleted: commands, flags, -o/--dry-run values, namespaces and contexts, workloads for patch/unpatch (TYPE/NAME),\naccelerated images for delete/who-uses (cached for 60 s in ~/.cache/kubectl-uimgacc/; a TAB never waits more than ~1 s).\n',

  // cmd/commands/version.ts
  'cli.version.flag.client': 'Only the client version (no cluster access)',
  'cli.version.flag.output': 'Output format: json|yaml',
  'cli.version.client': 'Plugin Version: {version}\nCommit: {commit}\nNode.js: {node} ({platform})\n',
  'cli.version.server': 'Server Version: {version}\n',
  'cli.version.serverUnknown': 'Server Version: unknown ({error})\n',

  // cmd/args.ts, cmd/output.ts
  'cli.flagNotNegatable': 'unknown flag: --no-{flag} (--{flag} takes a value; it cannot be negated)',
  'cli.dryRunServerImpossible':
    '--dry-run=server is not possible here: the UCloud API has no server-side dry run; use --dry-run=client, which reads the current status and runs every check without changing anything',
  'cli.dryRunInvalid': 'Invalid dry-run value ({value}). Must be "none", "server", or "client".',
  'cli.invalidTimeout': 'invalid --timeout: {reason}',
  'cli.unknownOutputFormat': 'unable to match a printer suitable for the output format "{format}", allowed formats are: {formats}',

  // cmd/progress.ts
  'cli.progress.status': 'status {status}',
  'cli.progress.nfsReady': 'NFS ready',
  'cli.progress.nfsNotReady': 'NFS not ready',
  'cli.progress.agentReady': 'agent ready',
  'cli.progress.agentNotReady': 'agent not ready yet',
  'cli.progress.error': 'error: {error}',
  'cli.progress.readFailed': 'status read failed, retrying: {error}',
  'cli.progress.separator': ', ',
  'cli.progress.elapsed': '{what} ({elapsed})',
  'cli.progress.elapsedDetail': '{what} ({elapsed}, {detail})',
  'cli.progress.line': '  {detail} ({elapsed})',
  'cli.progress.interrupted':
    '\nInterrupted ({signal}) while {what}: an operation UCloud accepted continues there; nothing was changed locally.\nFollow it with `kubectl uimgacc status --watch`.\n',
  'cli.progress.waitingFor': 'Waiting for {reason}',
  'cli.progress.turnCame': 'its turn came',
  'cli.progress.turnInterrupted':
    '\nInterrupted ({signal}) while waiting for its turn: nothing was sent by this command. `kubectl uimgacc status --watch` follows the operation in progress.\n',
  'cli.progress.recovered': '{reason}; the status shows UCloud accepted the request anyway',

  // cmd/prompt.ts, cmd/context.ts
  'cli.promptInterrupted': 'interrupted',
  'cli.timeoutRanOut': '--timeout {duration} ran out',
  'cli.timedOut': 'timed out',
  'cli.stopped': '{reason} ({error})',
  'cli.stoppedHint': 'hint: nothing may have been sent yet, or the operation may still finish: check `kubectl uimgacc status`',
  'cli.identityGoingAhead': '{warning}; going ahead (--force)',
  'cli.identityActingOn': '{mismatch}: acting on {clusterId}',
  'cli.noStdin': '-f -: there is no standard input to read',
  'cli.cannotRead': 'cannot read {file}: {reason}',
  'cli.noSuchFile': 'no such file or directory',
  'cli.invalidApiTimeout': 'invalid UIMGACC_API_TIMEOUT "{value}": use a duration such as 30s or 2m (0 = no limit)',

  // lib/duration.ts
  'cli.duration.notPositive': 'invalid duration "{input}": use a positive number with a unit, e.g. 90s, 10m or 1h30m',
  'cli.duration.invalid': 'invalid duration "{input}": use a number with a unit (ns, us, ms, s, m, h), e.g. 90s, 10m or 1h30m',

  // lib/values.ts
  'cli.labelKey.prefix': 'the prefix "{prefix}" must be a DNS subdomain (lower case letters, digits, "-" and ".", at most 253 characters)',
  'cli.labelKey.name': 'the name "{name}" must be 1 to 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit',
  'cli.nodeLabel.notKey': 'invalid --node-label "{text}": not a label key: {problem}',
  'cli.nodeLabel.notKeyHint': 'hint: e.g. --node-label node.uk8s.ucloud.cn/image_accel',
  'cli.nodeLabel.notTrue': 'invalid --node-label "{text}": accelerated nodes carry the label with the value "true", which is what is required',
  'cli.nodeLabel.hint': 'hint: --node-label {key}',
  'cli.nfs.invalid': 'invalid NFS address "{text}" (from {source}): {why}',
  'cli.nfs.hint': 'hint: the UFS mount point address, e.g. 10.9.0.10 or 10.9.0.10:/',
  'cli.nfs.notIpv6': 'not an IPv6 address in brackets',
  'cli.nfs.notIp': 'not an IP address',
  'cli.nfs.badHost': 'the host is neither an IP address nor a host name',
  'cli.nfs.badPath': 'the path after ":" must be absolute (start with "/") and hold no spaces',
  'cli.subnet.invalid': 'invalid subnet ID "{text}" (from {source}): UCloud subnet IDs look like subnet-xxxxxxxx',

  // lib/kube/access.ts, rawlist.ts, errors.ts: kubectl's words around what the server or the connection said
  'cli.kube.invalidRequestTimeout': 'invalid --request-timeout "{value}": use a duration such as 30s or 2m (0 = no limit)',
  'cli.kube.requestTimeout': 'request did not complete within {seconds}s (--request-timeout)',
  'cli.kube.noServer': 'the kubeconfig context has no cluster server',
  'cli.kube.fromServer': 'Error from server ({reason}): {message}',
  'cli.kube.httpStatus': 'the server responded with HTTP {code}',
  'cli.kube.refused': 'The connection to the server {host} was refused - did you specify the right host or port?',
  'cli.kube.refusedNoHost': 'The connection to the server was refused - did you specify the right host or port?',
  'cli.kube.noSuchHost': 'Unable to connect to the server: dial tcp: lookup {host}: no such host',
  'cli.kube.noSuchHostUnknown': "Unable to connect to the server: dial tcp: lookup the server's host: no such host",
  'cli.kube.unable': 'Unable to connect to the server: {reason}',
  'cli.kube.unableAt': 'Unable to connect to the server: {host}: {reason}',
  'cli.kube.timeout': 'timeout',
  'cli.kube.requestTimedOut': 'request timed out',
  'cli.kube.timedOutAfter': 'timed out after {seconds}s',

  // lib/kube/kubeconfig.ts
  'cli.kubeconfig.cannotRead': 'cannot read kubeconfig {file}: {reason}',
  'cli.kubeconfig.notYaml': 'kubeconfig {file} is not valid YAML: {reason}',
  'cli.kubeconfig.notMapping': 'kubeconfig {file} is not a mapping',
  'cli.kubeconfig.notList': 'kubeconfig {file}: {key} must be a list',
  'cli.kubeconfig.missing': 'stat {file}: no such file or directory',
  'cli.kubeconfig.contextNotFound': 'context was not found for specified context: {context}',
  'cli.kubeconfig.clusterNotFound': 'cluster "{cluster}" not found in kubeconfig',
  'cli.kubeconfig.userNotFound': 'user "{user}" not found in kubeconfig',
  'cli.kubeconfig.caWithInsecure': 'specifying a root certificates file with the insecure flag is not allowed (--certificate-authority with --insecure-skip-tls-verify)',
  'cli.kubeconfig.impersonateWithoutUser': 'requesting uid or groups without impersonating a user is not allowed: add --as',
  'cli.kubeconfig.none': 'no kubeconfig found: set --kubeconfig or KUBECONFIG, or create ~/.kube/config (or give --server)',
  'cli.kubeconfig.noCurrentContext': 'no current context is set in the kubeconfig: use --context or `kubectl config use-context`',
  'cli.kubeconfig.contextClusterNotFound': 'cluster "{cluster}" of context "{context}" not found in kubeconfig',
  'cli.kubeconfig.noContextToRecord': 'no kubeconfig context to record the cluster ID on: use --context',
  'cli.kubeconfig.contextNotInFile': 'context "{context}" not found in {file}',

  // lib/kube/support.ts
  'cli.support.unrecognised': 'version {version} not recognised',
  'cli.support.tooOld': '{version} is older than {oldest}, the oldest Kubernetes UCloud supports image acceleration on',
} as const;
