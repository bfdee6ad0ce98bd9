import { Entity } from '@backstage/catalog-model';
import {
  ANNOTATION_INFERENCE_ENDPOINT,
  ANNOTATION_INFERENCE_MANAGEMENT_ENDPOINT,
  ANNOTATION_INFERENCE_PROTOCOL,
  ANNOTATION_MODEL_NAME,
  INFERENCE_PROTOCOLS,
  InferenceProtocol,
  UpstreamProblem,
} from '@internal/plugin-mlops-common';

/** What to probe: read from an entity's annotations (never trusted: every URL goes through the endpoint policy). */
export interface InferenceTarget {
  /** Base URL of the server (for `http`: the full URL of its readiness check). */
  endpoint: string;
  protocol: InferenceProtocol;
  model?: string;
  /** TorchServe management API base URL. */
  managementEndpoint?: string;
}

export type TargetResult =
  | { ok: true; target: InferenceTarget }
  | { ok: false; problem: UpstreamProblem };

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,252}$/;

/** Reads the inference annotations; `undefined` when the entity names no endpoint. */
export function inferenceTargetOf(entity: Entity): TargetResult | undefined {
  const annotations = entity.metadata.annotations ?? {};
  const endpoint = annotations[ANNOTATION_INFERENCE_ENDPOINT]?.trim();
  if (!endpoint) return undefined;
  const bad = (annotation: string, message: string): TargetResult => ({
    ok: false,
    problem: {
      upstream: `annotation ${annotation}`,
      fault: 'bad-annotation',
      message,
    },
  });
  const protocol =
    annotations[ANNOTATION_INFERENCE_PROTOCOL]?.trim().toLowerCase();
  if (!protocol) {
    return bad(
      ANNOTATION_INFERENCE_PROTOCOL,
      `is missing: set it to one of ${INFERENCE_PROTOCOLS.join(', ')}`,
    );
  }
  if (!(INFERENCE_PROTOCOLS as readonly string[]).includes(protocol)) {
    return bad(
      ANNOTATION_INFERENCE_PROTOCOL,
      `"${protocol.slice(
        0,
        40,
      )}" is not a known protocol: use one of ${INFERENCE_PROTOCOLS.join(
        ', ',
      )}`,
    );
  }
  const model = annotations[ANNOTATION_MODEL_NAME]?.trim() || undefined;
  if (model !== undefined && !MODEL_NAME.test(model)) {
    return bad(
      ANNOTATION_MODEL_NAME,
      `"${model.slice(0, 40)}" is not a valid model name`,
    );
  }
  const managementEndpoint =
    annotations[ANNOTATION_INFERENCE_MANAGEMENT_ENDPOINT]?.trim() || undefined;
  return {
    ok: true,
    target: {
      endpoint,
      protocol: protocol as InferenceProtocol,
      ...(model ? { model } : {}),
      ...(managementEndpoint ? { managementEndpoint } : {}),
    },
  };
}
