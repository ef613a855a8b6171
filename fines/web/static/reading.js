// A fine being read in the background: ask for its state now and then, and show the page again
// once it has been read. Without JavaScript the page's own "refresh" link does the same.
(function () {
  "use strict";
  var note = document.querySelector("[data-reading-state]");
  if (!note) { return; }
  var url = note.getAttribute("data-reading-state");
  var waited = 0;
  function check() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (body && body.state !== "received") {
          window.location.reload();
          return;
        }
        waited += 1;
        window.setTimeout(check, waited < 30 ? 1000 : 5000);
      })
      .catch(function () { window.setTimeout(check, 5000); });
  }
  window.setTimeout(check, 1000);
})();
