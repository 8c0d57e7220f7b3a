// The public HTTP API, called with the API key kept in sessionStorage (never the URL or localStorage).
import { config } from "./config.js";

const KEY = "ci.apiKey";

export const getKey = () => sessionStorage.getItem(KEY);
export const setKey = (key) => sessionStorage.setItem(KEY, key);
export const clearKey = () => sessionStorage.removeItem(KEY);

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field || null;
  }
}

export async function api(method, path, body) {
  const headers = { Authorization: `Bearer ${getKey() || ""}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const { apiBase } = await config();
  let res;
  try {
    res = await fetch(`${apiBase || ""}/api/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new ApiError(0, "network_error", `The API could not be reached (${err.message})`);
  }
  const text = await res.text();
  let doc = null;
  try {
    doc = text ? JSON.parse(text) : null;
  } catch {
    doc = null;
  }
  if (!res.ok) {
    const e = (doc && doc.error) || {};
    const message = e.message || (doc && doc.message) || `HTTP ${res.status}`;
    throw new ApiError(res.status, e.code || "http_error", message, e.field);
  }
  return doc;
}

// The presigned S3 POST: the form's fields, then the file; progress reported as 0..1.
export function uploadFile(form, file, onProgress) {
  return new Promise((resolve, reject) => {
    const data = new FormData();
    for (const [name, value] of Object.entries(form.fields)) data.append(name, value);
    data.append(form.file_field || "file", file);
    const xhr = new XMLHttpRequest();
    xhr.open(form.method || "POST", form.url);
    xhr.upload.addEventListener("progress", (ev) => {
      if (ev.lengthComputable) onProgress(ev.loaded / ev.total);
    });
    xhr.addEventListener("load", () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve();
      } else reject(new ApiError(xhr.status, "upload_failed", `The upload was refused (HTTP ${xhr.status})`, "file"));
    });
    xhr.addEventListener("error", () => reject(new ApiError(0, "upload_failed", "The upload failed (network)", "file")));
    xhr.send(data);
  });
}

// Save what a (presigned) URL holds as a file named `filename`, without leaving the app.
export async function saveUrl(url, filename) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const a = document.createElement("a");
  a.href = URL.createObjectURL(await res.blob());
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}
