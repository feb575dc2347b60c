/* The event page's answer list keeps itself current: every minute, while the tab is visible, the page is
   fetched again (with the same filter and page of the invitee list) and the answers section replaced.
   Without JavaScript the "Uppdatera svaren" link does the same.
   Nothing is replaced while focus is inside the section, so keyboard and screen-reader users keep their place. */
(function () {
  "use strict";
  var INTERVAL_MS = 60000;
  var section = document.getElementById("svarslista");
  if (!section || !window.fetch || !window.DOMParser) {
    return;
  }

  function refresh() {
    if (document.hidden || section.contains(document.activeElement)) {
      return;
    }
    fetch(window.location.pathname + window.location.search, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (!html || section.contains(document.activeElement)) {
          return;
        }
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("svarslista");
        if (fresh) {
          section.innerHTML = fresh.innerHTML;
        }
      })
      .catch(function () {
        /* Offline for a moment: the next round tries again. */
      });
  }

  window.setInterval(refresh, INTERVAL_MS);
})();
