// The backups page while a job runs: ask the server for the jobs' progress every two seconds and
// show it; once none runs any more, reload the page so the new backup and the result appear.
// Without this script the page still works: it offers a "Refresh" link while a job runs.
(function () {
  "use strict";
  var section = document.getElementById("jobs");
  if (!section || !section.dataset.active || !window.fetch) { return; }
  var url = section.dataset.jobsUrl;

  function show(job) {
    var row = section.querySelector('tr[data-job="' + job.id + '"]');
    if (!row) { return false; }
    var state = row.querySelector(".job-state");
    if (state) { state.textContent = job.state_label; }
    var bar = row.querySelector(".job-progress");
    if (bar) { bar.value = job.progress; bar.textContent = job.progress + " %"; }
    var step = row.querySelector(".job-step");
    if (step) { step.textContent = job.step || job.state_label; }
    return true;
  }

  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        var known = data.jobs.every(function (job) { return !job.active || show(job); });
        if (!data.active || !known) { window.location.reload(); return; }
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }

  window.setTimeout(poll, 1000);
}());
