/**
 * The parts of the server's JSON the page reads (GET /v1/config, POST /v1/classify,
 * /v1/describe, /v1/search; their schemas are in src/serve/routes/). Types only: nothing here
 * touches the DOM.
 */

export interface ServerConfig {
  model: string;
  dtype: string;
  embedding_dim: number;
  ready: boolean;
  needs_labels: boolean;
  fixed_labels?: string[];
  features: string[];
  llm_model?: string;
  url_inputs: boolean;
  /** SigLIP-family models score each label with its own sigmoid. */
  scoring?: "softmax" | "sigmoid";
  default_template: string;
  presets: { classnames: string[]; templates: string[] };
}

/** A failed input: a message, or a `{code, message}` record. */
export type InputError = string | { code?: string; message: string };

export interface Prediction {
  label: string;
  score: number;
  explanation?: { text: string; cosine: number }[];
}

export interface ClassifyResponse {
  results: { predictions: Prediction[]; error?: InputError | null }[];
  classes?: { label: string; texts: string[] }[];
}

export interface DescribeResponse {
  descriptions: Record<string, string[]>;
  requests: number;
  cached_answers: number;
  failures: { label: string }[];
}

export interface SearchResponse {
  results?: { input?: string; score?: number; thumbnail?: string }[];
}

export interface ErrorResponse {
  error?: { message?: string };
}

/** A status and the body parsed as JSON (null when empty). */
export interface ApiResult<T> {
  status: number;
  body: T | null;
}
