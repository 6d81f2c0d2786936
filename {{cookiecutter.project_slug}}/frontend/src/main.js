// The bundle's entry point. esbuild follows its imports into one file,
// frontend/dist/app.js, which templates link with the static tag
// ("frontend/app.js") and collectstatic hashes and compresses like any other
// static file.
import { showBuildStatus } from "./status.js";

showBuildStatus(document);
