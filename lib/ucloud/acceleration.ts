import type { UCloudClient, UCloudResponse } from './client.ts';
import { t } from '../i18n/index.ts';
import viewEnglish from '../i18n/en/view.ts';

export const ACCELERATION_STATUSES = ['Ready', 'Creating', 'CreateError', 'Deleting', 'DeleteError', 'Unknown'] as const;
export type AccelerationStatus = (typeof ACCELERATION_STATUSES)[number];

export interface AcceleratedImage {
  readonly originalImage: string;
  readonly targetImage: string;
  readonly sizeBytes: number;
  readonly layers: number;
  /** False for an image UCloud does not list (left by a CreateError) that `delete --force` names anyway. */
  readonly listed?: false | undefined;
}

/** GetUK8SImageAccelerate, in our words. */
export interface AccelerationState {
  readonly clusterId: string;
  readonly enabled: boolean;
  readonly nfsReady: boolean;
  readonly agentReady: boolean;
  /** Cluster-wide: UCloud runs one create/delete at a time. */
  readonly status: AccelerationStatus;
  readonly error: string | undefined;
  readonly images: readonly AcceleratedImage[];
  /**
   * False while creating, deleting or while the agent is not ready: the API then forces `Images` empty, so an empty
   * list means "unknown", never "nothing accelerated".
   */
  readonly imagesKnown: boolean;
  readonly subnetId: string | undefined;
  readonly nfsAddr: string | undefined;
}

export interface EnableRequest {
  readonly nfsAddr: string;
  readonly subnetId: string;
  readonly uhubUsername: string;
  readonly uhubPassword: string;
}

/**
 * What AgentReady=false with Enable=true means. The API shows the same for an agent still starting after enable and for
 * one a disable is tearing down, so neither is claimed. In English whatever the language, for machine output (doctor's
 * -o json); people read agentNotReady().
 */
export const AGENT_NOT_READY: string = viewEnglish['view.agentNotReady'];

/** AGENT_NOT_READY in the user's language. */
export function agentNotReady(): string {
  return t('view.agentNotReady');
}

export function operationInProgress(state: AccelerationState): boolean {
  return state.status === 'Creating' || state.status === 'Deleting';
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function bool(v: unknown): boolean {
  return v === true || v === 'true' || v === 1 || v === '1';
}

function num(v: unknown): number {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : 0;
}

export function parseStatus(v: unknown): AccelerationStatus {
  return (ACCELERATION_STATUSES as readonly unknown[]).includes(v) ? (v as AccelerationStatus) : 'Unknown';
}

export function parseAccelerationState(clusterId: string, body: UCloudResponse): AccelerationState {
  const status = parseStatus(body['Status']);
  const enabled = bool(body['Enable']);
  const agentReady = bool(body['AgentReady']);
  const rawImages = Array.isArray(body['Images']) ? (body['Images'] as unknown[]) : [];
  const images: AcceleratedImage[] = [];
  for (const raw of rawImages) {
    if (typeof raw !== 'object' || raw === null) continue;
    const r = raw as Record<string, unknown>;
    const originalImage = str(r['OriginalImage']);
    const targetImage = str(r['TargetImage']);
    if (!originalImage || !targetImage) continue;
    images.push({ originalImage, targetImage, sizeBytes: num(r['Size']), layers: num(r['Layers']) });
  }
  return {
    clusterId,
    enabled,
    nfsReady: bool(body['NfsReady']),
    agentReady,
    status,
    error: str(body['Error']),
    images,
    imagesKnown: enabled && agentReady && status !== 'Creating' && status !== 'Deleting' && status !== 'Unknown',
    subnetId: str(body['SubnetId']),
    nfsAddr: str(body['NfsAddr']),
  };
}

/** The five image-acceleration actions of one UK8S cluster. */
export class AccelerationApi {
  readonly clusterId: string;
  readonly #client: UCloudClient;

  constructor(client: UCloudClient, clusterId: string) {
    this.#client = client;
    this.clusterId = clusterId;
  }

  async get(): Promise<AccelerationState> {
    const body = await this.#client.call('GetUK8SImageAccelerate', { ClusterId: this.clusterId }, { retryable: true });
    return parseAccelerationState(this.clusterId, body);
  }

  async enable(req: EnableRequest): Promise<void> {
    await this.#client.call(
      'EnableUK8SImageAccelerate',
      {
        ClusterId: this.clusterId,
        NfsAddr: req.nfsAddr,
        SubnetId: req.subnetId,
        UHubUsername: req.uhubUsername,
        UHubPassword: req.uhubPassword,
      },
      { retryable: false, secretParams: ['UHubPassword'] },
    );
  }

  async disable(): Promise<void> {
    await this.#client.call('DisableUK8SImageAccelerate', { ClusterId: this.clusterId }, { retryable: false });
  }

  async create(originalImage: string, targetImage: string): Promise<void> {
    await this.#client.call(
      'CreateUK8SImageAccelerate',
      { ClusterId: this.clusterId, OriginalImage: originalImage, TargetImage: targetImage },
      { retryable: false },
    );
  }

  /** `originalImage` is the image the acceleration was created from: the API deletes by original. */
  async delete(originalImage: string): Promise<void> {
    await this.#client.call(
      'DeleteUK8SImageAccelerate',
      { ClusterId: this.clusterId, Image: originalImage },
      { retryable: false },
    );
  }
}
