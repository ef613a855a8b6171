// Live SLA timers: count down to each clock's due moment, and refresh the desk queue now and then.
// The words come translated from the script tag's data attributes ({t}, {h}, {m} are filled in here);
// the fallbacks are signs, not words, so no language is written here.
(function () {
  "use strict";
  var script = document.currentScript;
  function word(name, fallback) {
    return (script && script.getAttribute("data-" + name)) || fallback;
  }
  var words = {
    inside: word("in", "{t}"),
    late: word("late", "−{t}"),
    lateState: word("late-state", "✕"),
    hm: word("hm", "{h}:{m}"),
    h: word("h", "{h}:00"),
    m: word("m", "0:{m}")
  };
  function span(ms) {
    var minutes = Math.round(Math.abs(ms) / 60000);
    var h = Math.floor(minutes / 60), m = minutes % 60;
    var pattern = h && m ? words.hm : (h ? words.h : words.m);
    return pattern.replace("{h}", String(h)).replace("{m}", String(m));
  }
  // The app's clock at render time: count from it, whatever the browser's own clock says.
  var serverNow = Date.parse(word("now", ""));
  var skew = isNaN(serverNow) ? 0 : serverNow - Date.now();
  function tick() {
    var now = Date.now() + skew;
    document.querySelectorAll("[data-due]").forEach(function (el) {
      var left = Date.parse(el.getAttribute("data-due")) - now;
      var out = el.querySelector(".left");
      if (!out) { return; }
      out.textContent = " (" + (left >= 0 ? words.inside : words.late).replace("{t}", span(left)) + ")";
      if (left < 0) {
        el.classList.add("clock-breached");
        var state = el.querySelector(".clock-state");
        if (state) { state.textContent = words.lateState; }
        var icon = el.querySelector(".clock-icon");
        if (icon) { icon.textContent = "✕"; }
      }
    });
  }
  tick();
  setInterval(tick, 30000);
  var auto = document.querySelector("[data-autorefresh]");
  if (auto) {
    var reload = setTimeout(function () { window.location.reload(); },
                            1000 * parseInt(auto.getAttribute("data-autorefresh"), 10));
    // Someone typing a filter or ticking incidents to assign keeps what they did: no reload then.
    ["input", "change"].forEach(function (kind) {
      document.addEventListener(kind, function () { clearTimeout(reload); });
    });
  }
})();
