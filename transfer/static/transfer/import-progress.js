// Drives a running import: posts one step after another to the step endpoint (each imports
// a chunk in one transaction and answers with the job's status as JSON) and shows the
// progress. Without JavaScript the "Weiter importieren" button does the same, one chunk per
// click.
(function () {
  "use strict";
  const section = document.querySelector("[data-import-progress]");
  if (!section || section.dataset.running !== "true") return;
  const bar = section.querySelector("[data-import-bar]");
  const text = section.querySelector("[data-import-text]");
  const message = section.querySelector("[data-import-message]");
  const done = section.querySelector("[data-import-done]");
  const form = section.querySelector("[data-import-step-form]");
  const status = document.querySelector("[data-import-status]");
  if (form) form.hidden = true;

  function show(job) {
    bar.max = job.total;
    bar.value = job.processed;
    bar.textContent = Math.round((100 * job.processed) / (job.total || 1)) + " %";
    text.textContent = job.progress_text;
    if (status) status.textContent = job.status_label;
    if (job.message) {
      message.textContent = job.message;
      message.hidden = false;
    }
  }

  async function next() {
    let response;
    try {
      response = await fetch(section.dataset.stepUrl, {
        method: "POST",
        headers: { "X-CSRFToken": section.dataset.csrfToken, Accept: "application/json" },
        credentials: "same-origin",
      });
    } catch (error) {
      message.textContent = section.dataset.errorNetwork;
      message.hidden = false;
      if (form) form.hidden = false;
      return;
    }
    if (!response.ok) {
      message.textContent = section.dataset.errorServer + " (" + response.status + ")";
      message.hidden = false;
      if (form) form.hidden = false;
      return;
    }
    const job = await response.json();
    show(job);
    if (job.status === "running") {
      next();
    } else if (job.status === "done") {
      done.hidden = false;
    } else {
      // Failed: the errors table comes with the page.
      window.location.reload();
    }
  }
  next();
})();
