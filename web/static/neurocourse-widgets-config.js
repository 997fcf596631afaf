// Loaded after require.js and before the vendored @jupyter-widgets/html-manager (embed-amd.js).
// The manager's modules are named AMD modules; require.js derives each module's URL, and webpack
// its public path (where the icon fonts are fetched from), from these paths. Without them the
// fonts are requested next to the page instead of next to the script.
(function () {
  var script = document.currentScript;
  var staticRoot = script.src.replace(/[^/]*$/, "");
  var manager = staticRoot + script.getAttribute("data-manager-path");
  window.require.config({
    paths: {
      "@jupyter-widgets/html-manager": manager + "html-manager",
      "@jupyter-widgets/html-manager/dist/libembed-amd": manager + "libembed-amd",
      "@jupyter-widgets/base": manager + "base",
      "@jupyter-widgets/controls": manager + "controls",
    },
  });
})();
