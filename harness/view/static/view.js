// harness view: live refresh of a run being written (polls its status; no build step)
(function () {
  var url = document.body.getAttribute("data-live");
  if (!url) { return; }
  var seen = null;
  function poll() {
    fetch(url, { cache: "no-store", credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (seen !== null && (s.records !== seen.records || s.status !== seen.status)) {
          window.location.reload();
          return;
        }
        seen = s;
        var badge = document.getElementById("live");
        if (badge) { badge.textContent = "live: " + s.records + " records"; }
        if (s.status === "running") { setTimeout(poll, 2000); }
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  poll();
})();
