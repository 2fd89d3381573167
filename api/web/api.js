// The JSON API, as the page calls it: same origin, the page's own path minus "ui/" as the root,
// the API key (if the user typed one) from sessionStorage, errors as RFC 9457 problem details.

const KEY = "chanjiao.apiKey";

/** The API's root URL: the page lives at <root>/ui/, so "../" of it (works behind a path prefix too). */
export const ROOT = new URL("../", document.baseURI);

export function getKey() {
  try {
    return sessionStorage.getItem(KEY) || "";
  } catch {
    return "";
  }
}

export function setKey(value) {
  try {
    if (value) sessionStorage.setItem(KEY, value);
    else sessionStorage.removeItem(KEY);
  } catch {
    /* storage disabled: the key lives for this page only */
  }
}

/** An id as a path segment: percent-encoded, slashes and colons included (the API takes either form). */
export const seg = (id) => encodeURIComponent(id);

/** The absolute URL of an API path with query parameters (null/undefined/false-y "" ones left out). */
export function apiUrl(path, params = {}) {
  const url = new URL(path.replace(/^\//, ""), ROOT);
  for (const [name, value] of Object.entries(params)) {
    if (value === null || value === undefined || value === "") continue;
    if (Array.isArray(value)) value.forEach((v) => url.searchParams.append(name, v));
    else url.searchParams.set(name, String(value));
  }
  return url.toString();
}

/** An error answer: its status and the problem details (title, detail, problems[]). */
export class ApiError extends Error {
  constructor(status, body) {
    const detail = body && typeof body === "object" ? body.detail || body.title : String(body || "");
    super(detail || `HTTP ${status}`);
    this.status = status;
    this.body = body && typeof body === "object" ? body : { detail: String(body || "") };
  }
}

function headers(extra = {}) {
  const sent = { Accept: "application/json", ...extra };
  const key = getKey();
  if (key) sent["X-API-Key"] = key;
  return sent;
}

const cache = new Map();

/** Forget cached reads (after an upload has changed the graph). */
export function clearCache() {
  cache.clear();
}

async function parse(response) {
  const type = response.headers.get("content-type") || "";
  const body = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

/** GET a JSON answer; answers are cached for the page's life (the graph changes only by upload). */
export function get(path, params = {}) {
  const url = apiUrl(path, params);
  if (!cache.has(url)) {
    const pending = fetch(url, { headers: headers() }).then(parse);
    pending.catch(() => cache.delete(url));
    cache.set(url, pending);
  }
  return cache.get(url);
}

/** POST a JSON body (what-if writes nothing; it is a POST only because it takes a body). */
export async function postJson(path, body, { signal } = {}) {
  const response = await fetch(apiUrl(path), {
    method: "POST",
    headers: headers({ "Content-Type": "application/json" }),
    body: JSON.stringify(body),
    signal,
  });
  return parse(response);
}

/** POST a file as multipart form data (the workbook upload; needs the API key). */
export async function postFile(path, params, file) {
  const form = new FormData();
  form.append("file", file, file.name);
  const response = await fetch(apiUrl(path, params), { method: "POST", headers: headers(), body: form });
  return parse(response);
}

/** A binary answer (a picture or a download) as a Blob and the file name the server gives it. */
export async function blob(url) {
  const response = await fetch(url, { headers: headers({ Accept: "*/*" }) });
  if (!response.ok) {
    const type = response.headers.get("content-type") || "";
    throw new ApiError(response.status, type.includes("json") ? await response.json() : await response.text());
  }
  return { blob: await response.blob(), filename: filenameOf(response.headers.get("content-disposition")) };
}

/** The file name of a Content-Disposition header: the UTF-8 filename* first, else the ASCII filename. */
export function filenameOf(disposition) {
  if (!disposition) return "";
  const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(disposition);
  if (star) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      /* fall through to the plain name */
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(disposition);
  return plain ? plain[1].trim() : "";
}
