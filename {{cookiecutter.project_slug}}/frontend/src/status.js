// A module of the bundle: it marks the page so you can see (and tests can
// check) that the built script was served and ran.
export function showBuildStatus(page) {
  page.documentElement.dataset.bundle = "ran";
  const status = page.getElementById("build-status");
  if (status) {
    status.textContent = "JavaScript bundled by esbuild from frontend/src/ has run.";
  }
}
