// Direct uploads (uploads/direct.py): ask the site for a grant, send the file
// straight to the media bucket with it, then ask the site to check and keep it.
const form = document.getElementById("direct-upload");

function csrfToken() {
  return form.elements.csrfmiddlewaretoken.value;
}

async function postToSite(url, fields) {
  const body = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    body.append(name, value);
  }
  const response = await fetch(url, {
    method: "POST",
    body,
    headers: { "X-CSRFToken": csrfToken() },
  });
  const answer = await response.json();
  if (!response.ok) {
    throw new Error(answer.error);
  }
  return answer;
}

// XMLHttpRequest rather than fetch: it reports the upload's progress.
function sendToStorage(upload, file, progress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open(upload.method, upload.url);
    let body = file;
    if (upload.fields) {
      // A presigned POST (S3): the grant's fields, then the file, last.
      body = new FormData();
      for (const [name, value] of Object.entries(upload.fields)) {
        body.append(name, value);
      }
      body.append("file", file);
    }
    for (const [name, value] of Object.entries(upload.headers || {})) {
      request.setRequestHeader(name, value);
    }
    request.upload.addEventListener("progress", (event) => {
      progress.max = event.total;
      progress.value = event.loaded;
    });
    request.addEventListener("load", () => {
      if (request.status < 300) {
        resolve();
      } else {
        reject(new Error(`Storage refused the file (HTTP ${request.status}).`));
      }
    });
    request.addEventListener("error", () => {
      reject(new Error("The file could not be sent to storage."));
    });
    request.send(body);
  });
}

function showUploaded(status, kept) {
  const link = document.createElement("a");
  link.href = kept.url;
  link.textContent = kept.title;
  status.replaceChildren("Uploaded: ", link);
}

if (form) {
  const status = document.getElementById("direct-status");
  const progress = document.getElementById("direct-progress");
  const button = form.querySelector("button");

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = form.elements.file.files[0];
    button.disabled = true;
    progress.hidden = false;
    progress.value = 0;
    status.textContent = "Uploading…";
    try {
      const grant = await postToSite(form.dataset.grantUrl, {
        filename: file.name,
        size: file.size,
      });
      await sendToStorage(grant.upload, file, progress);
      const kept = await postToSite(form.dataset.completeUrl, {
        token: grant.token,
        title: form.elements.title.value,
      });
      showUploaded(status, kept);
      form.reset();
    } catch (error) {
      status.textContent = error.message;
    } finally {
      button.disabled = false;
      progress.hidden = true;
    }
  });
}
