// Messages of the "workload" area (see ../index.ts for the placeholder syntax): patch, unpatch, who-uses, and what
// lib/workload, lib/affinity and lib/nodes tell the user. Nothing here is written to the cluster or to -o output.
export default {
  // --help of patch and unpatch (flags both share come in a patch and an unpatch sentence).
  'workload.flag.target': 'TYPE/NAME ..., TYPE NAME ..., or TYPE with -l/--all (deploy, sts, ds, rs, rc, cj)',
  'workload.flag.selector.patch': 'Label selector: patch every workload of TYPE that matches, e.g. -l app=web',
  'workload.flag.selector.unpatch': 'Label selector: unpatch every workload of TYPE that matches, e.g. -l app=web',
  'workload.flag.all.patch': 'Patch every workload of TYPE in the namespace',
  'workload.flag.all.unpatch': 'Unpatch every workload of TYPE in the namespace',
  'workload.flag.fieldManager': 'Name of the manager used to track field ownership',
  'workload.flag.dryRun': 'none|client|server: client prints what would change without sending it; server sends it with dryRun=All (admission and validation run, nothing is stored)',
  'workload.flag.diff': 'Print a unified diff of the pod template (with --dry-run: what would change)',
  'workload.flag.output': 'Output format: json|yaml|name (default: one line per workload)',
  'workload.flag.container': 'Only these containers or init containers (repeatable)',
  'workload.flag.image': 'ORIGINAL=TARGET: use this pair instead of the accelerations UCloud lists (repeatable)',
  'workload.flag.nodeLabel':
    'Require this node label key (or KEY=true) only (default: either spelling, node.uk8s.ucloud.cn/image_accel or the legacy node.uk8s.ucloud.cn/uimgacc, so every accelerated node qualifies)',
  'workload.example.patch': 'Use the accelerated image for every container of deployment web that has one',
  'workload.example.patchSeveral': 'Several workloads at once',
  'workload.example.patchPreview': 'Preview the change to the pod templates',
  'workload.example.patchPair': 'Name the pair explicitly',
  'workload.example.unpatch': 'Back to the original images',
  'workload.example.unpatchAll': 'Every patched Deployment of the namespace (others are skipped)',

  // --help of who-uses.
  'workload.flag.image.whoUses': 'Original or target image; default: every accelerated image',
  'workload.flag.allNamespaces': 'Look in all namespaces (the default; -n looks in one)',
  'workload.flag.output.whoUses': 'Output format: json|yaml|wide|name (wide adds the target image; name prints kind.group/name per object, as kubectl does)',
  'workload.example.whoUses': 'Everything, in every namespace, that uses the target image of {image}',
  'workload.example.whoUsesJson': 'Users of every accelerated image in namespace web, as JSON',

  // Bad input.
  'workload.error.diffWithOutput': '--diff prints a diff; it cannot be combined with -o',
  'workload.error.fieldManager': '--field-manager must be 1 to 128 characters',
  'workload.error.namespaceAndAll': '--all-namespaces and --namespace cannot be used together',
  'workload.error.noTargets': 'you must specify the workloads to patch: TYPE/NAME ..., TYPE NAME ..., or TYPE with -l SELECTOR or --all',
  'workload.error.selectorAndAll': 'use either -l/--selector or --all, not both',
  'workload.error.selectorTakesType': '-l/--selector and --all take exactly one TYPE (e.g. deployments), no names',
  'workload.error.badTypeName': 'invalid TYPE/NAME "{arg}"',
  'workload.error.typeSeparate': 'there is no need to specify a resource type as a separate argument when passing arguments in resource/name form',
  'workload.error.nameMissing': 'you must name the {type} to patch, or use -l SELECTOR or --all',
  'workload.error.noTemplateType': 'the server doesn\'t have a resource type "{type}" with a pod template',
  'workload.hint.templateTypes': 'hint: use deployments (deploy), statefulsets (sts), daemonsets (ds), replicasets (rs), replicationcontrollers (rc), cronjobs (cj), jobs or pods (po)',
  'workload.error.jobImmutable': 'Jobs cannot be patched: the pod template of a Job is immutable',
  'workload.hint.jobImmutable': 'hint: patch the CronJob that creates the Job, or recreate the Job with the target image (`kubectl uimgacc list` shows it)',
  'workload.error.unknownType': 'the server doesn\'t have a resource type "{type}" that uimgacc can patch',
  'workload.hint.patchTypes': 'hint: use deployments (deploy), statefulsets (sts), daemonsets (ds), replicasets (rs), replicationcontrollers (rc) or cronjobs (cj)',
  'workload.error.noPodTemplate': '{name} has no pod template ({pointer})',
  'workload.error.noContainer': 'unable to find container named "{container}" in {name}',

  // Containers as messages name them.
  'workload.container': 'container {name}',
  'workload.initContainer': 'init container {name}',
  'workload.containerQuoted': 'container "{name}"',
  'workload.initContainerQuoted': 'init container "{name}"',

  // The uimgacc record (annotation) on a workload.
  'workload.record.notObject': '{what} is not an object',
  'workload.record.notString': '{what} is not a string',
  'workload.record.badAffinity': 'affinity is not a valid record',
  'workload.record.notJson': 'it is not JSON',
  'workload.record.notJsonObject': 'it is not a JSON object',
  'workload.record.version': 'unknown version {version} (this plugin writes version 1; upgrade it)',
  'workload.record.invalid': 'the annotation {annotation} of {name} is not a valid uimgacc record: {reason}',
  'workload.hint.record': 'hint: check the workload by hand (kubectl get {name} -o yaml); remove the annotation with `kubectl annotate {name} {annotation}-` once it is correct',

  // unpatch refusals.
  'workload.unpatch.notPatched': '{name} was not patched by uimgacc (it has no {annotation} annotation), so there is nothing to undo',
  'workload.hint.notPatched': 'hint: if its images were changed by hand, change them back by hand (kubectl set image {name} CONTAINER=IMAGE)',
  'workload.unpatch.containerGone': '{container} no longer exists',
  'workload.unpatch.imageChanged': '{container} runs {image}, not the target image {target} that patch set (original: {original})',
  'workload.unpatch.changed': 'cannot unpatch {name}: it was changed after uimgacc patched it',
  'workload.unpatch.affinity': 'cannot unpatch {name}: {reason}',
  'workload.hint.unpatchImages':
    'hint: set the images you want by hand (kubectl set image) and remove the acceleration node affinity if you no longer want it (kubectl edit), then remove the record with `kubectl annotate {name} {annotation}-` (the annotation shows what patch changed)',
  'workload.hint.unpatchAffinity':
    'hint: remove the {labels} expressions patch added by hand (kubectl edit {name}) and restore the original images (kubectl set image), then remove the record with `kubectl annotate {name} {annotation}-` (the annotation shows what patch changed)',

  // The node affinity patch adds and unpatch removes.
  'workload.affinity.labelSeparator': ' or ',
  'workload.affinity.conflictTerm': 'term {index}: {expressions}',
  'workload.affinity.gone': 'the required node affinity that patch added is no longer there',
  'workload.affinity.expectedCreated': 'exactly {n} {n|term|terms}, one per acceleration label',
  'workload.affinity.expected': '{n} {n|term|terms}',
  'workload.affinity.termCount': 'the required node affinity has {n} {n|term|terms} where patch left {expected}: terms were added or removed since',
  'workload.affinity.createdChanged': 'the required node affinity was changed after patch created it (expected {expected} holding only its expression)',
  'workload.affinity.termGone': 'node selector term {index} is gone',
  'workload.affinity.expressionGone': 'node selector term {index} no longer has the {label} expression that patch added',
  'workload.affinity.copyChanged': 'node selector term {index} was changed after patch copied it (it no longer matches the other copies of the original term {source})',

  // create --from: images of a workload left out.
  'workload.skip.invalid': 'not a valid image reference',
  'workload.skip.isTarget': 'already a target image',
  'workload.skip.accelerated': 'already accelerated as {target}',
  'workload.skip.digest': 'pinned by digest only: name a target with `kubectl uimgacc create ORIGINAL=TARGET`',

  // Writing with optimistic concurrency.
  'workload.write.theObject': 'the object',
  'workload.write.lostRace': '{name} was changed by someone else each time between reading and writing it ({attempts} attempts); nothing was written',
  'workload.hint.lostRace': 'hint: retry once whatever is updating it (a controller, a deploy pipeline) has settled',

  // As the apiserver words a missing object, for the workload read that found none.
  'workload.notFound': '{resource} "{name}" not found',
  'workload.nodes.noServer': 'the kubeconfig context has no cluster server',

  // What patch and unpatch say. `what` of the cluster identity check ("refusing to …").
  'workload.identity.patch': 'patch workloads',
  'workload.identity.unpatch': 'unpatch workloads',
  'workload.identity.whoUses': 'tell who uses the accelerated images',
  'workload.noResources': 'No resources found in {namespace} namespace.',
  'workload.result.patched': '{name} patched',
  'workload.result.patchedDryRun': '{name} patched (dry run)',
  'workload.result.patchedServerDryRun': '{name} patched (server dry run)',
  'workload.result.unpatched': '{name} unpatched',
  'workload.result.unpatchedDryRun': '{name} unpatched (dry run)',
  'workload.result.unpatchedServerDryRun': '{name} unpatched (server dry run)',
  'workload.result.unchanged': '{name} unchanged',
  'workload.result.unchangedBecause': '{name} unchanged: {reason}',
  'workload.result.skipped': '{name} skipped: not patched by uimgacc',
  'workload.line.imageChange': '{container}: {from} -> {to}',
  'workload.line.affinityRequires': 'node affinity: requires {labels}',
  'workload.line.alreadyOriginal': '{container}: already runs {image} again',
  'workload.line.affinityRemoved': 'node affinity: acceleration label requirement removed',
  'workload.reason.alreadyPatched': 'already uses the target images and requires the acceleration node label',
  'workload.reason.nothingAccelerated': 'no selected container uses an image with a Ready acceleration',
  'workload.reason.alreadyUnpatched': 'already unpatched (another run restored the original images meanwhile)',
  'workload.notAccelerated': '{name}: {container} ({image}) has no Ready acceleration: left alone',
  'workload.nothingToPatch': 'Nothing to patch: no selected container uses an image with a Ready acceleration that is not already in place.',
  'workload.warn.excludedNodes':
    '{n} node(s) carry an acceleration label but not {label}=true: Pods will not be scheduled there (without --node-label either spelling qualifies)',
  'workload.warn.managedBy': '{name} is managed by {owner}, which will not keep this change: patch the {kind} instead',
  'workload.runningPodsKeep': '{name}: running Pods keep their images (a {kind} applies its template only to Pods it creates); delete them to have them recreated',
  'workload.warn.affinityConflict': '{name}: its node affinity contradicts {labels} ({conflict}): Pods matching that term could not be scheduled',
  'workload.warn.noReadyNode':
    'no Ready node carries {labels}: Pods of {name} will stay Pending until such nodes join (only nodes added after acceleration was enabled get the label)',
  'workload.warn.fewNodes':
    '{name} wants {replicas} replicas but only {ready} Ready node(s) carry {labels}: they all run there (anti-affinity or spread constraints may leave some Pending)',

  // What who-uses says (its table and the lines about what the scan could not see come from the views).
  'workload.whoUses.scopeAll': 'all namespaces',
  'workload.whoUses.scopeNamespace': 'namespace {namespace}',
  'workload.whoUses.summary': '{summary} (in {scope}).',
  'workload.whoUses.summaryPartial': '{summary} (in what could be listed; more may use it where the scan could not see).',
  'workload.whoUses.nothing': 'Nothing uses {image} in {scope}.',
  'workload.whoUses.nothingMany': 'Nothing uses the accelerated images in {scope}.',
  'workload.whoUses.nothingNoImages': 'Nothing uses any accelerated image (there are none) in {scope}.',
  'workload.whoUses.nothingPartial': 'No use of {image} found in what could be listed, which is not everything: it is unknown whether anything uses it.',
  'workload.whoUses.nothingPartialMany': 'No use of the accelerated images found in what could be listed, which is not everything: it is unknown whether anything uses them.',
  'workload.whoUses.namespaceOnly': '(namespace {namespace} only; without -n, who-uses looks in all namespaces)',
  'workload.whoUses.incomplete': 'the scan could not see {n} kind/namespace combination(s): the list may be incomplete',
  'workload.whoUses.incompleteMachine': 'the scan could not see {n} kind/namespace combination(s) (see "unseen"): the list may be incomplete',
  'workload.whoUses.unreadable': 'the cluster could not be read: {reason}',
  'workload.whoUses.unseen': 'the scan could not see:',
  'workload.hint.unseen':
    'hint: check that this context may list these kinds there (e.g. `kubectl auth can-i list cronjobs.batch -n NAMESPACE`), then run who-uses again; until then the answer is incomplete (exit code 5)',
  // -v: how patch chose the node labels, and what who-uses looked for.
  'workload.debug.nodesForbidden': 'cannot list Nodes (forbidden): requiring {labels} without checking the nodes',
  'workload.debug.labelCount': '{label}: {ready}/{nodes} Ready',
  'workload.debug.labelsFromFlag': 'node labels: {labels} (from --node-label; {counts})',
  'workload.debug.labelsDetected': 'node labels: {labels} (both spellings; {counts})',
  'workload.debug.attempts': '{name}: written after {n} attempts (it changed concurrently)',
  'workload.debug.notAccelerated': '{image} is not an accelerated image: looking for it as given',
  'workload.debug.notAcceleratedNoList': '{image} is not an accelerated image (the list is not available): looking for it as given',
} as const;
