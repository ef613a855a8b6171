// Live SLA timers: count down to each clock's due moment, and refresh the desk queue now and then.
(function () {
  "use strict";
  function span(ms) {
    var minutes = Math.round(Math.abs(ms) / 60000);
    var h = Math.floor(minutes / 60), m = minutes % 60;
    return (h ? h + " h " : "") + (m < 10 && h ? "0" : "") + m + " min";
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (el) {
      var left = Date.parse(el.getAttribute("data-due")) - now;
      var out = el.querySelector(".left");
      if (!out) { return; }
      out.textContent = left >= 0 ? " (in " + span(left) + ")" : " (" + span(left) + " late)";
      el.classList.toggle("clock-breached", left < 0);
    });
  }
  tick();
  setInterval(tick, 30000);
  var auto = document.querySelector("[data-autorefresh]");
  if (auto) {
    setTimeout(function () { window.location.reload(); }, 1000 * parseInt(auto.getAttribute("data-autorefresh"), 10));
  }
})();
