// Light progressive enhancement only: every page works without JavaScript.
"use strict";

document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// The escalation queue refreshes itself: fetch the server-rendered partial and swap it in,
// unless someone is typing a resolution note (a refresh must not eat their words).
(function () {
  var queue = document.getElementById("queue");
  if (!queue) { return; }
  var url = queue.getAttribute("data-refresh");
  var seconds = parseInt(queue.getAttribute("data-seconds"), 10) || 20;
  var stamp = document.getElementById("refreshed");

  function busy() {
    var active = document.activeElement;
    if (active && queue.contains(active) && active.tagName === "INPUT" && active.value) { return true; }
    var notes = queue.querySelectorAll("input[name=note]");
    for (var i = 0; i < notes.length; i++) { if (notes[i].value) { return true; } }
    return false;
  }

  function refresh() {
    if (busy()) { return; }
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (response.redirected || !response.ok) {
          // Logged out or a server error: a full reload shows the login page or the error.
          window.location.reload();
          return null;
        }
        return response.text();
      })
      .then(function (html) {
        if (html === null || html === undefined || busy()) { return; }
        queue.innerHTML = html;
        if (stamp) { stamp.textContent = "Updated " + new Date().toLocaleTimeString(); }
      })
      .catch(function () {
        if (stamp) { stamp.textContent = "Offline? Retrying…"; }
      });
  }

  window.setInterval(refresh, seconds * 1000);
})();
