// harness view: live refresh of a run being written (polls its status; no build step).
// The page was rendered while the run was running: it reloads when the run stops running or
// when records arrive.
(function () {
  var url = document.body.getAttribute("data-live");
  if (!url) { return; }
  var records = null;
  function poll() {
    fetch(url, { cache: "no-store", credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (s.status !== "running" || (records !== null && s.records !== records)) {
          window.location.reload();
          return;
        }
        records = s.records;
        var badge = document.getElementById("live");
        if (badge) { badge.textContent = "live: " + s.records + " records"; }
        setTimeout(poll, 2000);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  poll();
})();
