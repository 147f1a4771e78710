/**
 * `multipart/form-data` classify requests: `image` parts (files, or text fields holding a URL,
 * data: URI or base64), a `labels` field (comma-separated or a JSON list) and the JSON shape's
 * other options as fields. The result is the JSON shape's body, checked by the same schema.
 */
import type { FastifyRequest } from "fastify";
import { ApiError, badRequest, payloadTooLarge } from "../errors.js";

/** The JSON shape's fields, with images as strings or uploaded bytes. */
export interface MultipartClassify {
  images: (string | Uint8Array)[];
  fields: Record<string, unknown>;
}

function parseList(value: string, name: string): string[] {
  const v = value.trim();
  if (v.startsWith("[")) {
    let json: unknown;
    try {
      json = JSON.parse(v);
    } catch {
      throw badRequest(`field ${name} is not a valid JSON list`);
    }
    if (!Array.isArray(json) || !json.every((x) => typeof x === "string")) {
      throw badRequest(`field ${name} must be a JSON list of strings`);
    }
    return json.map((x) => x.trim()).filter((x) => x !== "");
  }
  return v
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

function parseBool(value: string, name: string): boolean {
  if (/^(true|1|on|yes)$/i.test(value.trim())) return true;
  if (/^(false|0|off|no)$/i.test(value.trim())) return false;
  throw badRequest(`field ${name} must be true or false`);
}

function parseJsonObject(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest(`field ${name} is not valid JSON`);
  }
}

/** Read every part; the whole upload counts against `bodyLimit` (→ 413). */
export async function readClassifyMultipart(
  request: FastifyRequest,
  bodyLimit: number,
): Promise<MultipartClassify> {
  const images: (string | Uint8Array)[] = [];
  const fields: Record<string, unknown> = {};
  const templates: string[] = [];
  let total = 0;
  const count = (n: number) => {
    total += n;
    if (total > bodyLimit) throw payloadTooLarge("request body is larger than the server's limit");
  };
  try {
    await readParts(request, images, fields, templates, count);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    // The plugin's own limits (413) and content-type errors keep their status; a body the
    // parser cannot read (a broken boundary, a truncated part) is the client's error.
    const status = (err as { statusCode?: unknown }).statusCode;
    if (typeof status === "number" && status >= 400 && status < 500) throw err;
    throw badRequest("malformed multipart/form-data body");
  }
  if (templates.length > 0) fields.templates = templates;
  return { images, fields };
}

async function readParts(
  request: FastifyRequest,
  images: (string | Uint8Array)[],
  fields: Record<string, unknown>,
  templates: string[],
  count: (n: number) => void,
): Promise<void> {
  for await (const part of request.parts()) {
    if (part.type === "file") {
      const buf = await part.toBuffer();
      count(buf.length);
      if (part.fieldname === "image") images.push(new Uint8Array(buf));
      else if (part.fieldname === "descriptions") {
        fields.descriptions = parseJsonObject(buf.toString("utf8"), "descriptions");
      } else throw badRequest(`unexpected file part ${JSON.stringify(part.fieldname)}`);
      continue;
    }
    if (part.valueTruncated) throw payloadTooLarge(`field ${part.fieldname} is too long`);
    const value = String(part.value ?? "");
    count(Buffer.byteLength(value));
    switch (part.fieldname) {
      case "image":
        images.push(value);
        break;
      case "labels":
        fields.labels = parseList(value, "labels");
        break;
      case "templates":
      case "template":
        templates.push(...(value.trim().startsWith("[") ? parseList(value, "templates") : [value]));
        break;
      case "descriptions":
        fields.descriptions = parseJsonObject(value, "descriptions");
        break;
      case "aggregate":
        fields.aggregate = value.trim();
        break;
      case "top_k":
      case "explain": {
        const k = Number(value);
        fields[part.fieldname] = Number.isInteger(k) ? k : value;
        break;
      }
      case "allow_missing":
      case "include_texts":
        fields[part.fieldname] = parseBool(value, part.fieldname);
        break;
      default:
        throw badRequest(`unexpected field ${JSON.stringify(part.fieldname)}`);
    }
  }
}
