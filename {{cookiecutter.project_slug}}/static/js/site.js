// Project script: a static file like site.css. It marks the page so you can
// see (and tests can check) that static JavaScript was served and ran.
document.documentElement.classList.add("js-ready");

const status = document.getElementById("js-status");
if (status) {
  status.textContent = "JavaScript from static/js/site.js has run.";
}
