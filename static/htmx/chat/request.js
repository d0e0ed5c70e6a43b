// One post of the outbox, by XMLHttpRequest rather than fetch: only it reports an upload's
// progress. Resolves with the request once answered (any status); rejects when no answer
// came (the network, or the page going away).

export function postForm(url, data, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("HX-Request", "true");
    xhr.withCredentials = true;
    if (onProgress) {
      xhr.upload.addEventListener("progress", ({ lengthComputable, loaded, total }) => {
        if (lengthComputable && total) onProgress(loaded / total);
      });
    }
    xhr.addEventListener("load", () => resolve(xhr));
    for (const failure of ["error", "abort", "timeout"]) {
      xhr.addEventListener(failure, () => reject(new Error(`post ${failure}`)));
    }
    xhr.send(data);
  });
}

// Seconds the server asked to wait (a 429's Retry-After), in milliseconds; at least one second.
export const retryAfterMs = (xhr) => Math.max(1, Number(xhr.getResponseHeader("Retry-After")) || 1) * 1000;
