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

// The html-manager typesets widget labels with the MathJax 2 API (MathJax.Hub.Queue) whenever
// window.MathJax exists; the book loads MathJax 3, which has no Hub. Map the one call it makes onto
// MathJax 3's typesetPromise, once MathJax 3 is loaded (deferred scripts run before DOMContentLoaded;
// widgets render on "load").
(function () {
  function shim() {
    var mj = window.MathJax;
    if (!mj || mj.Hub) return;
    mj.Hub = {
      Queue: function (job) {
        var element = job && job[2];
        var ready = mj.startup && mj.startup.promise ? mj.startup.promise : Promise.resolve();
        ready
          .then(function () {
            return element && mj.typesetPromise ? mj.typesetPromise([element]) : null;
          })
          .catch(function () {});
      },
    };
  }
  document.addEventListener("DOMContentLoaded", shim);
  window.addEventListener("load", shim);
})();
